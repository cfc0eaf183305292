"""活动: the list, create and edit (the fields of 新建活动), an activity's live page with the
confirmation list, close, attendance correction, and the full-screen venue page."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from bot.console import venue
from bot.console.activity_form import STEP_LABELS, ActivityFields, from_activity, to_draft
from bot.console.web import Staff, audited, back, fragment, html, page, refusal, say, staff, writer
from bot.input_text import is_number
from bot.services import activities, activity_edit, confirmations, corrections, dashboard, members, membership
from bot.services.errors import ServiceError
from models import ActivityType, Attendance, AttendanceStatus
from models.activity import ATTENDANCE_LABELS, ActivityStatus
from models.assessment import CONSEQUENCE_LABELS

router = APIRouter()
PAGE_SIZE = 30


async def _form_page(request: Request, who: Staff, fields: ActivityFields, number: int | None) -> Response:
    return page(
        request,
        who,
        "activity_form.html",
        "activities",
        form=fields,
        number=number,
        types=list(ActivityType),
        labels=STEP_LABELS,
        sectors=await members.sectors(),
        committees=await members.committee_names(),
    )


async def _fields(request: Request) -> ActivityFields:
    form = await request.form()
    fields = ActivityFields()
    for name in ActivityFields.__dataclass_fields__.keys() - {"errors"}:
        setattr(fields, name, str(form.get(name, "") or ""))
    return fields


@router.get("/console/activities")
async def activity_list(
    request: Request, who: Annotated[Staff, Depends(staff)], page_number: int = 1
) -> Response:
    listed, total = await dashboard.activities_page(max(page_number, 1), PAGE_SIZE)
    counts = await dashboard.attendance_counts([a.id for a in listed])
    pages = max(1, -(-total // PAGE_SIZE))
    return page(
        request,
        who,
        "activities.html",
        "activities",
        listed=listed,
        counts=counts,
        page_number=min(max(page_number, 1), pages),
        pages=pages,
    )


@router.get("/console/activities/new")
async def new_form(request: Request, who: Annotated[Staff, Depends(staff)]) -> Response:
    return await _form_page(request, who, ActivityFields(type=ActivityType.PLENARY.value), None)


@router.post("/console/activities/new")
async def create(request: Request, who: Annotated[Staff, Depends(writer)]) -> Response:
    fields = await _fields(request)
    draft = await to_draft(fields)
    if draft is None:
        return await _form_page(request, who, fields, None)
    try:
        activity, count = await activities.create(draft, who.actor.label)
    except ServiceError as error:
        refusal(who, error)
        return await _form_page(request, who, fields, None)
    await audited(who, "activity_create", f"activity:{activity.id}")
    say(who, "activity_created", activity=activity, count=count, record=activities.is_record(activity))
    return back(f"/console/activities/{activity.id}")


async def _member_ids(number: int) -> list[int]:
    return list(await Attendance.filter(activity_id=number).values_list("member_id", flat=True))


@router.get("/console/activities/{number}/edit")
async def edit_form(request: Request, number: int, who: Annotated[Staff, Depends(staff)]) -> Response:
    try:
        activity = await activities.get(number)
    except ServiceError as error:
        refusal(who, error)
        return back("/console/activities")
    fields = await from_activity(activity_edit.draft_of(activity, await _member_ids(number)))
    return await _form_page(request, who, fields, number)


@router.post("/console/activities/{number}/edit")
async def edit(request: Request, number: int, who: Annotated[Staff, Depends(writer)]) -> Response:
    fields = await _fields(request)
    draft = await to_draft(fields)
    if draft is None:
        return await _form_page(request, who, fields, number)
    try:
        edited = await activity_edit.update(number, draft, who.actor.label)
    except ServiceError as error:
        refusal(who, error)
        return await _form_page(request, who, fields, number)
    await audited(who, "activity_edit", f"activity:{number}")
    say(who, "activity_edited", edited=edited)
    return back(f"/console/activities/{number}")


async def _live(number: int, *, confirmed: bool = True) -> dict[str, object]:
    """The attendance sheet, and (for the activity page) who confirmed, asked for leave, or is silent."""
    sheet = await activities.attendance_sheet(number)
    live: dict[str, object] = {"sheet": sheet, "labels": ATTENDANCE_LABELS}
    if confirmed:
        live["confirmations"] = await confirmations.build_sheet(sheet.activity)
    return live


@router.get("/console/activities/{number}")
async def activity_page(request: Request, number: int, who: Annotated[Staff, Depends(staff)]) -> Response:
    try:
        live = await _live(number)
    except ServiceError as error:
        refusal(who, error)
        return back("/console/activities")
    return page(request, who, "activity.html", "activities", **live, **await _correction(number))


CORRECTABLE = (
    AttendanceStatus.PRESENT,
    AttendanceStatus.LATE,
    AttendanceStatus.LEAVE,
    AttendanceStatus.ABSENT,
)


async def _correction(number: int) -> dict[str, object]:
    """A closed activity's expected members with their final status, for the correction form."""
    activity = await activities.get(number)
    if activity.status != ActivityStatus.CLOSED:
        return {"correction": []}
    rows = (
        await Attendance.filter(membership.member_q("member"), activity_id=number)
        .order_by("member__name", "member_id")
        .values("member_id", "member__name", "status")
    )
    found = [{"member_id": r["member_id"], "name": r["member__name"], "status": r["status"]} for r in rows]
    return {"correction": found, "correction_statuses": CORRECTABLE}


@router.post("/console/activities/{number}/correct")
async def correct(request: Request, number: int, who: Annotated[Staff, Depends(writer)]) -> Response:
    """The chat command 更正考勤: the same service, the same checks and audit entry."""
    form = await request.form()
    member, status, reason = (str(form.get(name) or "") for name in ("member", "status", "reason"))
    if not is_number(member):
        say(who, "nothing_selected", "error")
        return back(f"/console/activities/{number}")
    try:
        corrected = await corrections.correct(who.actor, number, f"#{member}", status, reason)
    except ServiceError as error:
        refusal(who, error)
        return back(f"/console/activities/{number}")
    say(who, "attendance_corrected", c=corrected, labels=CONSEQUENCE_LABELS)
    return back(f"/console/activities/{number}")


@router.get("/console/activities/{number}/live")
async def live_fragment(number: int, who: Annotated[Staff, Depends(staff)]) -> Response:
    return fragment("_activity_live.html", **await _live(number))


@router.post("/console/activities/{number}/close")
async def close(number: int, who: Annotated[Staff, Depends(writer)]) -> Response:
    try:
        sheet = await activities.close(number, who.actor.label)
    except ServiceError as error:
        refusal(who, error)
        return back(f"/console/activities/{number}")
    await audited(who, "activity_close", f"activity:{number}")
    say(who, "activity_closed", sheet=sheet)
    return back(f"/console/activities/{number}")


@router.get("/console/activities/{number}/venue")
async def venue_page(number: int, who: Annotated[Staff, Depends(staff)]) -> Response:
    try:
        sheet = await activities.attendance_sheet(number)
    except ServiceError as error:
        refusal(who, error)
        return back("/console/activities")
    qr, qr_problem = await venue.wechat_qr(sheet.activity)
    return html("venue.html", qr=qr, qr_problem=qr_problem, sheet=sheet, labels=ATTENDANCE_LABELS)


@router.get("/console/activities/{number}/venue/count")
async def venue_count(number: int, who: Annotated[Staff, Depends(staff)]) -> Response:
    return fragment("_venue_count.html", **await _live(number, confirmed=False))

"""审批 and 审核: leave requests, 社情民意 (受理 / 退回 / 采用 / 批示), records to confirm and the
rules' consequence drafts — each decided one by one or selected in bulk, through the chat's services.

A bulk decision is the same service call once per item: each item succeeds or is refused on its own
(e.g. decided meanwhile by someone else in chat), and the page says which.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from bot.console.web import Staff, audited, back, page, say, staff, writer
from bot.input_text import is_number
from bot.services import dashboard, leave, record_review, review
from bot.services.errors import ServiceError
from models import ReportStatus
from models.assessment import CONSEQUENCE_LABELS
from models.record import RECORD_KIND_LABELS, REPORT_STATUS_LABELS

router = APIRouter()
REPORT_STEPS = {
    "accept": ReportStatus.ACCEPTED,
    "return": ReportStatus.RETURNED,
    "adopt": ReportStatus.ADOPTED,
    "instruct": ReportStatus.INSTRUCTED,
}


@router.get("/console/approvals")
async def approvals(request: Request, who: Annotated[Staff, Depends(staff)]) -> Response:
    return page(
        request,
        who,
        "approvals.html",
        "approvals",
        leaves=await leave.pending_for_staff(limit=200),
        reports=await dashboard.reports_to_review(),
        records=await dashboard.records_to_confirm(),
        drafts=await review.pending(limit=200),
        report_labels=REPORT_STATUS_LABELS,
        record_labels=RECORD_KIND_LABELS,
        consequence_labels=CONSEQUENCE_LABELS,
        levels=record_review.LEVEL_LABELS,
    )


class Selection:
    """The items a form acts on: `one` (a row's own button) or the ticked `ids`, with their reasons."""

    def __init__(self, form: Any, one: str) -> None:
        self.form = form
        self.one = one

    @property
    def ids(self) -> list[str]:
        if self.one:
            return [self.one]
        return [value for value in self.form.getlist("ids") if isinstance(value, str) and is_number(value)]

    def text(self, name: str) -> str:
        """A row's own field (`reason_12`) for a single item, else the section's (`reason`)."""
        own = self.form.get(f"{name}_{self.one}") if self.one else None
        value = own if own else self.form.get(name, "")
        return str(value or "").strip()


async def _each(
    who: Staff, ids: list[str], act: Callable[[str], Awaitable[object]], section: str
) -> Response:
    done: list[str] = []
    refused: list[str] = []
    for item in ids:
        try:
            await act(item)
        except ServiceError as error:
            refused.append(error.render())
        else:
            done.append(item)
    if not ids:
        say(who, "nothing_selected", "error")
    else:
        say(who, "decided", "error" if refused and not done else "ok", done=done, refused=refused)
    return back(f"/console/approvals#{section}")


@router.post("/console/approvals/leave")
async def decide_leave(
    request: Request, who: Annotated[Staff, Depends(writer)], decision: str, one: str = ""
) -> Response:
    chosen = Selection(await request.form(), one)
    approve = decision == "approve"
    reason = chosen.text("reason")

    async def act(item: str) -> None:
        decided = await leave.decide(who.actor, item, approve=approve, reason=reason)
        await audited(who, "leave_approve" if approve else "leave_refuse", decided.member.id)

    return await _each(who, chosen.ids, act, "leave")


@router.post("/console/approvals/reports")
async def review_reports(
    request: Request, who: Annotated[Staff, Depends(writer)], step: str, one: str = ""
) -> Response:
    chosen = Selection(await request.form(), one)
    status = REPORT_STEPS.get(step)
    if status is None:
        say(who, "nothing_selected", "error")
        return back("/console/approvals#reports")
    note = chosen.text("note")
    level_text = chosen.text("level")

    async def act(item: str) -> None:
        level = record_review.parse_level(level_text) if status == ReportStatus.ADOPTED else ""
        report = await record_review.move(who.actor, item, status, level=level, note=note)
        await audited(who, f"report_{step}", report.member.id)

    return await _each(who, chosen.ids, act, "reports")


@router.post("/console/approvals/records")
async def confirm_records(
    request: Request, who: Annotated[Staff, Depends(writer)], one: str = ""
) -> Response:
    chosen = Selection(await request.form(), one)

    async def act(item: str) -> None:
        record = await record_review.confirm_record(who.actor, item)
        await audited(who, "record_confirm", record.member.id)

    return await _each(who, chosen.ids, act, "records")


@router.post("/console/approvals/drafts")
async def decide_drafts(
    request: Request, who: Annotated[Staff, Depends(writer)], decision: str, one: str = ""
) -> Response:
    chosen = Selection(await request.form(), one)
    reason = chosen.text("reason")

    async def act(item: str) -> None:
        if decision == "confirm":  # audited by the service itself
            publish = chosen.form.get(f"publish_{item}") == "1"
            await review.confirm(who.actor, item, publish=publish)
        else:
            await review.dismiss(who.actor, item, reason)

    return await _each(who, chosen.ids, act, "drafts")

"""名册: search and filters, upload with a preview (bad rows with their line, or new / changed /
unchanged) before confirming, and a member's page with bindings, binding code, unbind and role."""

from __future__ import annotations

import re
import secrets
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request, UploadFile
from fastapi.responses import Response

from bot.config import PROJECT_ROOT
from bot.console.web import (
    Staff,
    admin_writer,
    audited,
    back,
    flash,
    page,
    refusal,
    say,
    staff,
    writer,
)
from bot.render import render
from bot.services import binding, members, roster
from bot.services.errors import ServiceError
from models import Role

router = APIRouter()
UPLOAD_DIR = PROJECT_ROOT / "data" / "uploads"
UPLOAD_MAX_BYTES = 5 * 1024 * 1024
UPLOAD_ID = re.compile(r"^roster-[A-Za-z0-9_-]{16,40}\.(xlsx|csv)$")


@router.get("/console/roster")
async def roster_list(
    request: Request,
    who: Annotated[Staff, Depends(staff)],
    q: str = "",
    sector: str = "",
    committee: str = "",
    binding_state: str = "",
    page_number: int = 1,
) -> Response:
    flt = members.RosterFilter(q, sector, committee, binding_state, page_number)
    return page(
        request,
        who,
        "roster.html",
        "roster",
        flt=flt,
        result=await members.search(flt),
        sectors=await members.sectors(),
        committees=await members.committee_names(),
        binding_states=members.BINDING_STATES,
    )


async def _save_upload(who: Staff, file: UploadFile) -> Path | None:
    """The upload kept on the server until confirmed, or None (and the reason flashed)."""
    suffix = Path(file.filename or "").suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        say(who, "roster_wrong_type", "error")
        return None
    data = await file.read(UPLOAD_MAX_BYTES + 1)
    if len(data) > UPLOAD_MAX_BYTES:
        say(who, "roster_too_big", "error", megabytes=UPLOAD_MAX_BYTES // (1024 * 1024))
        return None
    UPLOAD_DIR.mkdir(parents=True, exist_ok=True)
    path = UPLOAD_DIR / f"roster-{secrets.token_urlsafe(18)}{suffix}"
    path.write_bytes(data)
    return path


@router.post("/console/roster/upload")
async def upload(
    request: Request, who: Annotated[Staff, Depends(admin_writer)], file: UploadFile
) -> Response:
    path = await _save_upload(who, file)
    if path is None:
        return back("/console/roster")
    try:
        preview = await roster.preview_rows(roster.read_rows(path))
    except (roster.RosterFormatError, ValueError, OSError, KeyError) as exc:
        path.unlink(missing_ok=True)
        say(who, "roster_unreadable", "error", problem=str(exc))
        return back("/console/roster")
    if preview.errors:
        path.unlink(missing_ok=True)
    await audited(who, "roster_preview", f"file:{file.filename or ''}")
    return page(
        request,
        who,
        "roster_upload.html",
        "roster",
        preview=preview,
        upload=path.name,
        filename=file.filename or "",
    )


@router.post("/console/roster/import")
async def import_uploaded(
    who: Annotated[Staff, Depends(admin_writer)], upload: Annotated[str, Form()]
) -> Response:
    if not UPLOAD_ID.match(upload) or not (UPLOAD_DIR / upload).is_file():
        say(who, "upload_expired", "error")
        return back("/console/roster")
    path = UPLOAD_DIR / upload
    try:
        report = await roster.import_file(path)
    finally:
        path.unlink(missing_ok=True)
    if not report.ok:
        say(who, "roster_refused", "error", errors=report.errors)
        return back("/console/roster")
    await audited(who, "roster_import", f"new:{report.created} changed:{report.updated}")
    say(who, "roster_imported", report=report)
    return back("/console/roster")


@router.get("/console/members/{member_id}")
async def member_page(request: Request, member_id: int, who: Annotated[Staff, Depends(staff)]) -> Response:
    try:
        found = await members.profile(member_id)
    except ServiceError as error:
        refusal(who, error)
        return back("/console/roster")
    if who.is_admin:  # phone and birthday are shown in full to 管理员 only, and that is recorded
        await audited(who, "personal_view", found.member)
    return page(request, who, "member.html", "roster", p=found, roles=list(Role))


@router.post("/console/members/{member_id}/binding-code")
async def issue_code(member_id: int, who: Annotated[Staff, Depends(writer)]) -> Response:
    try:
        found = await members.profile(member_id)
        issued = await binding.issue_code(found.member, who.actor.label)
    except ServiceError as error:
        refusal(who, error)
        return back(f"/console/members/{member_id}")
    await audited(who, "binding_code", found.member)
    flash(who, render("binding/code_issued.j2", issued=issued))
    return back(f"/console/members/{member_id}")


@router.post("/console/members/{member_id}/unbind")
async def unbind(
    member_id: int, who: Annotated[Staff, Depends(writer)], platform: Annotated[str, Form()] = ""
) -> Response:
    try:
        found = await members.profile(member_id)
        removed = await binding.unbind(found.member, who.actor.label, platform or None)
    except ServiceError as error:
        refusal(who, error)
        return back(f"/console/members/{member_id}")
    await audited(who, "unbind", found.member)
    flash(who, render("binding/unbound.j2", member=found.member, removed=removed))
    return back(f"/console/members/{member_id}")


@router.post("/console/members/{member_id}/role")
async def change_role(
    member_id: int, who: Annotated[Staff, Depends(admin_writer)], role: Annotated[str, Form()]
) -> Response:
    try:
        member = await members.set_role(who.actor, member_id, Role(role))
    except (ServiceError, ValueError) as error:
        if isinstance(error, ServiceError):
            refusal(who, error)
        else:
            say(who, "unknown_role", "error")
        return back(f"/console/members/{member_id}")
    say(who, "role_changed", member=member, label=member.role_label)
    return back(f"/console/members/{member_id}")

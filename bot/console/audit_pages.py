"""审计: the audit log with filters (who, what, when). It names people and objects, never the
personal data itself."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from bot import clock
from bot.console.web import Staff, page, staff
from bot.input_text import is_number
from bot.services import audit
from models import Member

router = APIRouter()


def _day(text: str) -> datetime | None:
    try:
        day = datetime.strptime(text.strip(), "%Y-%m-%d").date()
    except ValueError:
        return None
    return datetime.combine(day, time(), tzinfo=clock.local_zone())


@router.get("/console/audit")
async def audit_log(
    request: Request,
    who: Annotated[Staff, Depends(staff)],
    actor: str = "",
    action: str = "",
    since: str = "",
    until: str = "",
) -> Response:
    start, end = _day(since), _day(until)
    entries = await audit.entries(
        since=start,
        until=end + timedelta(days=1) if end else None,
        actor=actor.strip(),
        action=action,
        limit=500,
    )
    actors = sorted(await audit.actors())
    ids = {e.target_member_id for e in entries if e.target_member_id}
    ids |= {
        int(a[7:])
        for a in [*actors, *(e.actor for e in entries)]
        if a.startswith("member:") and is_number(a[7:])
    }
    names = dict(await Member.filter(id__in=sorted(ids)).values_list("id", "name")) if ids else {}
    return page(
        request,
        who,
        "audit.html",
        "audit",
        entries=entries,
        actors=actors,
        names=names,
        actions=audit.ACTION_LABELS,
        f_actor=actor,
        f_action=action,
        f_since=since,
        f_until=until,
    )

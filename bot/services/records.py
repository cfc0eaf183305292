"""One-line archive records: 四访 visits, good deeds, speeches, research reports, opinions.

A record a member logs (`recorded_by = "self"`) is self-reported until staff confirm it; the policy
says how many self-reported records of a kind count before that (`counted_records`). A member
cannot log the same record twice on one day.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from tortoise.expressions import Q

from bot import clock
from bot.config import get_settings
from bot.input_text import Arguments, as_arguments, fold, storable
from bot.services import policy as policies
from bot.services.errors import ServiceError
from bot.services.policy import Policy
from models import Member, Record, RecordKind, VisitType
from models.record import RECORD_KIND_LABELS

SELF = "self"

VISIT_ALIASES: dict[str, VisitType] = {
    "乡村农户": VisitType.RURAL,
    "乡村": VisitType.RURAL,
    "农户": VisitType.RURAL,
    "农村": VisitType.RURAL,
    "社区居民": VisitType.COMMUNITY,
    "社区": VisitType.COMMUNITY,
    "居民": VisitType.COMMUNITY,
    "企业职工": VisitType.ENTERPRISE,
    "企业": VisitType.ENTERPRISE,
    "职工": VisitType.ENTERPRISE,
    "项目工地": VisitType.PROJECT,
    "项目": VisitType.PROJECT,
    "工地": VisitType.PROJECT,
}


def _description(text: str, kind: RecordKind) -> str:
    """The member's own words, kept as typed (only surrounding space and unstorable characters go)."""
    text = storable(text)
    limit = get_settings().record_text_max
    if len(fold(text)) < 4:
        raise ServiceError("record/too_short.j2", kind=kind)
    if len(text) > limit:
        raise ServiceError("record/too_long.j2", kind=kind, limit=limit, length=len(text))
    return text


def unconfirmed_q() -> Q:
    """Records a member logged themselves that staff have not confirmed yet."""
    return Q(recorded_by=SELF, confirmed_at__isnull=True)


def is_self_reported(recorded_by: str, confirmed_at: Any) -> bool:
    return recorded_by == SELF and not confirmed_at


def counted_records(
    totals: Iterable[dict[str, Any]], unconfirmed: Iterable[dict[str, Any]], policy: Policy
) -> list[dict[str, Any]]:
    """Grouped record counts (member_id, kind, visit_type, n) reduced to what counts: confirmed and
    staff-entered records, plus up to the policy's cap of self-reported ones per kind (per 四访 kind
    for visits). Groups with nothing counted are left out."""
    waiting = {(r["member_id"], str(r["kind"]), r["visit_type"]): r["n"] for r in unconfirmed}
    result = []
    for row in totals:
        kind = str(row["kind"])
        over_cap = max(
            0, waiting.get((row["member_id"], kind, row["visit_type"]), 0) - policy.counting.cap(kind)
        )
        if row["n"] - over_cap > 0:
            result.append({**row, "n": row["n"] - over_cap})
    return result


def counted_flags(records: list[Record], policy: Policy) -> list[bool]:
    """For one member's records of a year, in the order they were made (occurred_on, id): whether
    each counts (see `counted_records`; the earliest self-reported ones take the cap)."""
    used: dict[tuple[str, str], int] = {}
    flags = []
    for record in records:
        kind = str(record.kind)
        if not is_self_reported(record.recorded_by, record.confirmed_at):
            flags.append(True)
            continue
        key = (kind, record.visit_type)
        used[key] = used.get(key, 0) + 1
        flags.append(used[key] <= policy.counting.cap(kind))
    return flags


async def _refuse_duplicate(
    member: Member, kind: RecordKind, description: str, on: date, visit_type: str = ""
) -> None:
    """The same record (same kind, same words once folded) by one member on one day is refused."""
    same_day = await Record.filter(
        member_id=member.id, kind=kind, visit_type=visit_type, occurred_on=on
    ).values_list("id", "description")
    wanted = fold(description)
    for record_id, text in same_day:
        if fold(text) == wanted:
            raise ServiceError(
                "record/duplicate.j2", kind=RECORD_KIND_LABELS[kind], number=record_id, text=description
            )


async def log(member: Member, kind: RecordKind, text: str, recorded_by: str = SELF) -> Record:
    if kind == RecordKind.VISIT:
        raise ValueError("visits go through log_visit")
    today = clock.today()
    description = _description(text, kind)
    await _refuse_duplicate(member, kind, description, today)
    return await Record.create(
        member=member,
        kind=kind,
        description=description,
        occurred_on=today,
        year=today.year,
        recorded_by=recorded_by,
    )


async def log_visit(member: Member, args: str | Arguments, recorded_by: str = SELF) -> Record:
    """`<类型> <说明>`: the type is read from the folded first word, the description kept as typed."""
    arguments = as_arguments(args)
    if not arguments.words:
        raise ServiceError("record/visit_usage.j2", types=list(VisitType))
    visit_type = VISIT_ALIASES.get(arguments.word(0))
    if visit_type is None:
        raise ServiceError("record/visit_bad_type.j2", text=arguments.word(0), types=list(VisitType))
    description = _description(arguments.rest(1), RecordKind.VISIT)
    today = clock.today()
    await _refuse_duplicate(member, RecordKind.VISIT, description, today, visit_type.value)
    return await Record.create(
        member=member,
        kind=RecordKind.VISIT,
        visit_type=visit_type.value,
        description=description,
        occurred_on=today,
        year=today.year,
        recorded_by=recorded_by,
    )


async def awaits_confirmation(record: Record) -> bool:
    """Whether this self-reported record is past the policy's cap, so it counts only once confirmed
    (the member is told so). A policy file with mistakes says nothing here; it is reported elsewhere."""
    if not is_self_reported(record.recorded_by, record.confirmed_at):
        return False
    try:
        cap = policies.for_year(record.year).counting.cap(str(record.kind))
    except policies.PolicyError:
        return False
    before = Q(occurred_on__lt=record.occurred_on) | Q(occurred_on=record.occurred_on, id__lte=record.id)
    earlier = await Record.filter(
        unconfirmed_q(),
        before,
        member_id=record.member_id,
        kind=record.kind,
        visit_type=record.visit_type,
        year=record.year,
    ).count()
    return earlier > cap

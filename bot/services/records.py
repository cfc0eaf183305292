"""One-line archive records: 四访 visits, good deeds, speeches, research reports, opinions."""

from __future__ import annotations

from bot import clock
from bot.config import get_settings
from bot.input_text import Arguments, as_arguments, fold, storable
from bot.services.errors import ServiceError
from models import Member, Record, RecordKind, VisitType

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


async def log(member: Member, kind: RecordKind, text: str, recorded_by: str = "self") -> Record:
    if kind == RecordKind.VISIT:
        raise ValueError("visits go through log_visit")
    today = clock.today()
    return await Record.create(
        member=member,
        kind=kind,
        description=_description(text, kind),
        occurred_on=today,
        year=today.year,
        recorded_by=recorded_by,
    )


async def log_visit(member: Member, args: str | Arguments, recorded_by: str = "self") -> Record:
    """`<类型> <说明>`: the type is read from the folded first word, the description kept as typed."""
    arguments = as_arguments(args)
    if not arguments.words:
        raise ServiceError("record/visit_usage.j2", types=list(VisitType))
    visit_type = VISIT_ALIASES.get(arguments.word(0))
    if visit_type is None:
        raise ServiceError("record/visit_bad_type.j2", text=arguments.word(0), types=list(VisitType))
    description = _description(arguments.rest(1), RecordKind.VISIT)
    today = clock.today()
    return await Record.create(
        member=member,
        kind=RecordKind.VISIT,
        visit_type=visit_type.value,
        description=description,
        occurred_on=today,
        year=today.year,
        recorded_by=recorded_by,
    )

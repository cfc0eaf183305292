"""One-line archive records: 四访 visits, good deeds, speeches, research reports, opinions.

A record a member logs (`recorded_by = "self"`) is self-reported until staff confirm it; the policy
says how many self-reported records of a kind count before that (`CapCounter`). A member
cannot log the same record twice on one day.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from datetime import date
from typing import Any, NamedTuple

from tortoise.expressions import Q

from bot import clock
from bot.config import get_settings
from bot.input_text import Arguments, as_arguments, fold, same_words, storable
from bot.services import policy as policies
from bot.services import rows
from bot.services.errors import ServiceError
from bot.services.policy import Policy
from models import Member, Record, RecordKind, VisitQuestion, VisitType
from models.record import RECORD_KIND_LABELS

SELF = "self"
_QUESTION = re.compile("|".join(q.value for q in VisitQuestion))
_QUESTIONS_WORD = re.compile(rf"(?:(?:{_QUESTION.pattern})(?:于民)?[、,/;；]?)+")
_QUESTIONS_TAIL = re.compile(
    rf"[，,；;。：:]\s*((?:(?:{_QUESTION.pattern})(?:于民)?[、，,/;；]?)+)[。.！!]?$"
)

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


class RecordRow(NamedTuple):
    """One record of the year as the assessment and the export read it (values as stored)."""

    id: int
    member_id: int
    kind: str
    visit_type: str
    questions: str
    description: str
    occurred_on: Any
    recorded_by: str
    created_at: Any
    confirmed_by: str
    confirmed_at: Any


async def year_rows(year: int, scope: Q) -> list[RecordRow]:
    """The year's records within `scope`, in the order they were made (occurred_on, id)."""
    query = Record.filter(scope, year=year).order_by("occurred_on", "id").values_list(*RecordRow._fields)
    return await rows.fetch_as(query, RecordRow._make)


class CapCounter:
    """Whether each record counts, read in the order they were made (occurred_on, id): confirmed
    and staff-entered records always; a member's self-reported ones up to the policy's cap per kind
    (per 四访 kind for visits), the earliest first."""

    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        self.used: Counter[tuple[int, str, str]] = Counter()

    def counts(self, member_id: int, kind: str, visit_type: str, recorded_by: str, confirmed_at: Any) -> bool:
        if not is_self_reported(recorded_by, confirmed_at):
            return True
        key = (member_id, kind, visit_type)
        self.used[key] += 1
        return self.used[key] <= self.policy.counting.cap(kind)


async def _refuse_duplicate(
    member: Member, kind: RecordKind, description: str, on: date, visit_type: str = ""
) -> None:
    """The same record (same kind, the same words: `same_words`) by one member on one day is refused."""
    same_day = await Record.filter(
        member_id=member.id, kind=kind, visit_type=visit_type, occurred_on=on
    ).values_list("id", "description")
    wanted = same_words(description)
    for record_id, text in same_day:
        if same_words(text) == wanted:
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


def read_questions(word: str) -> list[VisitQuestion] | None:
    """A folded word made only of 四问 (`问政、问需`, `问政问需于民`, `问计/问候`, `四问`), else None."""
    if word == "四问":
        return list(VisitQuestion)
    if not _QUESTIONS_WORD.fullmatch(word):
        return None
    return [VisitQuestion(found) for found in _QUESTION.findall(word)]


def _visit_parts(arguments: Arguments) -> tuple[str, str]:
    """The description as typed and the 四问 it names: question-only words at its start or end
    (`走访 社区 问政、问需 走访青石社区`, `走访 社区 走访青石社区 问政 问需`) are the questions."""
    first, last = 1, len(arguments.words)
    asked: set[VisitQuestion] = set()
    while last > first and (found := read_questions(arguments.word(last - 1))) is not None:
        asked.update(found)
        last -= 1
    while first < last and (found := read_questions(arguments.word(first))) is not None:
        asked.update(found)
        first += 1
    if first >= last:
        return "", join_questions(asked)
    end = arguments.starts[last] if last < len(arguments.words) else len(arguments.raw)
    text = arguments.raw[arguments.starts[first] : end].strip()
    if tail := _QUESTIONS_TAIL.search(text):  # `走访青石社区，问政、问需。`
        asked.update(VisitQuestion(found) for found in _QUESTION.findall(tail[1]))
        text = text[: tail.start()].strip()
    return text, join_questions(asked)


def join_questions(asked: Iterable[VisitQuestion | str]) -> str:
    """Stored form: in the speech's order, joined by 、 (`问政、问需`)."""
    wanted = {str(q) for q in asked}
    return "、".join(q.value for q in VisitQuestion if q.value in wanted)


async def log_visit(member: Member, args: str | Arguments, recorded_by: str = SELF) -> Record:
    """`<类型> <说明> [问政、问需…]`: the type is read from the folded first word, the 四问 from
    question-only words before or after the description, the description kept as typed."""
    arguments = as_arguments(args)
    if not arguments.words:
        raise ServiceError("record/visit_usage.j2", types=list(VisitType))
    visit_type = VISIT_ALIASES.get(arguments.word(0))
    if visit_type is None:
        raise ServiceError("record/visit_bad_type.j2", text=arguments.word(0), types=list(VisitType))
    text, questions = _visit_parts(arguments)
    description = _description(text, RecordKind.VISIT)
    today = clock.today()
    await _refuse_duplicate(member, RecordKind.VISIT, description, today, visit_type.value)
    return await Record.create(
        member=member,
        kind=RecordKind.VISIT,
        visit_type=visit_type.value,
        questions=questions,
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

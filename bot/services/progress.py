"""我的履职: the year so far: attendance by type, reports, records, 五个一 and 四访四问."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime

from loguru import logger

from bot import clock
from bot.services import policy as policies
from bot.services import terms
from bot.services.records import CapCounter
from models import (
    ActivityType,
    Attendance,
    AttendanceStatus,
    Member,
    Proposal,
    Record,
    RecordKind,
    Report,
    VisitQuestion,
    VisitType,
)
from models.activity import ActivityStatus

ATTENDED = (AttendanceStatus.PRESENT, AttendanceStatus.LATE)


@dataclass(frozen=True, slots=True)
class Evidence:
    """One record behind a task: what and when."""

    label: str
    on: date


@dataclass
class TaskItem:
    name: str
    evidence: list[Evidence] = field(default_factory=list)

    @property
    def done(self) -> bool:
        return bool(self.evidence)


@dataclass(frozen=True, slots=True)
class RuleCount:
    activity_type: str
    status: str
    year: int
    term: int


@dataclass
class Progress:
    member: Member
    year: int
    days_left: int
    attendance: dict[ActivityType, Counter[AttendanceStatus]]
    five_ones: list[TaskItem]
    four_visits: list[TaskItem]
    four_questions: list[TaskItem]
    reports: list[Report]
    deeds: int
    upcoming: int
    awaiting_confirmation: int = 0
    # what the committee's rules count (absences, leaves per activity type): this year and this term
    rule_counts: list[RuleCount] = field(default_factory=list)
    term_since: date | None = None

    @property
    def five_done(self) -> int:
        return sum(item.done for item in self.five_ones)

    @property
    def visits_done(self) -> int:
        return sum(item.done for item in self.four_visits)

    @property
    def questions_done(self) -> int:
        return sum(item.done for item in self.four_questions)


def year_bounds(year: int) -> tuple[datetime, datetime]:
    zone = clock.local_zone()
    return datetime(year, 1, 1, tzinfo=zone), datetime(year + 1, 1, 1, tzinfo=zone)


def _local_date(moment: datetime) -> date:
    return clock.to_local(moment).date()


async def for_member(member: Member, year: int | None = None) -> Progress:
    today = clock.today()
    year = year or today.year
    start, end = year_bounds(year)
    rows = await Attendance.filter(
        member_id=member.id, activity__start_at__gte=start, activity__start_at__lt=end
    ).values_list("status", "activity__type", "activity__title", "activity__start_at", "activity__status")
    attendance: dict[ActivityType, Counter[AttendanceStatus]] = {}
    inspections: list[Evidence] = []
    upcoming = 0
    for status, type_, title, start_at, activity_status in rows:
        status, type_ = AttendanceStatus(status), ActivityType(type_)
        if activity_status == ActivityStatus.OPEN and status == AttendanceStatus.PENDING:
            upcoming += 1
            continue
        attendance.setdefault(type_, Counter())[status] += 1
        if type_ == ActivityType.INSPECTION and status in ATTENDED:
            inspections.append(Evidence(title, _local_date(start_at)))

    reports = list(await Report.filter(member_id=member.id, year=year).order_by("created_at"))
    proposals = await Proposal.filter(member_id=member.id, year=year).order_by("created_at")
    cosigned = await Proposal.filter(cosigner_rows__member_id=member.id, year=year).order_by("created_at")
    logged = list(await Record.filter(member_id=member.id, year=year).order_by("occurred_on", "id"))
    policy_or_none: policies.Policy | None = None
    try:
        policy = policy_or_none = policies.for_year(year)
    except policies.PolicyError as exc:  # the staff views report it; the member still sees records
        logger.error("policy for {} has mistakes: {}", year, exc.render())
        flags, co_signer_counts = [True] * len(logged), True
    else:
        counter = CapCounter(policy)
        flags = [
            counter.counts(r.member_id, r.kind, r.visit_type, r.recorded_by, r.confirmed_at) for r in logged
        ]
        co_signer_counts = policy.counting.co_signer_counts
    records = [record for record, counts in zip(logged, flags, strict=True) if counts]

    def of(*kinds: RecordKind) -> list[Evidence]:
        return [Evidence(r.description[:30], r.occurred_on) for r in records if r.kind in kinds]

    five_ones = [
        TaskItem(
            "提交一份提案",
            [Evidence(p.title, _local_date(p.created_at)) for p in proposals]
            + [
                Evidence(f"{p.title}（联名）", _local_date(p.created_at))
                for p in cosigned
                if co_signer_counts
            ],
        ),
        TaskItem(
            "反映一条社情民意",
            [Evidence(f"{r.reference} {r.title}", _local_date(r.created_at)) for r in reports],
        ),
        TaskItem("参加一次视察调研", inspections),
        TaskItem("完成一篇调研报告或提出一条意见建议", of(RecordKind.RESEARCH, RecordKind.OPINION)),
        TaskItem("为群众做一件好事实事", of(RecordKind.DEED)),
    ]
    four_visits = [
        TaskItem(
            f"访{vt.value}",
            [Evidence(r.description[:30], r.occurred_on) for r in records if r.visit_type == vt.value],
        )
        for vt in VisitType
    ]
    visits = [r for r in records if r.kind == RecordKind.VISIT]
    four_questions = [
        TaskItem(
            f"{q.value}于民",
            [Evidence(r.description[:30], r.occurred_on) for r in visits if q.value in r.questions],
        )
        for q in VisitQuestion
    ]
    rule_counts, term_since = await _rule_counts(member.id, year, attendance, policy_or_none)
    days_left = (date(year, 12, 31) - today).days if today.year == year else 0
    return Progress(
        member=member,
        year=year,
        days_left=max(days_left, 0),
        attendance=attendance,
        five_ones=five_ones,
        four_visits=four_visits,
        four_questions=four_questions,
        reports=reports,
        deeds=sum(1 for r in records if r.kind == RecordKind.DEED),
        upcoming=upcoming,
        awaiting_confirmation=len(logged) - len(records),
        rule_counts=rule_counts,
        term_since=term_since,
    )


async def _rule_counts(
    member_id: int,
    year: int,
    attendance: dict[ActivityType, Counter[AttendanceStatus]],
    policy: policies.Policy | None,
) -> tuple[list[RuleCount], date | None]:
    """The absences and leaves the count rules look at, in the year and over the term so far."""
    if policy is None or not policy.count_rules:
        return [], None
    from bot.services import rules

    pairs = list(dict.fromkeys((c.activity_type, c.status) for r in policy.count_rules for c in r.conditions))
    term = await terms.term_for_year(year)
    over_term = (await rules.term_tally(term, year, [member_id])).get(member_id, Counter())
    counts = [
        RuleCount(
            t.value, status, attendance.get(t, Counter())[AttendanceStatus(status)], over_term[(t, status)]
        )
        for t, status in pairs
    ]
    return counts, term.start

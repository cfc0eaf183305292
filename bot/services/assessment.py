"""Year-end assessment (量化考核、排位定档): score, rank overall and per 专委会, grade.

A fixed number of aggregate queries whatever the number of members (no per-member query):
members, committee memberships, attendance, reports, proposals, co-signatures, records.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from loguru import logger
from tortoise.expressions import Q
from tortoise.functions import Count

from bot.services import membership, tallies
from bot.services import policy as policies
from bot.services.cache import TTLCache, missing
from bot.services.policy import Policy
from bot.services.records import CapCounter, RecordRow, year_rows
from models import ActivityType, Proposal, ProposalCosigner, Report, VisitQuestion, VisitType
from models.activity import ATTENDANCE_LABELS, AttendanceStatus
from models.record import RECORD_KIND_LABELS

FIVE_ONES = ("提案", "社情民意", "视察调研", "调研报告或意见建议", "好事实事")
FOUR_VISITS = tuple(v.value for v in VisitType)
FOUR_QUESTIONS = tuple(q.value for q in VisitQuestion)
LEVEL_LABELS = {"district": "区级", "city": "市级", "province": "省级", "national": "全国"}
ATTENDED = ("present", "late")
REPORT_LABELS = {"submitted": "社情民意提交", "accepted": "社情民意受理", "returned": "社情民意退回"}


@dataclass(frozen=True, slots=True)
class ScoreItem:
    label: str
    count: int
    points: float


@dataclass
class Standing:
    member_id: int
    name: str
    sector: str
    committees: list[str] = field(default_factory=list)
    items: list[ScoreItem] = field(default_factory=list)
    score: float = 0.0
    rank: int = 0
    committee_ranks: dict[str, int] = field(default_factory=dict)
    grade: str = ""
    five_ones: dict[str, bool] = field(default_factory=dict)
    visits: dict[str, int] = field(default_factory=dict)
    questions: dict[str, int] = field(default_factory=dict)
    attended: int = 0
    expected: int = 0
    leave: int = 0
    attendance: dict[tuple[str, str], int] = field(default_factory=dict)
    attendance_rate: float | None = None  # as the policy reads leave (`Counting.attendance_formula`)

    @property
    def missing(self) -> list[str]:
        return [name for name, done in self.five_ones.items() if not done]


@dataclass
class Assessment:
    year: int
    policy: Policy
    standings: list[Standing]
    committee_sizes: dict[str, int]
    # record id → the points it earned (0 when it does not count yet: self-reported, over the cap)
    record_points: dict[int, float] = field(default_factory=dict)

    def of(self, member_id: int) -> Standing | None:
        return next((s for s in self.standings if s.member_id == member_id), None)

    def in_committee(self, name: str) -> list[Standing]:
        return sorted(
            (s for s in self.standings if name in s.committee_ranks), key=lambda s: s.committee_ranks[name]
        )

    def in_sector(self, name: str) -> list[Standing]:
        return [s for s in self.standings if s.sector == name]


def competition_ranks(scores: list[float]) -> list[int]:
    """Ranks for scores sorted high to low: ties share a rank and the next rank is skipped (1,1,3)."""
    ranks: list[int] = []
    for index, score in enumerate(scores):
        ranks.append(ranks[-1] if index and score == scores[index - 1] else index + 1)
    return ranks


def grade_for(policy: Policy, score: float, rank: int, total: int) -> str:
    if policy.grading_method == "score":
        for grade in policy.grades:
            if grade.min_score is None or score >= grade.min_score:
                return grade.name
    else:
        cumulative = 0.0
        for grade in policy.grades:
            if grade.share is None:
                return grade.name
            cumulative += grade.share
            if rank <= math.floor(cumulative * total + 1e-9):
                return grade.name
    return policy.grades[-1].name


async def _memberships(ids: list[int]) -> dict[int, list[str]]:
    rows = (
        await membership.members()
        .filter(committees__name__isnull=False)
        .values_list("id", "committees__name")
    )
    wanted = set(ids)
    result: dict[int, list[str]] = defaultdict(list)
    for mid, name in rows:
        if mid in wanted:
            result[mid].append(name)
    return result


async def _grouped(query, *columns: str) -> list[dict]:  # type: ignore[no-untyped-def]
    return list(await query.annotate(n=Count("id")).group_by(*columns).values(*columns, "n"))


def report_item(policy: Policy, status: str, level: str) -> tuple[str, float]:
    """The score item a 社情民意 report adds to (by the furthest status it reached), and its points."""
    if status in ("adopted", "instructed"):
        each = policy.adopted.get(level, policy.reports["accepted"])
        label = f"社情民意{LEVEL_LABELS.get(level, '')}采用"
        if status == "instructed":
            return label + "并获批示", each + policy.reports["instructed"]
        return label, each
    return REPORT_LABELS[status], policy.reports[status]


def _add(standing: Standing, label: str, each: float, count: int) -> None:
    if count:
        standing.items.append(ScoreItem(label, count, round(count * each, 2)))


async def assess(
    year: int,
    policy: Policy | None = None,
    member_ids: list[int] | None = None,
    *,
    records: list[RecordRow] | None = None,
) -> Assessment:
    """Everyone's standing. `records`: the year's records already read (the export reads them once
    for its sheets too); else they are read here."""
    policy = policy or policies.for_year(year)
    members = await tallies.assessed_members(member_ids)
    standings = {m["id"]: Standing(m["id"], m["name"], m["sector"]) for m in members}
    ids = list(standings) if member_ids is not None else None
    memberships = await _memberships(list(standings))
    attendance = await tallies.attendance(year, ids)
    # rows of people who are not assessed (staff, inactive) never reach the standings
    scope = Q(member_id__in=ids) if ids is not None else membership.member_q("member")
    reports = await _grouped(Report.filter(scope, year=year), "member_id", "status", "adopted_level")
    proposals = await _grouped(Proposal.filter(scope, year=year), "member_id")
    cosigned = await _grouped(
        ProposalCosigner.filter(scope, proposal__year=year, member_id__isnull=False), "member_id"
    )
    if records is None:
        records = await year_rows(year, scope)

    # Only assessed members are scored: a staff member's or a former member's own records are skipped.
    reports, proposals = (
        [row for row in rows if row["member_id"] in standings] for rows in (reports, proposals)
    )
    attendance_items = [
        (
            (type_, status),
            (type_.value, status),
            f"{type_.value}{ATTENDANCE_LABELS[AttendanceStatus(status)]}",
            policy.attendance[type_][status],
        )
        for type_ in ActivityType
        for status in ("present", "late", "leave", "absent")
    ]
    for mid, standing in standings.items():
        standing.committees = sorted(memberships.get(mid, []))
        standing.five_ones = dict.fromkeys(FIVE_ONES, False)
        standing.visits = dict.fromkeys(FOUR_VISITS, 0)
        standing.questions = dict.fromkeys(FOUR_QUESTIONS, 0)
        tally = attendance.get(mid, Counter())
        for key, stored, label, each in attendance_items:
            count = tally[key]
            standing.attendance[stored] = count
            standing.expected += count
            standing.attended += count if key[1] in ATTENDED else 0
            _add(standing, label, each, count)
        standing.five_ones["视察调研"] = any(tally[(ActivityType.INSPECTION, s)] for s in ATTENDED)
        standing.leave = sum(tally[(type_, "leave")] for type_ in ActivityType)
        counted = standing.expected - (standing.leave if policy.counting.leave_excused else 0)
        standing.attendance_rate = standing.attended / counted if counted else None
    for row in reports:
        standing = standings[row["member_id"]]
        standing.five_ones["社情民意"] = True
        _add(standing, *report_item(policy, str(row["status"]), row["adopted_level"]), count=row["n"])
    for row in proposals:
        standings[row["member_id"]].five_ones["提案"] = True
        _add(standings[row["member_id"]], "提案（第一提案人）", policy.records["proposal"], row["n"])
    for row in cosigned:
        if row["member_id"] in standings:
            standing = standings[row["member_id"]]
            standing.five_ones["提案"] |= policy.counting.co_signer_counts
            _add(standing, "提案（联名）", policy.records["proposal_cosigned"], row["n"])
    record_points = _score_records(standings, records, policy)

    ordered = sorted(standings.values(), key=lambda s: (-_total(s), s.member_id))
    for standing, rank in zip(ordered, competition_ranks([s.score for s in ordered]), strict=True):
        standing.rank = rank
        standing.grade = grade_for(policy, standing.score, rank, len(ordered))
    sizes: dict[str, int] = {}
    by_committee: dict[str, list[Standing]] = defaultdict(list)
    for standing in ordered:
        for name in standing.committees:
            by_committee[name].append(standing)
    for name, group in by_committee.items():
        sizes[name] = len(group)
        for standing, rank in zip(group, competition_ranks([s.score for s in group]), strict=True):
            standing.committee_ranks[name] = rank
    return Assessment(year, policy, ordered, sizes, record_points)


def record_item(policy: Policy, kind: str, visit_type: str) -> tuple[str, float]:
    """The score item a record adds to, and its points."""
    if kind == "visit":
        return f"走访{visit_type}", policy.visits.get(visit_type, 0.0)
    return RECORD_KIND_LABELS[kind], policy.records[kind]  # type: ignore[index]


def _score_records(
    standings: dict[int, Standing], records: list[RecordRow], policy: Policy
) -> dict[int, float]:
    """One pass over the year's records: what counts (see `CapCounter`) fills 五个一, 四访, 四问 and
    the score items; returns each record's points."""
    counter = CapCounter(policy)
    points: dict[int, float] = {}
    counts: Counter[tuple[int, str]] = Counter()
    each_of: dict[str, float] = {}
    for row in records:
        standing = standings.get(row.member_id)
        if standing is None:
            continue
        kind = str(row.kind)
        if not counter.counts(row.member_id, kind, row.visit_type, row.recorded_by, row.confirmed_at):
            points[row.id] = 0.0
            continue
        label, each = record_item(policy, kind, row.visit_type)
        points[row.id] = each
        counts[(row.member_id, label)] += 1
        each_of[label] = each
        if kind in ("research", "opinion"):
            standing.five_ones["调研报告或意见建议"] = True
        elif kind == "deed":
            standing.five_ones["好事实事"] = True
        elif kind == "visit":
            if row.visit_type in standing.visits:
                standing.visits[row.visit_type] += 1
            for question in row.questions.split("、") if row.questions else ():
                if question in standing.questions:
                    standing.questions[question] += 1
    for (member_id, label), count in counts.items():
        _add(standings[member_id], label, each_of[label], count)
    return points


def _total(standing: Standing) -> float:
    standing.score = round(sum(item.points for item in standing.items), 2)
    return standing.score


async def standing_of(member_id: int, year: int, *, recent: bool = False) -> tuple[Standing | None, int]:
    """A member's own standing (with everyone's ranks computed) and the number of members ranked.
    `recent`: as computed at most a minute ago (see `recent`) rather than now."""
    result = await (recent_assessment(year) if recent else assess(year))
    return result.of(member_id), len(result.standings)


# Pages that show the whole year's ranking (the staff console) read it as of at most a minute ago:
# assessing 1,000 members × 100 records takes about a second of the event loop.
RECENT_SECONDS = 60.0
_recent: TTLCache[tuple[float, Assessment]] = TTLCache(seconds=3600)
_refreshing: dict[int, asyncio.Task[None]] = {}


async def _refresh(year: int) -> None:
    try:
        _recent.put(year, (time.monotonic(), await assess(year)))
    except Exception:  # a broken policy file: keep showing the last good one, say why in the log
        logger.exception("assessment of {} could not be refreshed", year)
    finally:
        _refreshing.pop(year, None)


async def recent_assessment(year: int) -> Assessment:
    """The year's assessment as computed at most `RECENT_SECONDS` ago. An older one is returned at
    once while a fresh one is computed in the background (one at a time); none at all is computed now."""
    cached = _recent.get(year)
    if missing(cached):
        result = await assess(year)
        _recent.put(year, (time.monotonic(), result))
        return result
    computed_at: float
    computed_at, result = cached  # type: ignore[misc]
    if time.monotonic() - computed_at > RECENT_SECONDS and year not in _refreshing:
        _refreshing[year] = asyncio.create_task(_refresh(year), name=f"assessment-{year}")
    return result


async def own_standing(member_id: int, year: int) -> tuple[Standing | None, int]:
    """For 我的履职: like `standing_of`, but a broken policy file hides the section (and is logged)
    instead of failing the member's whole progress view."""
    try:
        return await standing_of(member_id, year)
    except policies.PolicyError as exc:
        logger.error("policy for {} has mistakes: {}", year, exc.render())
        return None, 0

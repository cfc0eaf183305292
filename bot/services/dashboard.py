"""What the console's 总览 shows: activities with live counts, the queues waiting for staff, delivery
health and the year's charts. Reads only; a fixed number of aggregate queries whatever the roster size."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from tortoise.functions import Count

from bot import clock, db
from bot.delivery import channels
from bot.services.assessment import FIVE_ONES, recent_assessment
from bot.services.cache import TTLCache, missing
from bot.services.progress import year_bounds
from models import (
    Activity,
    Attendance,
    Consequence,
    ConsequenceStatus,
    LeaveRequest,
    LeaveStatus,
    OutboxMessage,
    OutboxStatus,
    Record,
    RecordKind,
    Report,
    ReportStatus,
)
from models.activity import ActivityStatus

ATTENDED = ("present", "late")
# The kinds of records staff confirm (会议发言, 调研报告); visits and deeds stand as logged.
CONFIRMABLE = (RecordKind.SPEECH, RecordKind.RESEARCH)


@dataclass
class Counts:
    """Attendance of one activity by status."""

    by_status: Counter[str] = field(default_factory=Counter)

    @property
    def expected(self) -> int:
        return sum(self.by_status.values())

    @property
    def attended(self) -> int:
        return sum(self.by_status[s] for s in ATTENDED)


@dataclass(frozen=True, slots=True)
class Waiting:
    leave: int
    reports: int
    records: int
    drafts: int


@dataclass(frozen=True, slots=True)
class ChannelState:
    platform: str
    connected: bool


@dataclass(frozen=True, slots=True)
class DeliveryHealth:
    failed: int
    unknown: int
    unreachable: int
    pending: int
    channels: list[ChannelState]


async def attendance_counts(activity_ids: list[int]) -> dict[int, Counts]:
    """Attendance per status for these activities, in one grouped query."""
    result: dict[int, Counts] = {number: Counts() for number in activity_ids}
    if not activity_ids:
        return result
    rows = (
        await Attendance.filter(activity_id__in=activity_ids)
        .annotate(n=Count("id"))
        .group_by("activity_id", "status")
        .values_list("activity_id", "status", "n")
    )
    for activity_id, status, n in rows:
        result[activity_id].by_status[str(status)] = n
    return result


async def activities_around(days: int = 7) -> tuple[list[Activity], list[Activity]]:
    """Today's activities, and the rest of the coming week's (open or held), soonest first."""
    local_today = clock.local_now().replace(hour=0, minute=0, second=0, microsecond=0)
    tomorrow = local_today + timedelta(days=1)
    week_end = local_today + timedelta(days=days)
    found = await Activity.filter(start_at__gte=local_today, start_at__lt=week_end).order_by("start_at")
    today = [a for a in found if a.start_at < tomorrow]
    week = [a for a in found if a.start_at >= tomorrow]
    return today, week


async def waiting() -> Waiting:
    return Waiting(
        leave=await LeaveRequest.filter(
            status=LeaveStatus.PENDING, activity__status=ActivityStatus.OPEN
        ).count(),
        reports=await Report.filter(status__in=[ReportStatus.SUBMITTED, ReportStatus.ACCEPTED]).count(),
        records=await Record.filter(kind__in=list(CONFIRMABLE), confirmed_at=None).count(),
        drafts=await Consequence.filter(status=ConsequenceStatus.DRAFT).count(),
    )


async def delivery_health(hours: int = 24) -> DeliveryHealth:
    since = clock.now() - timedelta(hours=hours)
    rows = (
        await OutboxMessage.filter(
            status__in=[OutboxStatus.FAILED, OutboxStatus.UNKNOWN, OutboxStatus.UNREACHABLE],
            attempted_at__gte=since,
        )
        .annotate(n=Count("id"))
        .group_by("status")
        .values_list("status", "n")
    )
    counts = Counter({str(status): n for status, n in rows})
    pending = await OutboxMessage.filter(
        status__in=[OutboxStatus.PENDING, OutboxStatus.CLAIMED, OutboxStatus.SENDING]
    ).count()
    states = [
        ChannelState(platform, channel.available())
        for platform, channel in sorted(channels.registered().items())
    ]
    return DeliveryHealth(counts["failed"], counts["unknown"], counts["unreachable"], pending, states)


_BY_COMMITTEE_SQL = (
    "SELECT c.name, a.status, COUNT(*) FROM attendance a "
    "JOIN activity t ON t.id = a.activity_id "
    "JOIN member_committee mc ON mc.member_id = a.member_id "
    "JOIN committee c ON c.id = mc.committee_id "
    "WHERE t.status = {0} AND t.start_at >= {1} AND t.start_at < {2} "
    "GROUP BY c.name, a.status"
)


def _rate(counter: Counter[str]) -> float | None:
    total = sum(counter.values())
    return round(100 * sum(counter[s] for s in ATTENDED) / total, 1) if total else None


async def _monthly_rates(year: int, start: datetime, end: datetime) -> list[float | None]:
    held = dict(
        await Activity.filter(
            status=ActivityStatus.CLOSED, start_at__gte=start, start_at__lt=end
        ).values_list("id", "start_at")
    )
    by_month: dict[int, Counter[str]] = defaultdict(Counter)
    for activity_id, counts in (await attendance_counts(list(held))).items():
        by_month[clock.to_local(held[activity_id]).month].update(counts.by_status)
    return [_rate(by_month[month]) for month in range(1, 13)]


async def _committee_rates(start: datetime, end: datetime) -> dict[str, float | None]:
    moment = Activity._meta.fields_map["start_at"].to_db_value
    params = [ActivityStatus.CLOSED.value, moment(start, Activity), moment(end, Activity)]
    _, rows = await db.execute(_BY_COMMITTEE_SQL, params)
    by_committee: dict[str, Counter[str]] = defaultdict(Counter)
    for row in rows:
        name, status, n = tuple(row.values()) if isinstance(row, dict) else tuple(row)
        by_committee[name][str(status)] += n
    return {name: _rate(counter) for name, counter in sorted(by_committee.items())}


# The charts cover a whole year of records: computed at most once a minute.
_charts: TTLCache[dict[str, Any]] = TTLCache(seconds=60)


async def charts(year: int | None = None) -> dict[str, Any]:
    """Attendance rate by month and by 专委会 (closed activities), and 五个一 completion (% of members)."""
    year = year or clock.today().year
    cached = _charts.get(year)
    if not missing(cached):
        return cached  # type: ignore[return-value]
    start, end = year_bounds(year)
    result = await recent_assessment(year)
    members = len(result.standings)
    five_ones = [
        round(100 * sum(1 for s in result.standings if s.five_ones.get(name)) / members, 1) if members else 0
        for name in FIVE_ONES
    ]
    committees = await _committee_rates(start, end)
    data = {
        "year": year,
        "months": [f"{m}月" for m in range(1, 13)],
        "monthly": await _monthly_rates(year, start, end),
        "committees": list(committees),
        "committee_rates": list(committees.values()),
        "five_ones": list(FIVE_ONES),
        "five_one_rates": five_ones,
        "members": members,
    }
    _charts.put(year, data)
    return data


async def activities_page(page: int, size: int) -> tuple[list[Activity], int]:
    """Open activities first (soonest first), then the held ones, latest first; one page of them."""
    total = await Activity.all().count()
    open_ones = await Activity.filter(status=ActivityStatus.OPEN).count()
    start = (page - 1) * size
    listed: list[Activity] = []
    if start < open_ones:
        listed += (
            await Activity.filter(status=ActivityStatus.OPEN).order_by("start_at").offset(start).limit(size)
        )
    if len(listed) < size:
        closed_start = max(0, start - open_ones)
        listed += await (
            Activity.filter(status=ActivityStatus.CLOSED)
            .order_by("-start_at")
            .offset(closed_start)
            .limit(size - len(listed))
        )
    return listed, total


async def reports_to_review(limit: int = 100) -> list[Report]:
    """社情民意 still moving: submitted, accepted, or adopted (a 批示 may follow)."""
    return list(
        await Report.filter(status__in=[ReportStatus.SUBMITTED, ReportStatus.ACCEPTED, ReportStatus.ADOPTED])
        .select_related("member")
        .order_by("created_at", "id")
        .limit(limit)
    )


async def records_to_confirm(limit: int = 100) -> list[Record]:
    return list(
        await Record.filter(kind__in=list(CONFIRMABLE), confirmed_at=None)
        .select_related("member")
        .order_by("created_at", "id")
        .limit(limit)
    )

"""Aggregate counts for a year, a fixed number of queries whatever the number of members."""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from tortoise.functions import Count

from bot.services import membership
from bot.services.progress import year_bounds
from models import ActivityType, Attendance, Proposal, ProposalCosigner, Report

AttendanceTally = dict[int, Counter[tuple[ActivityType, str]]]


async def assessed_members(member_ids: list[int] | None = None) -> list[dict[str, Any]]:
    """Active 委员 (staff who are not 委员 are not assessed): id, name, sector."""
    query = membership.members()
    if member_ids is not None:
        query = query.filter(id__in=member_ids)
    return list(await query.order_by("id").values("id", "name", "sector"))


async def attendance(
    year: int, member_ids: list[int] | None = None, statuses: tuple[str, ...] = ()
) -> AttendanceTally:
    """member id → Counter of (activity type, final status) for activities starting in `year`."""
    start, end = year_bounds(year)
    query = Attendance.filter(
        membership.member_q("member"), activity__start_at__gte=start, activity__start_at__lt=end
    )
    query = query.filter(status__in=list(statuses or ("present", "late", "leave", "absent")))
    if member_ids is not None:
        query = query.filter(member_id__in=member_ids)
    rows = (
        await query.annotate(n=Count("id"))
        .group_by("member_id", "activity__type", "status")
        .values("member_id", "activity__type", "status", "n")
    )
    tally: AttendanceTally = defaultdict(Counter)
    for row in rows:
        tally[row["member_id"]][(ActivityType(row["activity__type"]), str(row["status"]))] += row["n"]
    return tally


async def _count_by_member(query: Any, column: str = "member_id") -> Counter[int]:
    rows = await query.annotate(n=Count("id")).group_by(column).values(column, "n")
    return Counter({row[column]: row["n"] for row in rows if row[column] is not None})


async def submissions(year: int, member_ids: list[int] | None = None) -> Counter[int]:
    """Proposals (as author or co-signer) plus 社情民意 reports per member in `year`."""
    proposals = Proposal.filter(year=year)
    cosigned = ProposalCosigner.filter(proposal__year=year, member_id__isnull=False)
    reports = Report.filter(year=year)
    if member_ids is not None:
        proposals = proposals.filter(member_id__in=member_ids)
        cosigned = cosigned.filter(member_id__in=member_ids)
        reports = reports.filter(member_id__in=member_ids)
    total: Counter[int] = Counter()
    for query in (proposals, cosigned, reports):
        total.update(await _count_by_member(query))
    return total

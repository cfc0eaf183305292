"""Aggregate counts for a year, a fixed number of queries whatever the number of members.

Given a list of members, the queries go in chunks of `bot.db.ID_CHUNK` ids (PostgreSQL's parameter
limit); every grouped row belongs to one member, so the chunks' results simply add up."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime
from typing import Any

from tortoise.functions import Count

from bot import db
from bot.services import membership
from bot.services.progress import year_bounds
from models import ActivityType, Attendance, Proposal, ProposalCosigner, Report

AttendanceTally = dict[int, Counter[tuple[ActivityType, str]]]


async def assessed_members(member_ids: list[int] | None = None) -> list[dict[str, Any]]:
    """Active 委员 (staff who are not 委员 are not assessed): id, name, sector."""
    query = membership.members()
    if member_ids is None:
        return list(await query.order_by("id").values("id", "name", "sector"))
    found: list[dict[str, Any]] = []
    for chunk in db.chunks(sorted(set(member_ids))):
        found.extend(await query.filter(id__in=chunk).order_by("id").values("id", "name", "sector"))
    return found


async def attendance(
    year: int, member_ids: list[int] | None = None, statuses: tuple[str, ...] = ()
) -> AttendanceTally:
    """member id → Counter of (activity type, final status) for activities starting in `year`."""
    start, end = year_bounds(year)
    return await attendance_between(start, end, member_ids, statuses)


async def attendance_between(
    start: datetime, end: datetime, member_ids: list[int] | None = None, statuses: tuple[str, ...] = ()
) -> AttendanceTally:
    """member id → Counter of (activity type, final status) for activities starting in [start, end)."""
    query = Attendance.filter(
        membership.member_q("member"), activity__start_at__gte=start, activity__start_at__lt=end
    )
    query = query.filter(status__in=list(statuses or ("present", "late", "leave", "absent")))
    scopes = [query] if member_ids is None else [query.filter(member_id__in=c) for c in db.chunks(member_ids)]
    tally: AttendanceTally = defaultdict(Counter)
    for scope in scopes:
        rows = (
            await scope.annotate(n=Count("id"))
            .group_by("member_id", "activity__type", "status")
            .values("member_id", "activity__type", "status", "n")
        )
        for row in rows:
            tally[row["member_id"]][(ActivityType(row["activity__type"]), str(row["status"]))] += row["n"]
    return tally


async def _count_by_member(query: Any, column: str = "member_id") -> Counter[int]:
    rows = await query.annotate(n=Count("id")).group_by(column).values(column, "n")
    return Counter({row[column]: row["n"] for row in rows if row[column] is not None})


async def submissions(
    year: int, member_ids: list[int] | None = None, *, co_signers: bool = True
) -> Counter[int]:
    """Proposals (as author, and as co-signer when `co_signers`: the policy's `co_signer_counts`)
    plus 社情民意 reports per member in `year`."""
    queries: list[Any] = [Proposal.filter(year=year), Report.filter(year=year)]
    if co_signers:
        queries.append(ProposalCosigner.filter(proposal__year=year, member_id__isnull=False))
    if member_ids is not None:
        queries = [query.filter(member_id__in=c) for query in queries for c in db.chunks(member_ids)]
    total: Counter[int] = Counter()
    for query in queries:
        total.update(await _count_by_member(query))
    return total

"""Keeping the outbox short: rows past their retention become counts in `outbox_summary`.

Delivered rows go after OUTBOX_KEEP_SENT_DAYS; failed, unknown and unreachable rows, which staff
look into (送达, 补发), after OUTBOX_KEEP_FAILED_DAYS. What stays is what 送达 and the archive read:
per broadcast batch, kind, template, channel, final state and local day, how many messages, how many
went another way than the first, and when (no recipient, no text). Rows still open are never touched.

Each chunk is summarised and deleted in one transaction (rows locked on PostgreSQL), so a crash or a
second purge running at the same time neither loses a count nor counts a row twice. The retention
must outlast the scheduler's catch-up window: a deleted row no longer dedupes its key.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from bot import clock
from bot.config import get_settings
from models import OutboxMessage, OutboxStatus, OutboxSummary

KEPT_LONGER = (OutboxStatus.FAILED, OutboxStatus.UNKNOWN, OutboxStatus.UNREACHABLE)
CHUNK = 2000
_FIELDS = (
    "id",
    "batch",
    "kind",
    "template",
    "channel",
    "status",
    "due_at",
    "attempted_at",
    "sent_at",
    "route",
)

SummaryKey = tuple[str, str, str, str, OutboxStatus, date]


@dataclass(frozen=True, slots=True)
class Purged:
    delivered: int
    kept_longer: int  # failed, unknown or unreachable rows past their own, longer retention
    sent_days: int
    failed_days: int


@dataclass(slots=True)
class _Tally:
    count: int = 0
    rerouted: int = 0
    first_at: datetime | None = None
    last_at: datetime | None = None

    def add(self, row: OutboxMessage) -> None:
        self.count += 1
        self.rerouted += 1 if row.status == OutboxStatus.SENT and row.route else 0
        last = row.sent_at or row.attempted_at or row.due_at
        self.first_at = row.due_at if self.first_at is None else min(self.first_at, row.due_at)
        self.last_at = last if self.last_at is None else max(self.last_at, last)


@dataclass(slots=True)
class BatchSummary:
    """A batch's purged rows, for 送达: counts per state, delivered per channel, rerouted."""

    by_status: dict[OutboxStatus, int] = field(default_factory=lambda: defaultdict(int))
    channels: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    rerouted: int = 0

    @property
    def total(self) -> int:
        return sum(self.by_status.values())


def _summarise(rows: Sequence[OutboxMessage]) -> dict[SummaryKey, _Tally]:
    tallies: dict[SummaryKey, _Tally] = defaultdict(_Tally)
    for row in rows:
        day = clock.to_local(row.due_at).date()
        tallies[(row.batch, row.kind, row.template, row.channel, OutboxStatus(row.status), day)].add(row)
    return tallies


async def _purge_chunk(condition: Q, limit: int) -> int:
    async with in_transaction() as conn:
        rows = list(
            await OutboxMessage.filter(condition)
            .order_by("id")
            .limit(limit)
            .select_for_update(skip_locked=True)
            .only(*_FIELDS)
            .using_db(conn)
        )
        if not rows:
            return 0
        for (batch, kind, template, channel, status, day), tally in _summarise(rows).items():
            assert tally.first_at is not None and tally.last_at is not None
            key = {"batch": batch, "kind": kind, "template": template, "channel": channel, "status": status}
            found = await OutboxSummary.filter(**key, day=day).select_for_update().using_db(conn).first()
            if found is None:
                await OutboxSummary.create(
                    **key,
                    day=day,
                    count=tally.count,
                    rerouted=tally.rerouted,
                    first_at=tally.first_at,
                    last_at=tally.last_at,
                    using_db=conn,
                )
                continue
            found.count += tally.count
            found.rerouted += tally.rerouted
            found.first_at = min(found.first_at, tally.first_at)
            found.last_at = max(found.last_at, tally.last_at)
            await found.save(using_db=conn, update_fields=["count", "rerouted", "first_at", "last_at"])
        await OutboxMessage.filter(id__in=[row.id for row in rows]).using_db(conn).delete()
    return len(rows)


async def _purge_where(condition: Q, limit: int) -> int:
    total = 0
    while handled := await _purge_chunk(condition, limit):
        total += handled
    return total


async def purge(now: datetime | None = None, limit: int = CHUNK) -> Purged:
    """Summarise and delete every row past its retention; returns how many of each kind went."""
    settings = get_settings()
    now = now or await clock.shared_now()
    sent_cutoff = now - timedelta(days=settings.outbox_keep_sent_days)
    failed_cutoff = now - timedelta(days=settings.outbox_keep_failed_days)
    delivered = Q(status=OutboxStatus.SENT) & (
        Q(sent_at__lt=sent_cutoff) | Q(sent_at__isnull=True, due_at__lt=sent_cutoff)
    )
    kept_longer = Q(status__in=list(KEPT_LONGER)) & (
        Q(attempted_at__lt=failed_cutoff) | Q(attempted_at__isnull=True, due_at__lt=failed_cutoff)
    )
    return Purged(
        delivered=await _purge_where(delivered, limit),
        kept_longer=await _purge_where(kept_longer, limit),
        sent_days=settings.outbox_keep_sent_days,
        failed_days=settings.outbox_keep_failed_days,
    )


async def batch_summary(batch: str) -> BatchSummary:
    """What the purged rows of one broadcast batch came to."""
    summary = BatchSummary()
    rows = await OutboxSummary.filter(batch=batch).values_list("status", "channel", "count", "rerouted")
    for status, channel, count, rerouted in rows:
        summary.by_status[OutboxStatus(status)] += count
        if status == OutboxStatus.SENT:
            summary.channels[channel] += count
        summary.rerouted += rerouted
    return summary


async def summarised_batches(prefix: str = "") -> dict[str, int]:
    """Batches that have purged rows (starting with `prefix`), with how many."""
    totals: dict[str, int] = defaultdict(int)
    for batch, count in await OutboxSummary.filter(batch__startswith=prefix).values_list("batch", "count"):
        if batch:
            totals[batch] += count
    return dict(totals)

"""The dispatcher's statements on the outbox table: claim, recover, mark in flight, record outcomes.

Every write is one statement for many rows (STACK.md: a per-row autocommit UPDATE costs ~1 ms).
Every write after the claim is guarded by `claimed_by = <this dispatcher>`, so a dispatcher that was
too slow and lost its lease can never send or overwrite a row another dispatcher now owns.

Several processes: on PostgreSQL the claim selects with `FOR UPDATE SKIP LOCKED` inside a
transaction and marks the rows claimed in one UPDATE, so concurrent dispatchers take disjoint rows
without waiting. SQLite has no row locks (tortoise drops SKIP LOCKED there): it is meant for one
process. The guarded UPDATE (`WHERE status = 'pending'`) still keeps two SQLite processes from
sending one row twice, but they would contend for the database lock.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from tortoise.expressions import F
from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from bot.db import is_postgres
from bot.delivery import recipients
from bot.delivery.classes import CLASSES
from bot.delivery.recipients import Recipient
from models import MessageClass, OutboxMessage, OutboxStatus

OPEN_STATES = (OutboxStatus.PENDING, OutboxStatus.CLAIMED, OutboxStatus.SENDING)
_FIELDS = (
    "id",
    "recipient",
    "template",
    "context",
    "kind",
    "batch",
    "urgent",
    "message_class",
    "attempts",
    "due_at",
    "route",
)


@dataclass(slots=True)
class Job:
    """A claimed row, as the dispatcher needs it."""

    id: int
    recipient: Recipient
    template: str
    context: dict[str, Any]
    kind: str
    batch: str
    urgent: bool
    message_class: MessageClass
    attempts: int
    due_at: datetime
    route: list[dict[str, str]] | None = None  # the channels tried before (`bot.delivery.trail`)

    @classmethod
    def from_values(cls, values: dict[str, Any]) -> Job:
        data = dict(values)
        data["recipient"] = recipients.load(data["recipient"])
        data["context"] = data["context"] or {}
        data["message_class"] = MessageClass(data["message_class"])
        return cls(**data)


def _due(
    now: datetime, message_class: MessageClass, limit: int, skip: list[int], platform: str | None
) -> QuerySet[OutboxMessage]:
    """The due rows of one class (and platform), earliest first: a range scan of the index
    (status, platform, message_class, due_at, id), never a sort of every due row."""
    query = OutboxMessage.filter(status=OutboxStatus.PENDING, message_class=message_class, due_at__lte=now)
    if platform is not None:
        query = query.filter(platform=platform)
    if skip:
        query = query.filter(id__not_in=skip)
    return query.order_by("due_at", "id").limit(limit)


def shares(limit: int, classes: Sequence[MessageClass]) -> list[tuple[MessageClass, int]]:
    """In which order the classes fill one claim, each round with the claim's size after it: by
    class, except that a quarter of the claim is kept for bulk, so that a steady stream of personal
    messages cannot keep a broadcast out for ever; what bulk leaves goes back to the others."""
    ordered = sorted(classes)
    if MessageClass.BULK not in ordered or len(ordered) == 1 or limit < 4:
        return [(c, limit) for c in ordered]
    others = [c for c in ordered if c != MessageClass.BULK]
    first = limit - limit // 4
    return [*((c, first) for c in others), (MessageClass.BULK, limit), *((c, limit) for c in others)]


def _id(row: Any) -> int:
    return row["id"] if isinstance(row, dict) else row.id


def _due_order(row: Any) -> tuple[datetime, int]:
    return (row["due_at"], row["id"]) if isinstance(row, dict) else (row.due_at, row.id)


async def _take(
    now: datetime,
    limit: int,
    classes: Sequence[MessageClass],
    platforms: Sequence[str] | None,
    select: Callable[[QuerySet[OutboxMessage]], Any],
) -> list[Any]:
    taken: list[Any] = []
    per_class: dict[MessageClass, list[int]] = {}
    for message_class, ceiling in shares(limit, classes):
        want = ceiling - len(taken)
        if want <= 0:
            continue
        skip = per_class.setdefault(message_class, [])
        rows: list[Any] = []
        for platform in [None] if platforms is None else platforms:
            rows += await select(_due(now, message_class, want, skip, platform))
        if platforms is not None and len(platforms) > 1:
            rows = sorted(rows, key=_due_order)[:want]
        taken += rows
        skip += [_id(row) for row in rows]
    return taken


async def claim(
    owner: str,
    now: datetime,
    limit: int,
    classes: Sequence[MessageClass] = CLASSES,
    platforms: Sequence[str] | None = None,
) -> list[Job]:
    """Take up to `limit` due rows of these classes for `owner`: by class, then earliest due
    (`shares`); only rows planned for `platforms` when given ('' is "not planned yet")."""
    if is_postgres():
        async with in_transaction() as conn:
            # A model query, not .values(): tortoise drops FOR UPDATE SKIP LOCKED from values()
            # queries, and without the row locks two dispatchers would take the same rows.
            locked: list[OutboxMessage] = await _take(
                now,
                limit,
                classes,
                platforms,
                lambda q: q.select_for_update(skip_locked=True).only(*_FIELDS).using_db(conn),
            )
            if not locked:
                return []
            await (
                OutboxMessage.filter(id__in=[row.id for row in locked], status=OutboxStatus.PENDING)
                .using_db(conn)
                .update(status=OutboxStatus.CLAIMED, claimed_by=owner, claimed_at=now)
            )
        return [Job.from_values({name: getattr(row, name) for name in _FIELDS}) for row in locked]
    rows: list[dict[str, Any]] = await _take(now, limit, classes, platforms, lambda q: q.values(*_FIELDS))
    if not rows:
        return []
    ids = [r["id"] for r in rows]
    taken = await OutboxMessage.filter(id__in=ids, status=OutboxStatus.PENDING).update(
        status=OutboxStatus.CLAIMED, claimed_by=owner, claimed_at=now
    )
    if taken != len(ids):  # another process took some of them first
        mine = set(
            await OutboxMessage.filter(
                id__in=ids, status=OutboxStatus.CLAIMED, claimed_by=owner, claimed_at=now
            ).values_list("id", flat=True)
        )
        rows = [r for r in rows if r["id"] in mine]
    return [Job.from_values(r) for r in rows]


async def recover(now: datetime, lease: timedelta) -> tuple[int, int]:
    """Abandoned claims go back to pending; abandoned sends end unknown. Returns both counts."""
    cutoff = now - lease
    requeued = await OutboxMessage.filter(status=OutboxStatus.CLAIMED, claimed_at__lt=cutoff).update(
        status=OutboxStatus.PENDING, claimed_by="", claimed_at=None
    )
    unknown = await OutboxMessage.filter(status=OutboxStatus.SENDING, attempted_at__lt=cutoff).update(
        status=OutboxStatus.UNKNOWN,
        last_error="interrupted while handing over to the platform (may have been delivered)",
    )
    return requeued, unknown


async def mark_sending(owner: str, ids: Sequence[int], channel: str, now: datetime) -> set[int]:
    """Record, before the platform call, that these rows are being handed over. Returns the ids
    still owned (a row whose claim was taken over by another dispatcher must not be sent)."""
    if not ids:
        return set()
    mine = OutboxMessage.filter(id__in=list(ids), status=OutboxStatus.CLAIMED, claimed_by=owner)
    marked = await mine.update(
        status=OutboxStatus.SENDING, channel=channel, attempted_at=now, attempts=F("attempts") + 1
    )
    if marked == len(ids):
        return set(ids)
    return set(
        await OutboxMessage.filter(
            id__in=list(ids), status=OutboxStatus.SENDING, claimed_by=owner, attempted_at=now
        ).values_list("id", flat=True)
    )


async def finish(
    owner: str, ids: Iterable[int], *, from_states: Iterable[OutboxStatus], **fields: Any
) -> int:
    """Write one final (or retry) state for many rows this dispatcher owns, in one statement."""
    id_list = list(ids)
    if not id_list:
        return 0
    return await OutboxMessage.filter(id__in=id_list, claimed_by=owner, status__in=list(from_states)).update(
        **fields
    )


async def release(owner: str, ids: Iterable[int], due_at: datetime, note: str = "") -> int:
    """Give claimed rows back untouched (not attempted), due again at `due_at`."""
    extra = {"last_error": note} if note else {}
    return await finish(
        owner,
        ids,
        from_states=(OutboxStatus.CLAIMED,),
        status=OutboxStatus.PENDING,
        claimed_by="",
        claimed_at=None,
        due_at=due_at,
        **extra,
    )


async def hand_off(owner: str, ids: Iterable[int], platform: str) -> int:
    """Give claimed rows back untouched for the process that sends on `platform` (due as they were)."""
    return await finish(
        owner,
        ids,
        from_states=(OutboxStatus.CLAIMED,),
        status=OutboxStatus.PENDING,
        claimed_by="",
        claimed_at=None,
        platform=platform,
    )


async def release_all(owner: str) -> int:
    """On shutdown: every row still only claimed by this dispatcher goes back to pending."""
    return await OutboxMessage.filter(status=OutboxStatus.CLAIMED, claimed_by=owner).update(
        status=OutboxStatus.PENDING, claimed_by="", claimed_at=None
    )


async def count_attempted(channel: str, since: datetime) -> int:
    """Messages handed to `channel` since `since` (sent, unknown or in flight): the daily cap."""
    return await OutboxMessage.filter(
        channel=channel,
        attempted_at__gte=since,
        status__in=[OutboxStatus.SENT, OutboxStatus.UNKNOWN, OutboxStatus.SENDING],
    ).count()


async def batch_is_open(batch: str) -> bool:
    return await OutboxMessage.filter(batch=batch, status__in=list(OPEN_STATES)).exists()

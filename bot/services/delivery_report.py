"""Delivery reports for staff: how a broadcast batch went (送达), re-queueing its failures (补发),
and telling staff who could not be reached once a batch is done."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from tortoise.functions import Count

from bot import clock, db
from bot.delivery import dispatcher, outbox, recipients
from bot.delivery.recipients import AccountRecipient, GroupRecipient, MemberOnChannel, MemberRecipient
from bot.input_text import fold, is_number
from bot.services import membership
from bot.services.errors import ServiceError
from bot.services.parsing import fits
from models import Member, OutboxMessage, OutboxStatus

PENDING_STATES = (OutboxStatus.PENDING, OutboxStatus.CLAIMED, OutboxStatus.SENDING)
REPORT_KIND = "delivery_report"
NAMES_SHOWN = 50  # names a reply lists before "等 N 人" (templates/common/names.j2)
NOTICE_NAMES = 100  # names the unreachable notice lists (templates/delivery/unreachable_notice.j2)


@dataclass(frozen=True, slots=True)
class Problem:
    """One recipient whose message did not (certainly) arrive, by name, with the reason; `route`
    holds the ways tried (`bot.delivery.trail` steps) when there were several."""

    name: str
    reason: str = ""
    route: tuple[dict[str, str], ...] = ()


@dataclass(slots=True)
class BatchStatus:
    batch: str
    total: int = 0
    sent: int = 0
    pending: int = 0
    failed: list[Problem] = field(default_factory=list)
    unknown: list[Problem] = field(default_factory=list)
    unreachable: list[Problem] = field(default_factory=list)
    channels: list[tuple[str, int]] = field(default_factory=list)  # delivered, per channel
    rerouted: list[Problem] = field(default_factory=list)  # delivered another way than the first
    rerouted_total: int = 0


@dataclass(frozen=True, slots=True)
class Resent:
    batch: str
    requeued: int
    unknown_left: int


def normalise_batch(text: str) -> str:
    batch = fold(text).split(" ")[0].lstrip("#")
    if not batch:
        raise ServiceError("delivery/usage.j2")
    return batch


async def find_batch(text: str) -> str:
    """The batch staff mean: as typed (B12, b12, #B12), or a bare number for broadcast B<number>."""
    typed = normalise_batch(text)
    candidates = [typed, typed.upper()]
    if is_number(typed):
        candidates.append(f"B{typed}")
    for candidate in dict.fromkeys(candidates):
        if fits(OutboxMessage, "batch", candidate) and await OutboxMessage.filter(batch=candidate).exists():
            return candidate
    raise ServiceError("delivery/batch_not_found.j2", batch=typed)


async def _names(raw: list[dict[str, Any]]) -> list[str]:
    """Readable names for serialised recipients, with one query for all members."""
    loaded = [recipients.load(item) for item in raw]
    personal = (MemberRecipient, MemberOnChannel)
    ids = sorted({r.member_id for r in loaded if isinstance(r, personal)})
    names: dict[int, str] = {}
    for chunk in db.chunks(ids):
        names.update(await Member.filter(id__in=chunk).values_list("id", "name"))
    result = []
    for recipient in loaded:
        if isinstance(recipient, personal):
            result.append(names.get(recipient.member_id, f"#{recipient.member_id}"))
        elif isinstance(recipient, GroupRecipient):
            result.append(f"群{recipient.group_id}")
        else:
            assert isinstance(recipient, AccountRecipient)
            result.append(f"{recipient.platform}:{recipient.account_id}")
    return result


async def batch_status(batch: str) -> BatchStatus:
    """Counts per state for one broadcast batch, and who did not get it."""
    counts = await _count_by_status(batch)
    total = sum(counts.values())
    if not total:
        raise ServiceError("delivery/batch_not_found.j2", batch=batch)
    status = BatchStatus(batch=batch, total=total, sent=counts[OutboxStatus.SENT])
    status.pending = sum(counts[s] for s in PENDING_STATES)
    problems = (
        await OutboxMessage.filter(
            batch=batch,
            status__in=[OutboxStatus.FAILED, OutboxStatus.UNKNOWN, OutboxStatus.UNREACHABLE],
        )
        .order_by("id")
        .values_list("status", "recipient", "last_error", "route")
    )
    names = await _names([recipient for _, recipient, _, _ in problems])
    buckets = {
        OutboxStatus.FAILED: status.failed,
        OutboxStatus.UNKNOWN: status.unknown,
        OutboxStatus.UNREACHABLE: status.unreachable,
    }
    for (state, _, error, route), name in zip(problems, names, strict=True):
        buckets[OutboxStatus(state)].append(Problem(name, error, tuple(route or ())))
    await _routes(status)
    return status


async def _routes(status: BatchStatus, shown: int = 20) -> None:
    """Which channels delivered the batch, and who got it another way than the first, and why."""
    delivered = OutboxMessage.filter(batch=status.batch, status=OutboxStatus.SENT)
    status.channels = sorted(
        await delivered.annotate(n=Count("id")).group_by("channel").values_list("channel", "n"),
        key=lambda pair: (-pair[1], pair[0]),
    )
    rerouted = delivered.filter(route__not_isnull=True)
    status.rerouted_total = await rerouted.count()
    rows = await rerouted.order_by("id").limit(shown).values_list("recipient", "route")
    names = await _names([recipient for recipient, _ in rows])
    status.rerouted = [
        Problem(name, route=tuple(route)) for (_, route), name in zip(rows, names, strict=True)
    ]


async def _count_by_status(batch: str) -> Counter[OutboxStatus]:
    states = await OutboxMessage.filter(batch=batch).values_list("status", flat=True)
    return Counter(OutboxStatus(s) for s in states)


async def resend_failed(batch: str) -> Resent:
    """Put the batch's FAILED rows back in the queue, every channel to be tried again from the first.
    Unknown rows stay: they may have arrived."""
    status = await batch_status(batch)
    requeued = await OutboxMessage.filter(batch=batch, status=OutboxStatus.FAILED).update(
        status=OutboxStatus.PENDING,
        due_at=await clock.shared_now(),
        attempts=0,
        claimed_by="",
        claimed_at=None,
        last_error="",
        route=None,
    )
    if requeued:
        dispatcher.wake()
    return Resent(batch=batch, requeued=requeued, unknown_left=len(status.unknown))


async def notify_unreachable(batch: str) -> int:
    """Once a batch is done, tell each staff member privately who could not be reached.
    Returns how many notices were queued (0 when everyone was reachable)."""
    unreachable = OutboxMessage.filter(batch=batch, status=OutboxStatus.UNREACHABLE)
    total = await unreachable.count()
    if not total:
        return 0
    shown = await unreachable.order_by("id").limit(NOTICE_NAMES).values_list("recipient", flat=True)
    names = await _names(list(shown))
    staff = await membership.staff().values_list("id", flat=True)
    messages = [
        outbox.Outgoing(
            key=f"delivery-unreachable:{batch}:{staff_id}",
            recipient=MemberRecipient(staff_id),
            template="delivery/unreachable_notice.j2",
            context={"batch": batch, "names": names, "total": total},
            kind=REPORT_KIND,
        )
        for staff_id in staff
    ]
    return await outbox.enqueue_many(messages)


async def notify_capped(platform: str, reason: str, until: datetime) -> int:
    """A channel's daily cap or monthly budget holds messages back: tell each staff member once per
    channel, reason and period. Returns how many notices were queued."""
    local_until = clock.to_local(until)
    staff = await membership.staff().values_list("id", flat=True)
    messages = [
        outbox.Outgoing(
            key=f"delivery-cap:{platform}:{reason}:{local_until.date().isoformat()}:{staff_id}",
            recipient=MemberRecipient(staff_id),
            template="delivery/cap_notice.j2",
            context={"platform": platform, "reason": reason, "until": until.isoformat()},
            kind=REPORT_KIND,
            urgent=True,
        )
        for staff_id in staff
    ]
    return await outbox.enqueue_many(messages)


@dataclass(frozen=True, slots=True)
class RecipientState:
    """One recipient of a batch and where their message stands."""

    name: str
    status: OutboxStatus
    channel: str
    reason: str


async def recipients_of(batch: str, offset: int = 0, limit: int = 200) -> list[RecipientState]:
    """Every recipient of a batch with its state (sent / pending / failed / unknown / unreachable)."""
    rows = (
        await OutboxMessage.filter(batch=batch)
        .order_by("id")
        .offset(offset)
        .limit(limit)
        .values_list("recipient", "status", "channel", "last_error")
    )
    names = await _names([recipient for recipient, _, _, _ in rows])
    return [
        RecipientState(name, OutboxStatus(status), channel or "", error or "")
        for (_, status, channel, error), name in zip(rows, names, strict=True)
    ]


async def recent_batches(limit: int = 20) -> list[tuple[str, int]]:
    """The latest broadcast batches (B<n>) with their number of messages, newest first."""
    from tortoise.functions import Count

    rows = (
        await OutboxMessage.filter(batch__startswith="B")
        .annotate(n=Count("id"))
        .group_by("batch")
        .values_list("batch", "n")
    )
    numbered = [(batch, n) for batch, n in rows if is_number(batch[1:])]
    return sorted(numbered, key=lambda item: -int(item[0][1:]))[:limit]

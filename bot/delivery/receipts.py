"""Receipts that come back after a channel accepted a message (WeChat's TEMPLATESENDJOBFINISH, an SMS
provider's status report): a failed one continues the message's route or fails it with the reason.

The row's route (`bot.delivery.trail`) gains a "receipt" step. A member who is bound on a channel
that has not refused this message yet gets it there (the row goes back to pending, due now, and
routing skips the refused channels); otherwise the row fails, and 送达 shows why.
"""

from __future__ import annotations

from loguru import logger

from bot import clock
from bot.config import get_settings
from bot.delivery import channels, recipients, routing, trail
from bot.delivery.recipients import MemberRecipient
from models import OutboxMessage, OutboxStatus

# A receipt may overtake the lane's own record of the send (sending), or follow a timeout (unknown).
ACCEPTED = (OutboxStatus.SENT, OutboxStatus.SENDING, OutboxStatus.UNKNOWN)


async def _other_channels(recipient: object, refused: set[str]) -> list[str]:
    if not isinstance(recipient, MemberRecipient):
        return []
    bound = set((await routing.bound_accounts([recipient.member_id])).get(recipient.member_id, {}))
    registered = channels.registered()
    return [p for p in get_settings().delivery_order if p in bound and p in registered and p not in refused]


async def undelivered(outbox_id: int, platform: str, via: str, status: str) -> OutboxStatus | None:
    """`platform` accepted row `outbox_id` (by `via`), and its receipt says `status`: not delivered.

    Returns the row's new state, or None when the receipt changes nothing (no such row, or the
    message has moved on since)."""
    for _ in range(3):  # the row may change under us (a lane recording the send): read it again
        row = await OutboxMessage.filter(id=outbox_id).first()
        if row is None or row.status not in ACCEPTED or (row.channel and row.channel != platform):
            return None
        steps = [*(row.route or []), trail.receipt_step(platform, via, status)]
        others = await _other_channels(recipients.load(row.recipient), trail.refused_platforms(steps))
        reason = trail.reasons(steps)[:255]
        fields: dict[str, object] = {"route": steps, "last_error": reason, "sent_at": None}
        new_status = OutboxStatus.PENDING if others else OutboxStatus.FAILED
        if others:
            fields.update(due_at=await clock.shared_now(), claimed_by="", claimed_at=None)
        if await OutboxMessage.filter(id=row.id, status=row.status).update(status=new_status, **fields):
            logger.info("outbox row {}: {} receipt {!r} → {}", row.id, platform, status, new_status)
            if others:
                from bot.delivery.dispatcher import wake

                wake()
            return new_status
    return None

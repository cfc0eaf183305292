"""Enqueue: turn "tell this person" into an outbox row, inside the caller's transaction."""

from __future__ import annotations

from typing import Any

from tortoise.exceptions import IntegrityError

from bot import clock
from bot.delivery import recipients
from bot.delivery.recipients import Recipient
from models import OutboxMessage


async def enqueue(
    *,
    key: str,
    recipient: Recipient,
    template: str,
    context: dict[str, Any] | None = None,
    kind: str = "",
    batch: str = "",
    due_at: Any = None,
) -> bool:
    """Add one message unless a row with the same dedupe key exists. Returns whether it was added."""
    if await OutboxMessage.filter(dedupe_key=key).exists():
        return False
    try:
        await OutboxMessage.create(
            dedupe_key=key,
            kind=kind,
            batch=batch,
            recipient=recipients.dump(recipient),
            template=template,
            context=context or {},
            due_at=due_at or clock.now(),
        )
    except IntegrityError:
        return False
    return True

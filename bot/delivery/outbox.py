"""Enqueue: turn "tell this person" into outbox rows, inside the caller's transaction."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from tortoise.exceptions import IntegrityError

from bot import clock
from bot.delivery import recipients
from bot.delivery.recipients import Recipient
from models import OutboxMessage


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One message to enqueue: who, which template with which (JSON) context, and its dedupe key."""

    key: str
    recipient: Recipient
    template: str
    context: dict[str, Any] = field(default_factory=dict)
    kind: str = ""
    batch: str = ""
    due_at: datetime | None = None
    urgent: bool = False


def _row(message: Outgoing, now: datetime) -> OutboxMessage:
    return OutboxMessage(
        dedupe_key=message.key,
        kind=message.kind,
        batch=message.batch,
        recipient=recipients.dump(message.recipient),
        template=message.template,
        context=message.context,
        due_at=message.due_at or now,
        urgent=message.urgent,
    )


async def enqueue(
    *,
    key: str,
    recipient: Recipient,
    template: str,
    context: dict[str, Any] | None = None,
    kind: str = "",
    batch: str = "",
    due_at: datetime | None = None,
    urgent: bool = False,
) -> bool:
    """Add one message unless a row with the same dedupe key exists. Returns whether it was added."""
    if await OutboxMessage.filter(dedupe_key=key).exists():
        return False
    message = Outgoing(key, recipient, template, context or {}, kind, batch, due_at, urgent)
    try:
        await _row(message, clock.now()).save()
    except IntegrityError:
        return False
    return True


async def enqueue_many(messages: list[Outgoing], batch_size: int = 500) -> int:
    """Add many messages at once, skipping keys that already exist. Returns how many were added."""
    if not messages:
        return 0
    now = clock.now()
    existing: set[str] = set()
    keys = [m.key for m in messages]
    for start in range(0, len(keys), batch_size):
        chunk = keys[start : start + batch_size]
        existing.update(await OutboxMessage.filter(dedupe_key__in=chunk).values_list("dedupe_key", flat=True))
    seen: set[str] = set()
    fresh: list[OutboxMessage] = []
    for message in messages:
        if message.key in existing or message.key in seen:
            continue
        seen.add(message.key)
        fresh.append(_row(message, now))
    await OutboxMessage.bulk_create(fresh, batch_size=batch_size)
    return len(fresh)

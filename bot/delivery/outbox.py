"""Enqueue: turn "tell this person" into outbox rows, inside the caller's transaction."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from tortoise import fields
from tortoise.exceptions import IntegrityError

from bot import clock
from bot.db import after_commit
from bot.delivery import recipients
from bot.delivery.classes import classify
from bot.delivery.recipients import Recipient
from models import MessageClass, OutboxMessage, OutboxStatus


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
    message_class: MessageClass | None = None  # None: from `kind` and `batch` (`classes.classify`)

    @property
    def served_as(self) -> MessageClass:
        if self.message_class is not None:
            return self.message_class
        return classify(self.kind, self.batch, self.urgent)


def _row(message: Outgoing, now: datetime, platform: str) -> OutboxMessage:
    return OutboxMessage(
        platform=platform,
        dedupe_key=message.key,
        kind=message.kind,
        batch=message.batch,
        recipient=recipients.dump(message.recipient),
        template=message.template,
        context=message.context,
        due_at=message.due_at or now,
        urgent=message.urgent,
        message_class=message.served_as,
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
    message_class: MessageClass | None = None,
) -> bool:
    """Add one message unless a row with the same dedupe key exists. Returns whether it was added."""
    if await OutboxMessage.filter(dedupe_key=key).exists():
        return False
    message = Outgoing(key, recipient, template, context or {}, kind, batch, due_at, urgent, message_class)
    try:
        [platform] = await planned_platforms([recipient])
        await _row(message, await clock.shared_now(), platform).save()
    except IntegrityError:
        return False
    _wake_dispatcher()
    return True


async def planned_platforms(recipients: list[Recipient]) -> list[str]:
    # imported here: routing reaches the channel registry (and NoneBot), which enqueueing needs not
    from bot.delivery.routing import planned_platforms as plan

    return await plan(recipients)


def _wake_dispatcher() -> None:
    """New rows: let a running dispatcher look now, or, inside a transaction, once it has committed
    (woken before, it would find nothing and sleep until its next tick). A rollback wakes nobody."""
    from bot.delivery.dispatcher import wake

    after_commit(wake)


async def enqueue_many(messages: list[Outgoing], batch_size: int = 500) -> int:
    """Add many messages at once, skipping keys that already exist. Returns how many were added.

    Rows go in with one multi-row INSERT per `batch_size` through tortoise's own prepared insert
    statement, without building a model object per row (10,000 rows well under a second)."""
    if not messages:
        return 0
    now = await clock.shared_now()
    existing: set[str] = set()
    keys = [m.key for m in messages]
    for start in range(0, len(keys), batch_size):
        chunk = keys[start : start + batch_size]
        existing.update(await OutboxMessage.filter(dedupe_key__in=chunk).values_list("dedupe_key", flat=True))
    seen: set[str] = set()
    fresh: list[Outgoing] = []
    for message in messages:
        if message.key in existing or message.key in seen:
            continue
        seen.add(message.key)
        fresh.append(message)
    if not fresh:
        return 0
    db = OutboxMessage._meta.db
    executor = db.executor_class(model=OutboxMessage, db=db)
    rows = _InsertRows(executor.regular_columns, now)
    for start in range(0, len(fresh), batch_size):
        part = fresh[start : start + batch_size]
        planned = await planned_platforms([m.recipient for m in part])
        await db.execute_many(
            executor.insert_query, [rows.values(m, p) for m, p in zip(part, planned, strict=True)]
        )
    _wake_dispatcher()
    return len(fresh)


class _InsertRows:
    """Column values for the model's INSERT, converted by each field; repeated values converted once."""

    def __init__(self, columns: list[str], now: datetime) -> None:
        self.columns = columns
        self.fields = OutboxMessage._meta.fields_map
        self.now = now
        self._cache: dict[tuple[str, object], object] = {}
        # Text columns need no conversion; everything else goes through its field once per value.
        self.plain = {c for c in columns if type(self.fields[c]) is fields.CharField}

    def _convert(self, column: str, value: Any) -> object:
        key = (column, id(value) if isinstance(value, dict | list) else value)
        try:
            return self._cache[key]
        except KeyError:
            converted = self.fields[column].to_db_value(value, None)  # type: ignore[arg-type]
            if len(self._cache) < 10_000:
                self._cache[key] = converted
            return converted
        except TypeError:  # unhashable
            return self.fields[column].to_db_value(value, None)  # type: ignore[arg-type]

    def values(self, message: Outgoing, platform: str) -> list[object]:
        data: dict[str, Any] = {
            "platform": platform,
            "dedupe_key": message.key,
            "kind": message.kind,
            "batch": message.batch,
            "recipient": json.dumps(recipients.dump(message.recipient), ensure_ascii=False),
            "template": message.template,
            "context": message.context,
            "urgent": message.urgent,
            "message_class": message.served_as,
            "status": OutboxStatus.PENDING,
            "attempts": 0,
            "due_at": message.due_at or self.now,
            "claimed_at": None,
            "claimed_by": "",
            "attempted_at": None,
            "channel": "",
            "last_error": "",
            "route": None,
            "sent_at": None,
            "created_at": self.now,
        }
        plain = self.plain
        return [
            data[column]
            if column == "recipient" or (column in plain and type(data[column]) is str)
            else self._convert(column, data[column])
            for column in self.columns
        ]

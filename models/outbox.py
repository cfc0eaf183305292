"""The outbox: one row per message the bot sends on its own initiative, per recipient.

Life of a row: pending -> claimed (a dispatcher took it, nothing attempted yet) -> sending (recorded
just before the platform call) -> sent / failed / unknown / unreachable, or back to pending for a
retry. A claimed row whose lease expired is safe to claim again; a sending row whose lease expired
may have reached the platform and ends unknown, never resent blindly.
"""

from __future__ import annotations

from enum import IntEnum, StrEnum
from typing import Any

from tortoise import fields
from tortoise.models import Model


class OutboxStatus(StrEnum):
    PENDING = "pending"
    CLAIMED = "claimed"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    UNKNOWN = "unknown"
    UNREACHABLE = "unreachable"


class MessageClass(IntEnum):
    """What a message is to its reader, which decides its turn in a lane (lower goes first)."""

    PERSONAL = 0  # a reply or a decision to one person (a leave decision, an answer on WeChat)
    REMINDER = 1  # a scheduled notice or reminder (activities, birthdays, the weekly briefing)
    BULK = 2  # one message of a broadcast to many


class OutboxMessage(Model):
    id = fields.IntField(primary_key=True)
    dedupe_key = fields.CharField(max_length=191, unique=True)
    kind = fields.CharField(max_length=32, default="", db_index=True)
    batch = fields.CharField(max_length=64, default="", db_index=True, description="broadcast number")
    recipient: dict[str, Any] = fields.JSONField(description="a serialised Recipient value object")
    template = fields.CharField(max_length=128)
    context: dict[str, Any] = fields.JSONField(default=dict)
    urgent = fields.BooleanField(default=False, description="may be sent during quiet hours")
    message_class = fields.IntEnumField(
        MessageClass,
        default=MessageClass.REMINDER,
        db_default=int(MessageClass.REMINDER),  # rows already there, and rows written in plain SQL
        description="0 personal, 1 reminder, 2 bulk: served in this order",
    )
    platform = fields.CharField(
        max_length=16,
        default="",
        db_default="",
        description="where it is to go: the recipient's platform, a member's first bound one ('' unknown)",
    )
    status = fields.CharEnumField(OutboxStatus, max_length=12, default=OutboxStatus.PENDING)
    attempts = fields.IntField(default=0)
    due_at = fields.DatetimeField(db_index=True)
    claimed_at = fields.DatetimeField(null=True)
    claimed_by = fields.CharField(max_length=64, default="", description="dispatcher instance holding it")
    attempted_at = fields.DatetimeField(null=True, description="last hand-over to a platform began")
    channel = fields.CharField(max_length=16, default="", description="platform it went out on")
    last_error = fields.CharField(max_length=255, default="")
    route: list[dict[str, str]] | None = fields.JSONField(
        null=True, description="each channel and way tried, with its outcome (when more than one, or refused)"
    )
    sent_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "outbox"
        # The claim reads the due rows of one platform and class in due order: (status, platform,
        # message_class, due_at, id) is exactly its range scan, so a claim costs the same at 100 or
        # 100,000 pending rows, and a process never reads the rows of platforms it does not send on.
        indexes = (
            ("status", "due_at"),
            ("channel", "attempted_at"),
            ("status", "platform", "message_class", "due_at", "id"),
        )

"""Shared helpers for notice and scheduler tests: settings overrides, outbox reading, QQ events."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bot import config
from bot.delivery import recipients
from bot.render import render
from models import OutboxMessage
from tests.qq_events import group_event, private_event, reply

__all__ = ["group_event", "private_event", "reply"]


def configure(monkeypatch: pytest.MonkeyPatch, **values: Any) -> config.Settings:
    """Override settings the way an operator would: environment variables."""
    for name, value in values.items():
        text = json.dumps(value) if isinstance(value, list | dict) else str(value)
        monkeypatch.setenv(name.upper(), text)
    config.reset_settings_cache()
    return config.get_settings()


async def keys(prefix: str = "") -> set[str]:
    rows = await OutboxMessage.filter(dedupe_key__startswith=prefix).values_list("dedupe_key", flat=True)
    return set(rows)  # type: ignore[arg-type]


async def row(key: str) -> OutboxMessage:
    return await OutboxMessage.get(dedupe_key=key)


def text_of(message: OutboxMessage) -> str:
    """What the person will read: the row rendered as the dispatcher renders it."""
    return render(message.template, **message.context)


def recipient_of(message: OutboxMessage) -> recipients.Recipient:
    return recipients.load(message.recipient)

"""Shared helpers for notice and scheduler tests: settings overrides, outbox reading, QQ events."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import pytest
from nonebot.adapters.onebot.v11 import GroupMessageEvent, Message, MessageSegment, PrivateMessageEvent
from nonebot.adapters.onebot.v11.event import Sender as QQSender

from bot import config
from bot.delivery import recipients
from bot.render import render
from models import OutboxMessage


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


_message_ids = iter(range(1, 10**9))


def private_event(qq: str, text: str) -> PrivateMessageEvent:
    return PrivateMessageEvent(
        time=int(datetime.now().timestamp()),
        self_id=100,
        post_type="message",
        sub_type="friend",
        user_id=int(qq),
        message_type="private",
        message_id=next(_message_ids),
        message=Message(text),
        original_message=Message(text),
        raw_message=text,
        font=0,
        sender=QQSender(user_id=int(qq), nickname="tester"),
        to_me=True,
    )


def group_event(qq: str, text: str, group_id: str = "7001") -> GroupMessageEvent:
    return GroupMessageEvent(
        time=int(datetime.now().timestamp()),
        self_id=100,
        post_type="message",
        sub_type="normal",
        user_id=int(qq),
        message_type="group",
        message_id=next(_message_ids),
        message=Message(text),
        original_message=Message(text),
        raw_message=text,
        font=0,
        sender=QQSender(user_id=int(qq), nickname="tester"),
        to_me=False,
        group_id=int(group_id),
    )


def reply(text: str) -> Message:
    return Message(MessageSegment.text(text))

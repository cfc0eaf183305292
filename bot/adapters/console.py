"""The NoneBot console adapter: the local demo's single user, in a private chat."""

from __future__ import annotations

from nonebot.adapters import Event
from nonebot.adapters.console import Event as ConsoleEvent
from nonebot.adapters.console import Message, MessageEvent, MessageSegment

from bot.adapters import AdapterBinding
from bot.sender import Sender


def sender_of(event: Event) -> Sender | None:
    if isinstance(event, MessageEvent):
        return Sender("console", event.get_user_id())
    return None


def plain(text: str) -> Message:
    return Message(MessageSegment.text(text))


BINDING = AdapterBinding(platform="console", event_type=ConsoleEvent, sender_of=sender_of, plain=plain)

"""NoneBot adapter for a 企业微信 / 政务微信 self-built app (自建应用): the callback (wechatpy's WeCom
crypto, the checks and the 5-second rule shared with the Official Account in `bot.adapters.webhook`)
and an async client of the app's message API and of group robots (`api`)."""

from __future__ import annotations

from nonebot.adapters import Event

from bot.adapters import AdapterBinding
from bot.adapters.webhook.message import Message, MessageSegment
from bot.adapters.wecom.adapter import ADAPTER_NAME, Adapter
from bot.adapters.wecom.bot import Bot
from bot.adapters.wecom.event import WecomEvent, WecomMessageEvent
from bot.sender import Sender

PLATFORM = "wecom"


def sender_of(event: Event) -> Sender | None:
    """Every conversation with the app is private: the member's UserID."""
    if isinstance(event, WecomEvent):
        return Sender(PLATFORM, event.from_user)
    return None


def plain(text: str) -> Message:
    return Message(MessageSegment.text(text))


BINDING = AdapterBinding(platform=PLATFORM, event_type=WecomEvent, sender_of=sender_of, plain=plain)

__all__ = [
    "ADAPTER_NAME",
    "BINDING",
    "PLATFORM",
    "Adapter",
    "Bot",
    "Message",
    "MessageSegment",
    "WecomEvent",
    "WecomMessageEvent",
    "plain",
    "sender_of",
]

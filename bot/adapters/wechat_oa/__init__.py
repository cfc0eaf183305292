"""NoneBot adapter for the WeChat Official Account (服务号), on wechatpy for signatures, crypto,
XML parsing and replies, with an async API client of its own."""

from __future__ import annotations

from nonebot.adapters import Event

from bot.adapters import AdapterBinding
from bot.adapters.webhook.message import Message, MessageSegment
from bot.adapters.wechat_oa.adapter import ADAPTER_NAME, Adapter
from bot.adapters.wechat_oa.bot import Bot
from bot.adapters.wechat_oa.event import (
    FollowEvent,
    MessageEvent,
    ScanSceneEvent,
    TemplateReceiptEvent,
    UnfollowEvent,
    WechatEvent,
)
from bot.sender import Sender

PLATFORM = "wechat"


def sender_of(event: Event) -> Sender | None:
    """Every Official Account conversation is private: the follower's openid."""
    if isinstance(event, WechatEvent):
        return Sender(PLATFORM, event.from_user)
    return None


def plain(text: str) -> Message:
    return Message(MessageSegment.text(text))


BINDING = AdapterBinding(platform=PLATFORM, event_type=WechatEvent, sender_of=sender_of, plain=plain)

__all__ = [
    "ADAPTER_NAME",
    "BINDING",
    "Adapter",
    "Bot",
    "FollowEvent",
    "Message",
    "MessageEvent",
    "MessageSegment",
    "ScanSceneEvent",
    "TemplateReceiptEvent",
    "UnfollowEvent",
    "WechatEvent",
    "plain",
    "sender_of",
]

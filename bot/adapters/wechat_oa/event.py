"""NoneBot events for the Official Account, built from wechatpy's parsed messages.

Every event carries the openid of the member (`from_user`) and the key used to drop WeChat's
retries (`dedupe_key`). A menu click whose key is `cmd:<text>` becomes a message event with that
text, so every command plugin handles it unchanged.
"""

from __future__ import annotations

from typing import Any

from typing_extensions import override
from wechatpy import messages as wx_messages
from wechatpy.events import (
    ClickEvent,
    ScanEvent,
    SubscribeEvent,
    SubscribeScanEvent,
    TemplateSendJobFinishEvent,
    UnsubscribeEvent,
)

from bot.adapters.webhook.event import (
    CLICK_COMMAND_PREFIX,
    MEDIA_TYPES,
    CallbackEvent,
    CallbackMessageEvent,
)


class WechatEvent(CallbackEvent):
    """Every Official Account event."""


class MessageEvent(CallbackMessageEvent, WechatEvent):
    """A text (or voice with recognition) message, or a menu click turned into its command text."""


class NoticeEvent(WechatEvent):
    @override
    def get_type(self) -> str:
        return "notice"


class FollowEvent(NoticeEvent):
    """subscribe; `scene` is set when the follow came from scanning a parametric QR code."""

    scene: str = ""

    @override
    def get_event_name(self) -> str:
        return "notice.subscribe"


class UnfollowEvent(NoticeEvent):
    @override
    def get_event_name(self) -> str:
        return "notice.unsubscribe"


class ScanSceneEvent(NoticeEvent):
    """A follower scanned a parametric QR code (SCAN)."""

    scene: str

    @override
    def get_event_name(self) -> str:
        return "notice.scan"


class TemplateReceiptEvent(NoticeEvent):
    """TEMPLATESENDJOBFINISH: the delivery receipt of a template message."""

    msg_id: str
    status: str

    @override
    def get_event_name(self) -> str:
        return "notice.template_receipt"


def _base(msg: Any, key: str) -> dict[str, Any]:
    return {
        "to_user": msg.target or "",
        "from_user": msg.source or "",
        "create_time": int(msg.time or 0),
        "dedupe_key": key,
    }


def _msg_id(msg: Any) -> str:
    return str(msg.id) if msg.id else ""  # wechatpy reads a missing MsgId as 0


def convert(msg: Any, key: str) -> WechatEvent | None:
    """wechatpy message → our event, keyed `key` (see `bot.adapters.webhook.keys`); None for kinds
    the product does not handle (answered 'success')."""
    base = _base(msg, key)
    if not base["from_user"]:
        return None
    if isinstance(msg, wx_messages.TextMessage):
        return MessageEvent(**base, text=msg.content or "", msg_id=_msg_id(msg))
    if isinstance(msg, wx_messages.VoiceMessage) and getattr(msg, "recognition", None):
        return MessageEvent(**base, text=msg.recognition, msg_id=_msg_id(msg), source="voice")
    if isinstance(msg, wx_messages.BaseMessage) and msg.type in MEDIA_TYPES:
        return MessageEvent(**base, text="", msg_id=_msg_id(msg), source=msg.type)
    if isinstance(msg, SubscribeScanEvent):
        return FollowEvent(**base, scene=msg.scene_id or "")
    if isinstance(msg, SubscribeEvent):
        return FollowEvent(**base)
    if isinstance(msg, UnsubscribeEvent):
        return UnfollowEvent(**base)
    if isinstance(msg, ScanEvent):
        return ScanSceneEvent(**base, scene=msg.scene_id or "")
    if isinstance(msg, ClickEvent):
        command = (msg.key or "").removeprefix(CLICK_COMMAND_PREFIX).strip()
        if (msg.key or "").startswith(CLICK_COMMAND_PREFIX) and command:
            return MessageEvent(**base, text=command, source="click")
        return None
    if isinstance(msg, TemplateSendJobFinishEvent):
        return TemplateReceiptEvent(**base, msg_id=_msg_id(msg), status=msg.status or "")
    return None

"""NoneBot events for the 企业微信 / 政务微信 app, built from wechatpy's parsed WeCom messages.

Every event carries the member's UserID (`from_user`), the app's AgentID and the key used to drop
the platform's retries (`dedupe_key`). Conversations with an app are always one-to-one. A menu click
whose key is `cmd:<text>` becomes a message event with that text, so every command works unchanged.
"""

from __future__ import annotations

from typing import Any

from wechatpy import messages as wx_messages
from wechatpy.enterprise.events import EVENT_TYPES, ClickEvent
from wechatpy.enterprise.messages import MESSAGE_TYPES
from wechatpy.messages import UnknownMessage

from bot.adapters.webhook.event import (
    CLICK_COMMAND_PREFIX,
    MEDIA_TYPES,
    CallbackEvent,
    CallbackMessageEvent,
)


class WecomEvent(CallbackEvent):
    """Every event of the app; `to_user` is the CorpID, `from_user` the member's UserID."""

    agent_id: int


class WecomMessageEvent(CallbackMessageEvent, WecomEvent):
    """A text message, a media message (no text), or a menu click turned into its command text."""


def parse(root: dict[str, Any]) -> Any:
    """wechatpy's WeCom `parse_message`, on an already parsed (and checked) document."""
    message_type = str(root.get("MsgType", "")).lower()
    if message_type == "event":
        return EVENT_TYPES.get(str(root.get("Event", "")).lower(), UnknownMessage)(root)
    return MESSAGE_TYPES.get(message_type, UnknownMessage)(root)


def convert(msg: Any, key: str) -> WecomMessageEvent | None:
    """wechatpy message → our event, keyed `key`; None for kinds the product does not handle
    (entering the app, location reports, …), which are answered with an empty reply."""
    base = {
        "to_user": msg.target or "",
        "from_user": msg.source or "",
        "agent_id": int(getattr(msg, "agent", 0) or 0),
        "create_time": int(msg.time or 0),
        "dedupe_key": key,
    }
    if not base["from_user"]:
        return None
    msg_id = str(msg.id) if getattr(msg, "id", None) else ""
    if isinstance(msg, wx_messages.TextMessage):
        return WecomMessageEvent(**base, text=msg.content or "", msg_id=msg_id)
    if isinstance(msg, wx_messages.BaseMessage) and msg.type in MEDIA_TYPES:
        return WecomMessageEvent(**base, text="", msg_id=msg_id, source=msg.type)
    if isinstance(msg, ClickEvent):
        command = (msg.key or "").removeprefix(CLICK_COMMAND_PREFIX).strip()
        if (msg.key or "").startswith(CLICK_COMMAND_PREFIX) and command:
            return WecomMessageEvent(**base, text=command, source="click")
    return None

"""NoneBot events for the 企业微信 / 政务微信 app, built from wechatpy's parsed WeCom messages.

Every event carries the member's UserID (`from_user`), the app's AgentID and the key used to drop
the platform's retries (`dedupe_key`). Conversations with an app are always one-to-one. A menu click
whose key is `cmd:<text>` becomes a message event with that text, so every command works unchanged.
"""

from __future__ import annotations

from typing import Any

from nonebot.adapters import Event as BaseEvent
from pydantic import PrivateAttr
from typing_extensions import override
from wechatpy import messages as wx_messages
from wechatpy.enterprise.events import EVENT_TYPES, ClickEvent
from wechatpy.enterprise.messages import MESSAGE_TYPES
from wechatpy.messages import UnknownMessage

from bot.adapters.webhook.message import Message

CLICK_COMMAND_PREFIX = "cmd:"
MEDIA_TYPES = frozenset({"image", "voice", "video", "shortvideo", "location", "link"})


class WecomEvent(BaseEvent):
    to_user: str  # the CorpID
    from_user: str  # the member's UserID
    agent_id: int
    create_time: int
    dedupe_key: str

    @override
    def get_event_name(self) -> str:
        return self.get_type()

    @override
    def get_event_description(self) -> str:
        return f"{self.get_event_name()} from {self.from_user}"

    @override
    def get_message(self) -> Message:
        raise ValueError("event has no message")

    @override
    def get_user_id(self) -> str:
        return self.from_user

    @override
    def get_session_id(self) -> str:
        return self.from_user

    @override
    def is_tome(self) -> bool:
        return True


class WecomMessageEvent(WecomEvent):
    """A text message, a media message (no text), or a menu click turned into its command text."""

    text: str
    msg_id: str = ""
    source: str = "text"
    _message: Message | None = PrivateAttr(None)

    @override
    def get_type(self) -> str:
        return "message"

    @override
    def get_event_name(self) -> str:
        return f"message.{self.source}"

    @override
    def get_message(self) -> Message:
        if self._message is None:
            self._message = Message(self.text)
        return self._message

    @override
    def get_plaintext(self) -> str:
        return self.text


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

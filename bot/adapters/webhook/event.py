"""Events every WeChat-family callback adapter produces: who wrote (`from_user`), to whom
(`to_user`), when, and the key that drops the platform's retries (`dedupe_key`); a message event adds
its text. Each adapter subclasses these with its own base class, so that an event is always known by
the adapter that made it (`bot.adapters.binding_for`)."""

from __future__ import annotations

from nonebot.adapters import Event as BaseEvent
from pydantic import PrivateAttr
from typing_extensions import override

from bot.adapters.webhook.message import Message

CLICK_COMMAND_PREFIX = "cmd:"  # a menu button whose key is `cmd:<command>` runs that command
MEDIA_TYPES = frozenset({"image", "voice", "video", "shortvideo", "location", "link"})  # no text


class CallbackEvent(BaseEvent):
    to_user: str
    from_user: str
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


class CallbackMessageEvent(CallbackEvent):
    """A text message (or a recognised voice), a media message without text, or a menu click turned
    into its command text (`source` says which)."""

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

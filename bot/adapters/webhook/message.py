"""Messages on the WeChat-family channels are plain text (the only kind this product sends there)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from nonebot.adapters import Message as BaseMessage
from nonebot.adapters import MessageSegment as BaseMessageSegment
from typing_extensions import override


class MessageSegment(BaseMessageSegment["Message"]):
    @classmethod
    @override
    def get_message_class(cls) -> type[Message]:
        return Message

    @override
    def __str__(self) -> str:
        return str(self.data.get("text", "")) if self.type == "text" else ""

    @override
    def is_text(self) -> bool:
        return self.type == "text"

    @staticmethod
    def text(text: str) -> MessageSegment:
        return MessageSegment("text", {"text": text})


class Message(BaseMessage[MessageSegment]):
    @classmethod
    @override
    def get_segment_class(cls) -> type[MessageSegment]:
        return MessageSegment

    @staticmethod
    @override
    def _construct(msg: str) -> Iterable[MessageSegment]:
        yield MessageSegment.text(msg)


def to_text(message: Any) -> str:
    """Whatever a handler sends (str, segment, message) as the text WeChat shows."""
    if isinstance(message, str):
        return message
    if isinstance(message, BaseMessageSegment):
        return str(message) if message.is_text() else ""
    if isinstance(message, BaseMessage):
        return "".join(str(seg) for seg in message if seg.is_text())
    return str(message)


def split_text(text: str, limit: int) -> list[str]:
    """Cut `text` into pieces of at most `limit` UTF-8 bytes, at line ends where possible."""
    pieces: list[str] = []
    current = ""
    for line in text.splitlines(keepends=True):
        while len(line.encode()) > limit:  # one overlong line: cut by characters
            head = line
            while len(head.encode()) > limit:
                head = head[: max(1, len(head) * limit // len(head.encode()))]
            if current:
                pieces.append(current)
                current = ""
            pieces.append(head)
            line = line[len(head) :]
        if len((current + line).encode()) > limit:
            pieces.append(current)
            current = ""
        current += line
    if current or not pieces:
        pieces.append(current)
    return [piece.strip("\n") for piece in pieces if piece.strip()] or [text]

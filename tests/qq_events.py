"""OneBot V11 message events as QQ would send them, for tests through NoneBot (nonebug)."""

from __future__ import annotations

import itertools
import time

from nonebot.adapters.onebot.v11 import GroupMessageEvent, Message, MessageSegment, PrivateMessageEvent
from nonebot.adapters.onebot.v11.event import Sender

_message_ids = itertools.count(1)


def _common(qq: str | int, text: str) -> dict[str, object]:
    return {
        "time": int(time.time()),
        "self_id": 10000,
        "post_type": "message",
        "user_id": int(qq),
        "message_id": next(_message_ids),
        "message": Message(text),
        "original_message": Message(text),
        "raw_message": text,
        "font": 0,
        "sender": Sender(user_id=int(qq), nickname="tester"),
    }


def private_event(qq: str | int, text: str) -> PrivateMessageEvent:
    return PrivateMessageEvent(**_common(qq, text), message_type="private", sub_type="friend", to_me=True)


def group_event(qq: str | int, text: str, group_id: str | int = 7001) -> GroupMessageEvent:
    return GroupMessageEvent(
        **_common(qq, text), message_type="group", sub_type="normal", group_id=int(group_id), to_me=False
    )


def reply(text: str) -> Message:
    """What the bot sends: the text as one literal text segment."""
    return Message(MessageSegment.text(text))

"""OneBot V11 message events as QQ would send them, and an exchange helper, for tests through NoneBot
(nonebug)."""

from __future__ import annotations

import itertools
import time

from nonebot.adapters.onebot.v11 import Bot, GroupMessageEvent, Message, MessageSegment, PrivateMessageEvent
from nonebot.adapters.onebot.v11.event import Sender
from nonebug import App

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


class ReplyWith:
    """Stands for a reply in `should_call_send`: any text containing every fragment (and none of
    `absent`), for replies whose numbers or times a test cannot know in advance."""

    def __init__(self, *fragments: str, absent: tuple[str, ...] = ()) -> None:
        self.fragments = fragments
        self.absent = absent

    def __eq__(self, other: object) -> bool:
        text = other.extract_plain_text() if isinstance(other, Message) else str(other)
        return all(f in text for f in self.fragments) and not any(a in text for a in self.absent)

    def __ne__(self, other: object) -> bool:
        return not self == other

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"ReplyWith({', '.join(map(repr, self.fragments))}, absent={self.absent!r})"


Expected = str | ReplyWith | None


async def exchange(app: App, *steps: tuple[PrivateMessageEvent | GroupMessageEvent, Expected]) -> None:
    """Feed events through NoneBot one by one; each expects its reply (an exact text, a `ReplyWith`),
    or None: the bot stays silent."""
    for event, expected in steps:
        async with app.test_matcher() as ctx:
            bot = ctx.create_bot(base=Bot)
            ctx.receive_event(bot, event)
            if expected is None:
                ctx.should_not_pass_rule()
            else:
                message = reply(expected) if isinstance(expected, str) else expected
                ctx.should_call_send(event, message, result={"message_id": 1})

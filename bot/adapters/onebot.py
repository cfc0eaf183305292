"""OneBot V11 (QQ): senders from message events; replies always as literal text segments."""

from __future__ import annotations

from nonebot.adapters import Event
from nonebot.adapters.onebot.v11 import Event as OneBotEvent
from nonebot.adapters.onebot.v11 import GroupMessageEvent, Message, MessageSegment, PrivateMessageEvent

from bot.adapters import AdapterBinding
from bot.sender import Sender


def sender_of(event: Event) -> Sender | None:
    if isinstance(event, GroupMessageEvent):
        return Sender("qq", str(event.user_id), str(event.group_id))
    if isinstance(event, PrivateMessageEvent):
        return Sender("qq", str(event.user_id))
    return None


def plain(text: str) -> Message:
    # A text segment is sent as data, never parsed: "[CQ:at,qq=all]" typed by a member stays text.
    return Message(MessageSegment.text(text))


BINDING = AdapterBinding(platform="qq", event_type=OneBotEvent, sender_of=sender_of, plain=plain)

"""The 企业微信 / 政务微信 app as a NoneBot bot: a reply goes into the waiting callback response when it
is still open (passive reply), otherwise into the outbox, from where the dispatcher sends it by the
app's message API (message/send)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from nonebot.adapters import Bot as BaseBot
from nonebot.adapters import Event
from nonebot.adapters import Message as BaseMessage
from nonebot.adapters import MessageSegment as BaseMessageSegment
from typing_extensions import override

from bot.adapters.webhook.message import to_text
from bot.adapters.wecom.event import WecomMessageEvent

if TYPE_CHECKING:
    from bot.adapters.wecom.adapter import Adapter


class Bot(BaseBot):
    adapter: Adapter

    @override
    async def send(
        self, event: Event, message: str | BaseMessage | BaseMessageSegment, **kwargs: Any
    ) -> None:
        if not isinstance(event, WecomMessageEvent):
            raise TypeError("the WeCom bot only answers WeCom events")
        text = to_text(message)
        if text.strip():
            await self.adapter.deliver(event, text)

"""The Official Account as a NoneBot bot: a reply goes into the waiting webhook response when it
is still open (passive reply), otherwise into the outbox, from where the dispatcher sends it by the
customer-service API."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from nonebot.adapters import Bot as BaseBot
from nonebot.adapters import Event
from nonebot.adapters import Message as BaseMessage
from nonebot.adapters import MessageSegment as BaseMessageSegment
from typing_extensions import override

from bot.adapters.webhook.message import to_text
from bot.adapters.wechat_oa.event import WechatEvent

if TYPE_CHECKING:
    from bot.adapters.wechat_oa.adapter import Adapter


class Bot(BaseBot):
    adapter: Adapter

    @override
    async def send(
        self, event: Event, message: str | BaseMessage | BaseMessageSegment, **kwargs: Any
    ) -> None:
        if not isinstance(event, WechatEvent):
            raise TypeError("the WeChat bot only answers WeChat events")
        text = to_text(message)
        if text.strip():
            await self.adapter.deliver(event, text)

    async def send_text(self, openid: str, text: str) -> None:
        """Send to a follower outside any request: always through the outbox."""
        await self.adapter.enqueue_text(openid, text, key_hint="direct")

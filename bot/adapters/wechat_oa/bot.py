"""The Official Account as a NoneBot bot (replies: passive, else by customer-service message)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.adapters.webhook.bot import CallbackBot
from bot.adapters.wechat_oa.event import WechatEvent

if TYPE_CHECKING:
    from bot.adapters.wechat_oa.adapter import Adapter


class Bot(CallbackBot):
    adapter: Adapter
    event_class = WechatEvent

    async def send_text(self, openid: str, text: str) -> None:
        """Send to a follower outside any request: always through the outbox."""
        await self.adapter.enqueue_text(openid, text, key_hint="direct")

"""The NoneBot console adapter, for the local demo."""

from __future__ import annotations

from nonebot.adapters.console import Bot

from bot.delivery.channels.base import SendOutcome, SendResult, connected_bot


class ConsoleChannel:
    platform = "console"
    max_length = 10000

    def _bot(self) -> Bot | None:
        return connected_bot(Bot)

    def available(self) -> bool:
        return self._bot() is not None

    async def send_to_account(self, account_id: str, text: str) -> SendResult:
        bot = self._bot()
        if bot is None:
            return SendResult(SendOutcome.RETRYABLE, "console not running")
        await bot.send_private_message(account_id, text)
        return SendResult(SendOutcome.SENT)

    async def send_to_group(self, group_id: str, text: str) -> SendResult:
        return await self.send_to_account(group_id, text)

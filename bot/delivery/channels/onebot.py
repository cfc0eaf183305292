"""QQ through a connected OneBot V11 implementation."""

from __future__ import annotations

from nonebot.adapters.onebot.v11 import ActionFailed, Bot, Message, MessageSegment, NetworkError

from bot.delivery.channels.base import SendOutcome, SendResult, connected_bot

# retcode 1200: the implementation could not confirm the send; QQ may still have delivered it.
UNCERTAIN_RETCODES = {1200}
RETRYABLE_RETCODES = {1400, 1401}


def classify_failure(exc: Exception) -> SendResult:
    if isinstance(exc, ActionFailed):
        info = getattr(exc, "info", {}) or {}
        retcode = info.get("retcode")
        detail = f"retcode {retcode}: {info.get('wording') or info.get('msg') or ''}".strip()
        if retcode in UNCERTAIN_RETCODES:
            return SendResult(SendOutcome.UNKNOWN, detail)
        if retcode in RETRYABLE_RETCODES:
            return SendResult(SendOutcome.RETRYABLE, detail)
        return SendResult(SendOutcome.REJECTED, detail)
    if isinstance(exc, NetworkError):  # includes the API call timing out: it may have gone out
        return SendResult(SendOutcome.UNKNOWN, f"network: {exc}")
    return SendResult(SendOutcome.UNKNOWN, f"{type(exc).__name__}: {exc}")


class OneBotChannel:
    platform = "qq"
    max_length = 4500

    def _bot(self) -> Bot | None:
        return connected_bot(Bot)

    def available(self) -> bool:
        return self._bot() is not None

    async def _call(self, action: str, **params: object) -> SendResult:
        bot = self._bot()
        if bot is None:
            return SendResult(SendOutcome.RETRYABLE, "no OneBot connection")
        try:
            await bot.call_api(action, **params)
        except Exception as exc:
            return classify_failure(exc)
        return SendResult(SendOutcome.SENT)

    async def send_to_account(self, account_id: str, text: str) -> SendResult:
        message = Message(MessageSegment.text(text[: self.max_length]))
        return await self._call("send_private_msg", user_id=int(account_id), message=message)

    async def send_to_group(self, group_id: str, text: str) -> SendResult:
        message = Message(MessageSegment.text(text[: self.max_length]))
        return await self._call("send_group_msg", group_id=int(group_id), message=message)

"""QQ through a connected OneBot V11 implementation (go-cqhttp, NapCat, Lagrange, LLOneBot).

How a failed call is classified (OneBot V11 `retcode`, with go-cqhttp's meanings):

| what happened                                  | outcome   | why                                           |
|------------------------------------------------|-----------|-----------------------------------------------|
| status ok, retcode 0 (or status async, rc 1)   | SENT      | accepted by the implementation                |
| 100 bad/missing parameter, muted, risk control | REJECTED  | the same request fails again; staff must look |
| 102 no permission (not in the group/no friend) | REJECTED  | same                                          |
| 103 operation failed (rights, file system)     | REJECTED  | same                                          |
| 104 credentials (cookie/CSRF) expired          | RETRYABLE | refused before sending; a re-login fixes it   |
| 201 worker pool not initialised                | RETRYABLE | the call never ran                            |
| 1200 implementation could not confirm the send | UNKNOWN   | QQ may still have delivered it                |
| 1400 bad request, 1404 no such API             | REJECTED  | a resend is the same bad request              |
| 1401 / 1403 token missing / refused            | RETRYABLE | refused at the door; fixed by configuration   |
| any other retcode                              | REJECTED  | refused, reason kept for staff                |
| no connection (ApiNotAvailable)                | RETRYABLE | nothing left the process                      |
| timeout / network error after sending          | UNKNOWN   | the frame may have reached QQ                 |
| the connection dropped before the answer came  | UNKNOWN   | at once: NoneBot would wait its API timeout   |
| anything else                                  | UNKNOWN   | cannot tell: never resend blindly             |
"""

from __future__ import annotations

import asyncio
import contextlib

import nonebot
from nonebot.adapters.onebot.v11 import (
    ActionFailed,
    ApiNotAvailable,
    Bot,
    Message,
    MessageSegment,
    NetworkError,
)

from bot.config import get_settings
from bot.delivery.channels.base import ChannelLimits, Pace, SendOutcome, SendResult, connected_bot

UNCERTAIN_RETCODES = frozenset({1200})
RETRYABLE_RETCODES = frozenset({104, 201, 1401, 1403})
REJECTED_RETCODES = frozenset({100, 102, 103, 1400, 1404})


def classify_failure(exc: BaseException) -> SendResult:
    """Turn an exception from `call_api` into a SendResult (see the module table)."""
    if isinstance(exc, ActionFailed):
        info = getattr(exc, "info", {}) or {}
        retcode = info.get("retcode")
        reason = info.get("wording") or info.get("msg") or info.get("message") or ""
        detail = f"retcode {retcode}: {reason}".strip().rstrip(":")
        code = str(retcode)
        if retcode in UNCERTAIN_RETCODES:
            return SendResult(SendOutcome.UNKNOWN, detail, code)
        if retcode in RETRYABLE_RETCODES:
            return SendResult(SendOutcome.RETRYABLE, detail, code)
        return SendResult(SendOutcome.REJECTED, detail, code)
    if isinstance(exc, ApiNotAvailable):
        return SendResult(SendOutcome.RETRYABLE, "no OneBot connection", "offline")
    if isinstance(exc, NetworkError):  # includes the API call timing out: it may have gone out
        return SendResult(SendOutcome.UNKNOWN, f"network: {exc.msg or exc!r}", "network")
    if isinstance(exc, TimeoutError):
        return SendResult(SendOutcome.UNKNOWN, "timeout", "timeout")
    return SendResult(SendOutcome.UNKNOWN, f"{type(exc).__name__}: {exc}", "error")


DROP_POLL_SECONDS = 0.05


async def _until_disconnected(bot: Bot) -> None:
    """Return once this bot's WebSocket has gone (NoneBot drops the bot when its connection closes)."""
    while nonebot.get_bots().get(bot.self_id) is bot:  # noqa: ASYNC110 (NoneBot has no per-bot event)
        await asyncio.sleep(DROP_POLL_SECONDS)


class OneBotChannel:
    platform = "qq"
    max_length = 4500

    @property
    def limits(self) -> ChannelLimits:
        settings = get_settings()
        return ChannelLimits(
            group=Pace(settings.qq_group_interval_seconds, settings.qq_group_jitter_seconds),
            private=Pace(settings.qq_private_interval_seconds, settings.qq_private_jitter_seconds),
            daily_cap=settings.qq_daily_cap,
            inflight=1,
        )

    def _bot(self) -> Bot | None:
        return connected_bot(Bot)

    def available(self) -> bool:
        return self._bot() is not None

    def account(self) -> str:
        bot = self._bot()
        return bot.self_id if bot is not None else ""

    async def _call(self, action: str, /, **params: object) -> SendResult:
        bot = self._bot()
        if bot is None:
            return SendResult(SendOutcome.RETRYABLE, "no OneBot connection", "offline")
        call = asyncio.ensure_future(bot.call_api(action, **params))
        dropped = asyncio.ensure_future(_until_disconnected(bot))
        try:
            await asyncio.wait({call, dropped}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            dropped.cancel()
            if not call.done():
                call.cancel()
        if not call.done() or call.cancelled():
            # NoneBot's call would wait for its answer until the API timeout (30 s by default), even
            # once the client is back on a new connection: the frame may have gone out, so unknown.
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await call
            return SendResult(SendOutcome.UNKNOWN, "the OneBot connection dropped while sending", "dropped")
        error = call.exception()
        if error is not None:
            return classify_failure(error)
        return SendResult(SendOutcome.SENT)

    async def send_to_account(self, account_id: str, text: str) -> SendResult:
        message = Message(MessageSegment.text(text[: self.max_length]))
        return await self._call("send_private_msg", user_id=int(account_id), message=message)

    async def send_to_group(self, group_id: str, text: str) -> SendResult:
        message = Message(MessageSegment.text(text[: self.max_length]))
        return await self._call("send_group_msg", group_id=int(group_id), message=message)

"""企业微信 / 政务微信: members' messages through the self-built app's message API (message/send).

How a failed call is classified (the platform's errcode):

| what happened                                   | outcome   | why                                         |
|-------------------------------------------------|-----------|---------------------------------------------|
| errcode 0                                       | SENT      | accepted                                    |
| 40014 / 42001 token, still refused after one    | RETRYABLE | refused at the door; the token is refreshed |
|   refresh and one retry                         |           |                                             |
| 45009 / 45033 frequency or concurrency limit    | RETRYABLE | nothing was sent; later it goes             |
| -1 system busy                                  | RETRYABLE | nothing happened                            |
| no connection, token fetch failed               | RETRYABLE | nothing left the process                    |
| 81013 / 60111 / `invaliduser`: no such member   | REJECTED  | code `account_invalid`: the member is not   |
|   in the app's visible range                    |           | reachable here; their next channel is tried |
| 60020 server IP not trusted                     | REJECTED  | configuration; the reason is shown to staff |
| any other errcode                               | REJECTED  | refused, reason kept for staff              |
| timeout / broken answer                         | UNKNOWN   | it may have been delivered: never resent    |
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.adapters.webhook.message import split_text
from bot.adapters.wecom.api import ErrorKind, WecomApi, WecomApiError, shared_api
from bot.config import get_settings
from bot.delivery.channels.base import ACCOUNT_INVALID, ChannelLimits, Pace, SendOutcome, SendResult

TEXT_BYTES = 2000  # an app text message holds 2048 bytes

OUTCOMES = {
    ErrorKind.TOKEN: SendOutcome.RETRYABLE,
    ErrorKind.RATE_LIMIT: SendOutcome.RETRYABLE,
    ErrorKind.BUSY: SendOutcome.RETRYABLE,
    ErrorKind.NOT_SENT: SendOutcome.RETRYABLE,
    ErrorKind.USER_INVALID: SendOutcome.REJECTED,
    ErrorKind.ROBOT_INVALID: SendOutcome.REJECTED,
    ErrorKind.IP_NOT_TRUSTED: SendOutcome.REJECTED,
    ErrorKind.OTHER: SendOutcome.REJECTED,
    ErrorKind.UNCERTAIN: SendOutcome.UNKNOWN,
}
APP, ROBOT = "app", "robot"  # the ways (`SendResult.via`), shown in 送达


def result_of(error: WecomApiError, via: str) -> SendResult:
    if error.kind == ErrorKind.USER_INVALID:
        code = ACCOUNT_INVALID
    elif error.kind == ErrorKind.OTHER and error.errcode is not None:
        code = str(error.errcode)
    else:
        code = error.kind.value
    return SendResult(OUTCOMES[error.kind], str(error), code, via)


async def send_pieces(pieces: list[str], send: Callable[[str], Awaitable[None]], via: str) -> SendResult:
    """Send `pieces` one after another; once one went out, a failure is no longer worth a resend."""
    for number, piece in enumerate(pieces):
        try:
            await send(piece)
        except WecomApiError as error:
            result = result_of(error, via)
            if number:  # earlier parts went out: resending the whole text would repeat them
                outcome = SendOutcome.UNKNOWN if result.outcome == SendOutcome.RETRYABLE else result.outcome
                return SendResult(outcome, f"part {number + 1}/{len(pieces)}: {error}", result.code, via)
            return result
    return SendResult(SendOutcome.SENT, via=via)


class WecomChannel:
    platform = "wecom"
    max_length = 2000  # characters; longer texts go out as several messages of at most 2000 bytes

    def __init__(self, api: WecomApi | None = None) -> None:
        self._api = api

    @property
    def api(self) -> WecomApi:
        return self._api or shared_api()

    @property
    def limits(self) -> ChannelLimits:
        interval = get_settings().wecom_private_interval_seconds
        return ChannelLimits(private=Pace(interval, interval / 2), inflight=1)

    def available(self) -> bool:
        return self.api.configured

    async def send_to_account(self, account_id: str, text: str) -> SendResult:
        async def send(piece: str) -> None:
            await self.api.send_text(account_id, piece)

        return await send_pieces(split_text(text, TEXT_BYTES), send, APP)

    async def send_to_group(self, group_id: str, text: str) -> SendResult:
        return SendResult(SendOutcome.REJECTED, "the app has no group chats: use a group robot (wecom_robot)")

"""The WeChat Official Account: customer-service messages (within 48 hours of the member's last
message) and template messages (for notices outside that window), through the async API client."""

from __future__ import annotations

from loguru import logger

from bot import clock
from bot.adapters.webhook.message import split_text
from bot.adapters.wechat_oa.api import ErrorKind, WechatApi, WechatApiError, shared_api
from bot.config import get_settings
from bot.delivery.channels.base import NO_FALLBACK, OutgoingText, SendOutcome, SendResult
from models import WechatTemplateSend

TEXT_BYTES = 2000  # a customer-service text is cut at 2048 bytes

OUTCOMES = {
    ErrorKind.WINDOW_CLOSED: SendOutcome.REJECTED,
    ErrorKind.WINDOW_QUOTA: SendOutcome.REJECTED,
    ErrorKind.USER_REFUSED: SendOutcome.REJECTED,
    ErrorKind.TOKEN: SendOutcome.RETRYABLE,
    ErrorKind.API_QUOTA: SendOutcome.RETRYABLE,
    ErrorKind.BUSY: SendOutcome.RETRYABLE,
    ErrorKind.NOT_SENT: SendOutcome.RETRYABLE,
    ErrorKind.UNCERTAIN: SendOutcome.UNKNOWN,
    ErrorKind.OTHER: SendOutcome.REJECTED,
}


TEXT, TEMPLATE = "text", "template"  # the two ways (`SendResult.via`), shown apart in 送达


def result_of(error: WechatApiError, via: str = TEXT) -> SendResult:
    # the error kinds' values are the dispatcher's reason codes (window_closed, window_quota, …)
    return SendResult(OUTCOMES[error.kind], str(error), error.kind.value, via)


def template_data(text: str) -> dict[str, str]:
    """Fill a notice template: its first line as `first`, the rest as `remark`.

    The templates chosen in the Official Account's backend for WECHAT_TEMPLATE_IDS are expected to
    show {{first.DATA}} and {{remark.DATA}}; WeChat caps each value, so long texts are cut.
    """
    first, _, rest = text.strip().partition("\n")
    return {"first": first[:100], "remark": rest.strip()[:180]}


class WechatChannel:
    platform = "wechat"
    max_length = 600  # characters; longer texts go out as several messages of at most 2000 bytes

    def __init__(self, api: WechatApi | None = None) -> None:
        self._api = api

    @property
    def api(self) -> WechatApi:
        return self._api or shared_api()

    def available(self) -> bool:
        return self.api.configured

    async def send_to_account(self, account_id: str, text: str) -> SendResult:
        pieces = split_text(text, TEXT_BYTES)
        for number, piece in enumerate(pieces):
            try:
                await self.api.send_text(account_id, piece)
            except WechatApiError as error:
                result = result_of(error)
                if number:  # earlier parts went out: resending the whole text would repeat them
                    outcome = result.outcome
                    if outcome == SendOutcome.RETRYABLE:
                        outcome = SendOutcome.UNKNOWN
                    return SendResult(outcome, f"part {number + 1}/{len(pieces)}: {error}", via=TEXT)
                return result
        return SendResult(SendOutcome.SENT, via=TEXT)

    async def send_to_group(self, group_id: str, text: str) -> SendResult:
        return SendResult(SendOutcome.REJECTED, "the official account has no group chats")

    async def send_fallback(self, account_id: str, message: OutgoingText) -> SendResult:
        """Outside the 48-hour window: the template message configured for this kind of notice."""
        return await self.send_template(
            account_id, message.kind, template_data(message.text), outbox_id=message.outbox_id
        )

    async def send_template(
        self,
        openid: str,
        kind: str,
        data: dict[str, str],
        *,
        url: str | None = None,
        outbox_id: int | None = None,
    ) -> SendResult:
        """A template message for a notice kind (template id from WECHAT_TEMPLATE_IDS)."""
        template_id = get_settings().wechat_template_ids.get(kind)
        if not template_id:
            reason = f"no template configured for {kind!r}"
            return SendResult(SendOutcome.REJECTED, reason, NO_FALLBACK, TEMPLATE)
        try:
            msgid = await self.api.send_template(openid, template_id, data, url)
        except WechatApiError as error:
            return result_of(error, TEMPLATE)
        if msgid:
            await WechatTemplateSend.create(
                msgid=msgid, openid=openid, template_id=template_id, outbox_id=outbox_id, sent_at=clock.now()
            )
        logger.info("wechat: template {} sent to {} as msgid {}", kind, openid, msgid)
        return SendResult(SendOutcome.SENT, f"msgid {msgid}", via=TEMPLATE)

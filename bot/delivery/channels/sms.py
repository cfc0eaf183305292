"""SMS (短信) to the phone number in the roster, through the provider chosen in SMS_PROVIDER.

Chinese SMS carry only pre-approved templates with the account's approved signature (签名): a
notice goes out as the template configured for its kind in SMS_TEMPLATES, its parameters rendered
from the notice's data (a sandboxed jinja2 expression each, cut to SMS_PARAM_MAX_CHARS). A kind
with no template is never sent by SMS (`REJECTED`, code `no_template`): the member's message fails
with that reason unless another channel takes it. Phones come from the roster only (checked at
import); routing hands this channel the member's number (`bot.delivery.routing`).

Each accepted message is recorded (`SmsSend`) so that the provider's delivery receipt
(`bot.delivery.sms.receipts`) finds its outbox row. Limits: SMS_INTERVAL_SECONDS between two
messages, SMS_DAILY_CAP a day, and SMS_MONTHLY_BUDGET_YUAN / SMS_PRICE_YUAN messages a month.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from jinja2 import StrictUndefined
from jinja2.sandbox import SandboxedEnvironment
from loguru import logger

from bot import clock
from bot.config import Settings, get_settings
from bot.delivery.channels.base import ChannelLimits, OutgoingText, Pace, SendOutcome, SendResult
from bot.delivery.sms import OFFLINE, TEMPLATE_REFUSED, SmsProvider, SmsRequest
from bot.render import fmt_date, fmt_datetime
from models import SmsSend

NO_TEMPLATE = "no_template"


@lru_cache(maxsize=1)
def _expressions() -> SandboxedEnvironment:
    env = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False)
    env.filters["dt"] = fmt_datetime
    env.filters["d"] = fmt_date
    return env


def template_params(spec: dict[str, Any], context: dict[str, Any], text: str, limit: int) -> dict[str, str]:
    """The template's parameters for one notice: each expression rendered over the notice's data
    (and `text`, the notice as chat members read it), cut to `limit` characters."""
    values = {**context, "text": text}
    params: dict[str, str] = {}
    for name, expression in (spec.get("params") or {}).items():
        rendered = _expressions().from_string(expression).render(**values).strip()
        params[name] = " ".join(rendered.split())[:limit]
    return params


def monthly_cap(settings: Settings) -> int | None:
    """Messages a month within the budget (None: no budget)."""
    if settings.sms_monthly_budget_yuan <= 0:
        return None
    return int(settings.sms_monthly_budget_yuan / settings.sms_price_yuan + 1e-9)


def provider_from_settings(settings: Settings) -> SmsProvider | None:
    if settings.sms_provider == "tencent":
        from bot.delivery.sms.tencent import TencentSms

        return TencentSms(
            secret_id=settings.sms_access_key_id,
            secret_key=settings.sms_access_key_secret,
            app_id=settings.sms_app_id,
            sign_name=settings.sms_sign_name,
            region=settings.sms_region,
            base_url=settings.sms_api_base,
            timeout=settings.sms_timeout_seconds,
        )
    if settings.sms_provider == "aliyun":
        from bot.delivery.sms.aliyun import AliyunSms

        return AliyunSms(
            access_key_id=settings.sms_access_key_id,
            access_key_secret=settings.sms_access_key_secret,
            sign_name=settings.sms_sign_name,
            base_url=settings.sms_api_base,
            timeout=settings.sms_timeout_seconds,
        )
    return None


class SmsChannel:
    platform = "sms"
    max_length = 500  # what a template parameter may quote of a notice is far shorter

    def __init__(self, provider: SmsProvider | None = None) -> None:
        self._provider = provider

    @property
    def provider(self) -> SmsProvider | None:
        if self._provider is None:
            self._provider = provider_from_settings(get_settings())
        return self._provider

    @property
    def limits(self) -> ChannelLimits:
        settings = get_settings()
        return ChannelLimits(
            private=Pace(settings.sms_interval_seconds, 0.0),
            daily_cap=settings.sms_daily_cap,
            monthly_cap=monthly_cap(settings),
            inflight=1,
        )

    def available(self) -> bool:
        return self.provider is not None

    async def send_to_account(self, account_id: str, text: str) -> SendResult:
        return SendResult(SendOutcome.REJECTED, "SMS carries approved templates only", NO_TEMPLATE, "sms")

    async def send_to_group(self, group_id: str, text: str) -> SendResult:
        return SendResult(SendOutcome.REJECTED, "SMS has no group chats", NO_TEMPLATE, "sms")

    async def send_message(self, account_id: str, message: OutgoingText) -> SendResult:
        """One notice to one phone as the template configured for its kind."""
        settings = get_settings()
        spec = settings.sms_templates.get(message.kind)
        if not spec:
            return SendResult(
                SendOutcome.REJECTED, f"no SMS template for {message.kind or 'this kind'}", NO_TEMPLATE, "sms"
            )
        provider = self.provider
        if provider is None:
            return SendResult(SendOutcome.RETRYABLE, "SMS_PROVIDER not configured", OFFLINE, "sms")
        try:
            params = template_params(spec, message.context, message.text, settings.sms_param_max_chars)
        except Exception as exc:  # a broken expression in the settings: the same for every try
            reason = f"SMS template parameters: {exc}"
            return SendResult(SendOutcome.REJECTED, reason, TEMPLATE_REFUSED, "sms")
        request = SmsRequest(account_id, str(spec["template"]), params, message.outbox_id)
        answer = await provider.send(request)
        if answer.result.outcome == SendOutcome.SENT and answer.message_id:
            await SmsSend.create(
                provider=provider.name,
                message_id=answer.message_id,
                phone=account_id,
                template=request.template,
                outbox_id=message.outbox_id,
                sent_at=clock.now(),
            )
        logger.debug("sms: {} {} → {}", message.kind, provider.name, answer.result.outcome.value)
        return answer.result

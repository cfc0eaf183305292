"""SMS providers behind one channel (`bot.delivery.channels.sms`): Tencent Cloud SMS and Alibaba Cloud
SMS through their official SDKs, chosen by SMS_PROVIDER.

A provider sends one approved template with its parameters to one phone and classifies the answer
like every channel (`SendResult`), with one reason code of its own:

| what the provider said                                   | outcome   | code           |
|----------------------------------------------------------|-----------|----------------|
| accepted (Tencent `Ok`, Alibaba `OK`)                    | SENT      |                |
| the number is invalid / not a mobile number / opted out  | REJECTED  | invalid_number |
| rate or frequency limit, daily limit of a number         | RETRYABLE | rate_limit     |
| signature (签名) or template refused, wrong parameters   | REJECTED  | sms_template   |
| credentials or API signature refused                     | RETRYABLE | sms_auth       |
| account out of balance                                   | REJECTED  | sms_balance    |
| the provider timed out (it may have sent it)             | UNKNOWN   | timeout        |
| no connection, HTTP 5xx before any answer                | RETRYABLE | sms_offline    |
| anything else                                            | REJECTED  | the code       |

`invalid_number` ends a member's message `unreachable` when no other channel is left (see
`bot.delivery.sending`): the roster's number does not reach them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from bot.delivery.channels.base import INVALID_ADDRESS, SendOutcome, SendResult

INVALID_NUMBER = INVALID_ADDRESS
RATE_LIMIT = "rate_limit"
TEMPLATE_REFUSED = "sms_template"
AUTH = "sms_auth"
BALANCE = "sms_balance"
TIMEOUT = "timeout"
OFFLINE = "sms_offline"

OUTCOMES = {
    INVALID_NUMBER: SendOutcome.REJECTED,
    RATE_LIMIT: SendOutcome.RETRYABLE,
    TEMPLATE_REFUSED: SendOutcome.REJECTED,
    AUTH: SendOutcome.RETRYABLE,
    BALANCE: SendOutcome.REJECTED,
    TIMEOUT: SendOutcome.UNKNOWN,
    OFFLINE: SendOutcome.RETRYABLE,
}


@dataclass(frozen=True, slots=True)
class SmsRequest:
    """One template message to one phone (11 digits, mainland China)."""

    phone: str
    template: str
    params: dict[str, str]  # in the template's order (Tencent) and by name (Alibaba)
    outbox_id: int | None = None


@dataclass(frozen=True, slots=True)
class SmsAnswer:
    result: SendResult
    message_id: str = ""  # the provider's id for the receipt (Tencent SerialNo, Alibaba BizId)


class SmsProvider(Protocol):
    name: str

    async def send(self, request: SmsRequest) -> SmsAnswer: ...


def answer(kind: str, provider_code: str, message: str) -> SmsAnswer:
    """A refusal of one kind (a key of OUTCOMES, or the provider's own code)."""
    outcome = OUTCOMES.get(kind, SendOutcome.REJECTED)
    detail = f"{provider_code}: {message}".strip().rstrip(":")
    return SmsAnswer(SendResult(outcome, detail[:250], kind, "sms"))


def network_failure(text: str) -> str:
    """A request that never got an answer: a read timeout may have been sent, anything else (refused
    connection, DNS, connect timeout) certainly was not."""
    lowered = text.lower()
    if "read timed out" in lowered or "readtimeout" in lowered or "read timeout" in lowered:
        return TIMEOUT
    if "timed out" in lowered and "connect" not in lowered:
        return TIMEOUT
    return OFFLINE


__all__ = [
    "AUTH",
    "BALANCE",
    "INVALID_NUMBER",
    "OFFLINE",
    "RATE_LIMIT",
    "TEMPLATE_REFUSED",
    "TIMEOUT",
    "SmsAnswer",
    "SmsProvider",
    "SmsRequest",
    "answer",
    "network_failure",
]

"""What every channel declares (limits) and returns (a classified result).

The contract between the dispatcher and a channel
-------------------------------------------------
A channel is registered under its platform name (`channels.register`). It declares:

- `platform` and `max_length`;
- optionally `account()`: the platform account it sends with now (QQ: the connected bot's number).
  One process at a time sends for an account (`bot.delivery.senders`); its pace and cap are that
  process's;
- `limits` (`ChannelLimits`): the pause between two group messages and between two private messages
  (each plus a random jitter), a daily cap for the platform account, and `inflight`: how many rows the
  dispatcher may hand over before it records their outcome (1 for a paced real platform, so that a
  crash leaves at most one row whose fate is unknown), and `monthly_cap` (a budget, e.g. SMS). A
  channel without `limits` gets the defaults. Rows over a cap wait for the next day (month), and
  staff are told once (`bot.delivery.dispatcher.on_cap_reached`).

`send_to_account` / `send_to_group` return a `SendResult`:

- `SENT`: delivered (or accepted by the platform);
- `RETRYABLE`: certainly NOT delivered (no connection, throttled before sending): retried with backoff;
- `REJECTED`: the platform refused for good; `detail` is the platform's reason, shown to staff;
- `UNKNOWN`: it may have been delivered (timeout, OneBot retcode 1200): never resent blindly.

"Needs another way" (WeChat's 48-hour customer-service window): a channel that cannot reach this
account with a free-form message right now returns `REJECTED` with `code=WINDOW_CLOSED` (or
`WINDOW_QUOTA` when the window's allowance is used up).
The dispatcher then

1. calls the channel's optional fallback hook `send_fallback(account_id, message: OutgoingText)` if it
   has one (e.g. WeChat: the template message configured for `message.kind`); its result counts as the
   result of this channel, and `REJECTED` with `code=NO_FALLBACK` means "no template for this kind";
2. if that is missing or refused for any reason, tries the member's next bound channel in
   `settings.delivery_order`;
3. if no channel is left, the row fails with every channel's reason.

Any other `REJECTED` also moves a member's message on to their next bound channel: refused on one
channel is not refused by the person. Each try is recorded in the row's route (`bot.delivery.trail`),
which 送达 shows. Only member recipients have a "next channel"; a group or a single account fails with
the reason. A channel whose platform reports later that an accepted message was not delivered (a
failed receipt) calls `bot.delivery.receipts.undelivered`, which continues the route the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol, TypeVar, runtime_checkable

import nonebot

B = TypeVar("B")

# Reason codes a channel may put in SendResult.code (the WeChat API client's ErrorKind values).
INVALID_ADDRESS = "invalid_number"  # the address itself is wrong (an SMS number): unreachable there
WINDOW_CLOSED = "window_closed"  # free-form messages not allowed now: use the fallback or next channel
WINDOW_QUOTA = "window_quota"  # the free-form messages allowed in this window are used up: the same
NO_FALLBACK = "no_fallback"  # the fallback hook has nothing for this kind of message
ACCOUNT_INVALID = "account_invalid"  # the platform knows no such account: the member is not reachable there
UNREACHABLE_CODES = frozenset({INVALID_ADDRESS, ACCOUNT_INVALID})  # the last channel's: row unreachable
NEEDS_FALLBACK = frozenset({WINDOW_CLOSED, WINDOW_QUOTA})
FALLBACK_CODES = NEEDS_FALLBACK | {NO_FALLBACK}


class SendOutcome(StrEnum):
    SENT = "sent"
    RETRYABLE = "retryable"  # nothing was delivered; try again later
    REJECTED = "rejected"  # the platform refused for good
    UNKNOWN = "unknown"  # it may have been delivered: never resend blindly


@dataclass(frozen=True, slots=True)
class SendResult:
    outcome: SendOutcome
    detail: str = ""
    code: str = ""  # a machine-readable reason (WINDOW_CLOSED, NO_FALLBACK, a platform code)
    via: str = ""  # how the channel sent it when it has several ways ("text", "template"), for 送达


@dataclass(frozen=True, slots=True)
class Pace:
    """At least `interval` seconds between two sends, plus a random 0..`jitter` seconds."""

    interval: float = 0.0
    jitter: float = 0.0


@dataclass(frozen=True, slots=True)
class ChannelLimits:
    group: Pace = field(default_factory=Pace)
    private: Pace = field(default_factory=Pace)
    daily_cap: int = 0  # messages per local day for the platform account; 0 = no cap
    monthly_cap: int | None = None  # messages per calendar month (a budget); None = no cap
    inflight: int = 1  # rows handed over before their outcomes are recorded


DEFAULT_LIMITS = ChannelLimits()


@dataclass(frozen=True, slots=True)
class OutgoingText:
    """What a fallback hook gets: the rendered text and where it came from."""

    text: str
    template: str
    context: dict[str, Any]
    kind: str
    outbox_id: int | None = None  # the row it delivers, for a receipt that comes back later


class Channel(Protocol):
    platform: str
    max_length: int

    def available(self) -> bool:
        """Whether a connection to the platform exists right now."""
        ...

    async def send_to_account(self, account_id: str, text: str) -> SendResult: ...

    async def send_to_group(self, group_id: str, text: str) -> SendResult: ...


@runtime_checkable
class MessageChannel(Protocol):
    """A channel that needs more than the text (SMS: the template for the notice's kind and its
    data): the dispatcher hands it the whole message for a private route instead of the text."""

    async def send_message(self, account_id: str, message: OutgoingText) -> SendResult: ...


@runtime_checkable
class FallbackChannel(Protocol):
    async def send_fallback(self, account_id: str, message: OutgoingText) -> SendResult: ...


def limits_of(channel: object) -> ChannelLimits:
    return getattr(channel, "limits", None) or DEFAULT_LIMITS


def account_of(channel: object) -> str:
    """The platform account a channel sends with right now (a channel with several accounts, or
    one that can tell, defines `account()`; '' is "the platform's one account")."""
    account = getattr(channel, "account", None)
    return str(account()) if callable(account) else ""


def connected_bot(bot_class: type[B]) -> B | None:
    """The first connected NoneBot bot of this adapter's class, if any."""
    for bot in nonebot.get_bots().values():
        if isinstance(bot, bot_class):
            return bot
    return None

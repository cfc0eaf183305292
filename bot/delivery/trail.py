"""The route a message took: each channel and way tried, with its outcome and why.

A member bound on several channels is tried in `DELIVERY_ORDER`; a channel that refuses (WeChat's
48-hour window closed and its template message refused, a QQ account that is not a friend) hands the
message on to the next. Each try is a step:

    {"platform": "wechat", "via": "text", "outcome": "rejected", "code": "window_closed",
     "detail": "45015 customer-service window closed"}

`via` says how (a channel's own names: "text", "template"; "receipt" for a delivery receipt that came
back failed after the channel had accepted the message). The outbox row keeps its steps in `route`
when there was more than one, so that 送达 can show the way and the reasons, and a
later try skips the channels that already refused this message.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.delivery.channels.base import SendOutcome, SendResult

Step = dict[str, str]
RECEIPT = "receipt"  # the channel accepted the message, its receipt later said it was not delivered
_REFUSED = {SendOutcome.REJECTED.value, "undelivered"}


def step(platform: str, result: SendResult, via: str = "") -> Step:
    return {
        "platform": platform,
        "via": result.via or via,
        "outcome": result.outcome.value,
        "code": result.code,
        "detail": result.detail[:200],
    }


def receipt_step(platform: str, via: str, status: str) -> Step:
    return {"platform": platform, "via": via, "outcome": "undelivered", "code": RECEIPT, "detail": status}


def worth_keeping(steps: Sequence[Step]) -> bool:
    """A route of one step says nothing the row's `channel` and `last_error` do not."""
    return len(steps) > 1


def refused_platforms(route: Any) -> set[str]:
    """Platforms whose last try refused this message for good: later tries go to the member's other
    channels (a platform whose fallback only has to be retried is tried again)."""
    if not isinstance(route, list):
        return set()
    last: dict[str, str] = {}
    for entry in route:
        if isinstance(entry, dict):
            last[str(entry.get("platform", ""))] = str(entry.get("outcome", ""))
    return {platform for platform, outcome in last.items() if outcome in _REFUSED}


def reasons(steps: Sequence[Step]) -> str:
    """The refusals in one line, for `last_error` (staff read them translated in 送达)."""
    return "; ".join(
        f"{s['platform']} {s['via']}: {s['detail'] or s['code']}".strip()
        for s in steps
        if s["outcome"] in _REFUSED
    )

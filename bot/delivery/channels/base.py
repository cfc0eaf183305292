"""What every channel declares (limits) and returns (a classified result)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol, TypeVar

import nonebot

B = TypeVar("B")


class SendOutcome(StrEnum):
    SENT = "sent"
    RETRYABLE = "retryable"  # nothing was delivered; try again later
    REJECTED = "rejected"  # the platform refused for good
    UNKNOWN = "unknown"  # it may have been delivered: never resend blindly


@dataclass(frozen=True, slots=True)
class SendResult:
    outcome: SendOutcome
    detail: str = ""


class Channel(Protocol):
    platform: str
    max_length: int

    def available(self) -> bool:
        """Whether a connection to the platform exists right now."""
        ...

    async def send_to_account(self, account_id: str, text: str) -> SendResult: ...

    async def send_to_group(self, group_id: str, text: str) -> SendResult: ...


def connected_bot(bot_class: type[B]) -> B | None:
    """The first connected NoneBot bot of this adapter's class, if any."""
    for bot in nonebot.get_bots().values():
        if isinstance(bot, bot_class):
            return bot
    return None

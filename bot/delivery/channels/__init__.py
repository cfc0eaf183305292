"""Channel registry: a sender per platform, found by name, never by if/elif over platforms."""

from __future__ import annotations

from bot.delivery.channels.base import (
    NO_FALLBACK,
    WINDOW_CLOSED,
    WINDOW_QUOTA,
    Channel,
    ChannelLimits,
    OutgoingText,
    Pace,
    SendOutcome,
    SendResult,
    limits_of,
)

_REGISTRY: dict[str, Channel] = {}


def register(channel: Channel) -> None:
    _REGISTRY[channel.platform] = channel


def get(platform: str) -> Channel | None:
    return _REGISTRY.get(platform)


def registered() -> dict[str, Channel]:
    return dict(_REGISTRY)


def clear() -> None:
    _REGISTRY.clear()


__all__ = [
    "NO_FALLBACK",
    "WINDOW_CLOSED",
    "WINDOW_QUOTA",
    "Channel",
    "ChannelLimits",
    "OutgoingText",
    "Pace",
    "SendOutcome",
    "SendResult",
    "clear",
    "get",
    "limits_of",
    "register",
    "registered",
]

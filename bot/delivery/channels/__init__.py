"""Channel registry: a sender per platform, found by name, never by if/elif over platforms."""

from __future__ import annotations

from bot.delivery.channels.base import Channel, SendOutcome, SendResult

_REGISTRY: dict[str, Channel] = {}


def register(channel: Channel) -> None:
    _REGISTRY[channel.platform] = channel


def get(platform: str) -> Channel | None:
    return _REGISTRY.get(platform)


def registered() -> dict[str, Channel]:
    return dict(_REGISTRY)


def clear() -> None:
    _REGISTRY.clear()


__all__ = ["Channel", "SendOutcome", "SendResult", "clear", "get", "register", "registered"]

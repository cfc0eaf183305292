"""Fakes for the delivery tests: scriptable channels in a private registry, and settings overrides."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pytest

from bot.delivery import channels
from bot.delivery.channels.base import ChannelLimits, OutgoingText, SendOutcome, SendResult


@dataclass
class FakeChannel:
    """Records what it was asked to send; answers from a per-address script (default: SENT)."""

    platform: str
    limits: ChannelLimits = field(default_factory=lambda: ChannelLimits(inflight=10))
    max_length: int = 4000
    online: bool = True
    script: dict[str, list[SendResult]] = field(default_factory=dict)
    sent: list[tuple[str, str, str]] = field(default_factory=list)  # (private|group, address, text)

    def available(self) -> bool:
        return self.online

    def _answer(self, address: str) -> SendResult:
        queue = self.script.get(address)
        return queue.pop(0) if queue else SendResult(SendOutcome.SENT)

    async def send_to_account(self, account_id: str, text: str) -> SendResult:
        self.sent.append(("private", account_id, text))
        return self._answer(account_id)

    async def send_to_group(self, group_id: str, text: str) -> SendResult:
        self.sent.append(("group", group_id, text))
        return self._answer(group_id)


@dataclass
class FallbackFake(FakeChannel):
    """A channel with a fallback hook (as the WeChat template message will be)."""

    fallback_result: SendResult = field(default_factory=lambda: SendResult(SendOutcome.SENT))
    fallbacks: list[tuple[str, OutgoingText]] = field(default_factory=list)

    async def send_fallback(self, account_id: str, message: OutgoingText) -> SendResult:
        self.fallbacks.append((account_id, message))
        return self.fallback_result


@pytest.fixture
def registry() -> Iterator[Callable[..., FakeChannel]]:
    """Replace the channel registry for one test; returns a factory that registers fakes."""
    saved = channels.registered()
    channels.clear()

    def add(platform: str = "qq", cls: type[FakeChannel] = FakeChannel, **kwargs: object) -> FakeChannel:
        channel = cls(platform, **kwargs)  # type: ignore[arg-type]
        channels.register(channel)
        return channel

    yield add
    channels.clear()
    for channel in saved.values():
        channels.register(channel)


@pytest.fixture
def configure(monkeypatch: pytest.MonkeyPatch) -> Callable[..., None]:
    """Override settings through the environment for one test: configure(qq_daily_cap=2)."""
    from bot import config

    def apply(**values: object) -> None:
        for name, value in values.items():
            if isinstance(value, bool):
                text = str(value).lower()
            elif isinstance(value, list):
                text = json.dumps(value)
            else:
                text = str(value)
            monkeypatch.setenv(name.upper(), text)
        config.reset_settings_cache()

    return apply

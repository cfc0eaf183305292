"""Pacing: keep sends on one lane (a platform and group/private) apart, with jitter.

Time and sleep are injected so that tests can check the pauses without waiting for them.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable

from bot.delivery.channels.base import Pace

Sleep = Callable[[float], Awaitable[None]]
Monotonic = Callable[[], float]


class Pacer:
    """Waits so that two sends are at least `interval` + uniform(0, `jitter`) seconds apart."""

    def __init__(
        self,
        pace: Pace,
        *,
        sleep: Sleep = asyncio.sleep,
        monotonic: Monotonic = time.monotonic,
        rand: Callable[[], float] = random.random,
    ) -> None:
        self.pace = pace
        self._sleep = sleep
        self._monotonic = monotonic
        self._rand = rand
        self._next_at: float | None = None
        self._lock = asyncio.Lock()

    @property
    def paced(self) -> bool:
        return self.pace.interval > 0 or self.pace.jitter > 0

    def gap(self) -> float:
        return self.pace.interval + self.pace.jitter * self._rand()

    async def wait(self) -> None:
        """Return when the next send may go; reserve the slot after it."""
        if not self.paced:
            return
        async with self._lock:
            now = self._monotonic()
            if self._next_at is not None and self._next_at > now:
                await self._sleep(self._next_at - now)
                now = self._monotonic()
            self._next_at = now + self.gap()

    def hold_off(self) -> None:
        """The next send waits one gap from now (this process has just taken the account over: the
        process that sent for it before may have sent a moment ago)."""
        if self.paced:
            self._next_at = self._monotonic() + self.gap()

    def expected_wait(self, queued: int) -> float:
        """Roughly how long `queued` sends take on this lane (to push deferred rows back)."""
        return queued * (self.pace.interval + self.pace.jitter / 2)

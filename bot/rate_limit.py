"""Per-account rate limit for messages addressed to the bot: a token bucket per chat account.

An account may send `burst` messages at once and `per_second` on average after that. The first
message over the limit gets one polite notice; then everything the account sends is ignored for
`silence_seconds`, before any database work, so one noisy account cannot slow the answers to
everybody else (other members' check-ins, staff broadcasts). Group chatter the bot does not answer
is not counted. The buckets live in this process's memory: a restart forgets them, which is fine
for a limit measured in seconds.
"""

from __future__ import annotations

import enum
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass


class Verdict(enum.Enum):
    ALLOW = "allow"
    NOTIFY = "notify"  # over the limit: say so once
    DROP = "drop"  # silenced: ignore


@dataclass(slots=True)
class _Bucket:
    tokens: float
    updated: float
    silent_until: float = 0.0


class RateLimiter:
    def __init__(
        self,
        burst: int,
        per_second: float,
        silence_seconds: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        max_accounts: int = 50_000,
    ) -> None:
        self.burst = burst
        self.per_second = per_second
        self.silence_seconds = silence_seconds
        self.clock = clock
        self.max_accounts = max_accounts
        self._buckets: dict[Hashable, _Bucket] = {}

    @property
    def enabled(self) -> bool:
        return self.burst > 0

    def check(self, account: Hashable) -> Verdict:
        """Count one message from `account` and say what to do with it."""
        if not self.enabled:
            return Verdict.ALLOW
        now = self.clock()
        bucket = self._buckets.get(account)
        if bucket is None:
            self._make_room(now)
            bucket = self._buckets[account] = _Bucket(tokens=float(self.burst), updated=now)
        if now < bucket.silent_until:
            return Verdict.DROP
        bucket.tokens = min(float(self.burst), bucket.tokens + (now - bucket.updated) * self.per_second)
        bucket.updated = now
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return Verdict.ALLOW
        bucket.silent_until = now + self.silence_seconds
        return Verdict.NOTIFY

    def _make_room(self, now: float) -> None:
        """Forget accounts that are back to a full bucket (and not silenced) once there are many."""
        if len(self._buckets) < self.max_accounts:
            return
        refill = self.burst / self.per_second if self.per_second > 0 else float("inf")
        idle = [k for k, b in self._buckets.items() if now >= b.silent_until and now - b.updated >= refill]
        for key in idle or list(self._buckets):
            del self._buckets[key]


class AccountLimits:
    """The process's limiter, built from the settings (rebuilt when they change, as in tests)."""

    def __init__(self) -> None:
        self._limiter: RateLimiter | None = None
        self._shape: tuple[int, float, float] | None = None

    def _current(self) -> RateLimiter:
        from bot.config import get_settings

        s = get_settings()
        shape = (s.rate_limit_burst, s.rate_limit_per_second, s.rate_limit_silence_seconds)
        if self._limiter is None or shape != self._shape:
            self._limiter, self._shape = RateLimiter(*shape), shape
        return self._limiter

    def check(self, platform: str, account_id: str) -> Verdict:
        return self._current().check((platform, account_id))

    @property
    def silence_seconds(self) -> float:
        return self._current().silence_seconds

    def reset(self) -> None:
        self._limiter = None

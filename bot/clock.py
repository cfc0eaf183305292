"""One source of "now" so that tests and jobs can travel in time.

Two readings:
- `now()`: this process's clock (what a member's message is stamped with, what a page shows);
- `await shared_now()`: the time several processes compare — claims and their leases, due times of
  outbox rows, the scheduler's sweeps. On PostgreSQL it is the database server's clock
  (`bot.db.DatabaseClock`, installed at start-up), so two hosts whose clocks differ neither take
  each other's claims nor skip or repeat jobs; otherwise it is `now()`.
A test that replaces the clock (`set_clock`) replaces both readings, unless it installs a shared
clock of its own afterwards (`set_shared_clock`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from bot.config import get_settings

SharedClock = Callable[[], Awaitable[datetime]]
_now: Callable[[], datetime] = lambda: datetime.now(UTC)  # noqa: E731
_shared: SharedClock | None = None


def now() -> datetime:
    """Current time, timezone-aware (UTC)."""
    return _now()


async def shared_now() -> datetime:
    """The time every process agrees on (UTC): the database's clock on PostgreSQL, else `now()`."""
    return await _shared() if _shared is not None else _now()


def set_clock(fn: Callable[[], datetime] | None) -> None:
    """Replace the clock (tests), shared reading included; None restores the real one."""
    global _now, _shared
    _now = fn if fn is not None else (lambda: datetime.now(UTC))
    _shared = None


def set_shared_clock(source: SharedClock | None) -> None:
    """Where `shared_now()` reads the time (start-up installs the database's clock); None: `now()`."""
    global _shared
    _shared = source


@lru_cache(maxsize=4)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def local_zone() -> ZoneInfo:
    return _zone(get_settings().local_timezone)


def local_now() -> datetime:
    return now().astimezone(local_zone())


def today() -> date:
    return local_now().date()


def to_local(moment: datetime) -> datetime:
    return moment.astimezone(local_zone())

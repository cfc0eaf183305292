"""The in-process scheduler, started by the elected leader: sweeps on a monotonic timer.

- a sweep every SCHEDULER_SWEEP_SECONDS, and once right at start (the catch-up after downtime);
- sooner when an activity instant (a reminder, the silent reminder, the check-in call) falls due
  within the next day: `reschedule()` derives those instants from the database at start and
  whenever an activity changes, so they go out on time rather than at the next sweep.

Every sweep reads the time from `clock.shared_now()` (the database's clock on PostgreSQL) and the
wait between sweeps is measured on the event loop's monotonic clock and never longer than the sweep
interval. APScheduler 3 was used here before: it fires its triggers by this host's wall clock, so a
clock stepped back by an hour stalled the sweeps for that hour, and a leader whose clock ran ahead
judged reminders late (past the start) and skipped them. Nothing is kept between sweeps but the
day markers of `Memory`: jobs are derived from the database each time.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
from datetime import datetime, timedelta

from loguru import logger

from bot import clock, db
from bot.config import Settings, get_settings
from bot.services import notices
from scheduler.jobs import Memory, run_due
from scheduler.leader import LeaderElection, asyncpg_dsn

LOOKAHEAD = timedelta(days=1)
LATE = 0.05  # seconds past an instant to wake, so that the sweep finds it due


class Runtime:
    def __init__(self) -> None:
        self.task: asyncio.Task[None] | None = None
        self.election: LeaderElection | None = None
        self.memory = Memory()
        self.lock = asyncio.Lock()
        self.pending: set[asyncio.Task[None]] = set()
        self.moments: list[datetime] = []  # activity instants due within LOOKAHEAD (shared clock)
        self.sweeps = 0
        self._wake = asyncio.Event()

    @property
    def running(self) -> bool:
        return self.task is not None and not self.task.done()

    async def sweep(self) -> None:
        async with self.lock:
            try:
                result = await run_due(await clock.shared_now(), self.memory)
            except Exception:
                logger.exception("scheduler sweep failed")
                return
            finally:
                self.sweeps += 1
            if result.total:
                logger.info("scheduler queued {} messages", result.total)

    def next_delay(self, now: datetime) -> float:
        """Seconds until the next sweep: the interval, or less when an activity instant comes first.
        Never more than the interval, whatever the clocks do."""
        interval = float(get_settings().scheduler_sweep_seconds)
        sooner = [(moment - now).total_seconds() + LATE for moment in self.moments if moment > now]
        return max(0.0, min([interval, *sooner]))

    async def _loop(self) -> None:
        while True:
            await self.sweep()
            try:
                delay = self.next_delay(await clock.shared_now())
            except asyncio.CancelledError:
                raise
            except Exception:  # the database is away: try again after the interval
                logger.exception("scheduler could not read the time")
                delay = float(get_settings().scheduler_sweep_seconds)
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=delay)

    async def start_scheduler(self) -> None:
        if self.running:
            return
        self.memory = Memory()
        notices.add_listener(self.on_change)
        await self.reschedule()
        # the first sweep runs at once: the catch-up after downtime
        self.task = asyncio.create_task(self._loop(), name="scheduler")
        logger.info("scheduler started")

    async def stop_scheduler(self) -> None:
        notices.remove_listener(self.on_change)
        task, self.task = self.task, None
        self.moments = []
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
            logger.info("scheduler stopped")

    def on_change(self) -> None:
        """An activity changed: derive the instants again once the caller's transaction has committed."""
        loop = asyncio.get_running_loop()
        # A fresh context: the caller is inside a database transaction whose connection must not
        # leak into this task (it is released when the transaction ends).
        task = loop.create_task(self._later(), context=contextvars.Context())
        self.pending.add(task)
        task.add_done_callback(self.pending.discard)

    async def _later(self) -> None:
        await asyncio.sleep(1)
        await self.reschedule()

    async def reschedule(self) -> int:
        """Derive the activity instants from the database and sweep now; returns how many are due
        within the next day."""
        now = await clock.shared_now()
        wanted: set[datetime] = set()
        for activity in await notices.upcoming(now, timedelta(0), ahead=LOOKAHEAD):
            wanted.update(t for t in notices.due_times(activity) if now < t <= now + LOOKAHEAD)
        self.moments = sorted(wanted)
        self._wake.set()
        return len(self.moments)


_runtime = Runtime()


def runtime() -> Runtime:
    return _runtime


async def start(settings: Settings | None = None) -> None:
    """Start the scheduler here, or campaign for it on PostgreSQL (call after the database is up)."""
    settings = settings or get_settings()
    if not settings.scheduler_enabled:
        logger.info("scheduler disabled (SCHEDULER_ENABLED=false)")
        return
    if db.is_postgres():
        _runtime.election = LeaderElection(
            asyncpg_dsn(settings.database_url),
            key=settings.scheduler_lock_key,
            retry_seconds=settings.scheduler_leader_retry_seconds,
            on_elected=_runtime.start_scheduler,
            on_lost=_runtime.stop_scheduler,
        )
        _runtime.election.start()
    else:
        await _runtime.start_scheduler()


async def stop() -> None:
    """Stop the scheduler and give up the lock (call before the database disconnects)."""
    if _runtime.election is not None:
        await _runtime.election.stop()
        _runtime.election = None
    await _runtime.stop_scheduler()


async def reschedule() -> int:
    return await _runtime.reschedule()

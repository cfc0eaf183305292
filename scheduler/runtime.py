"""The in-process APScheduler 3 (AsyncIOScheduler, MemoryJobStore), started by the elected leader.

Jobs:
- `sweep` every SCHEDULER_SWEEP_SECONDS, and once right at start (the catch-up after downtime);
- one date job per activity instant due within the next day (reminders, the silent reminder, the
  check-in call), rebuilt from the database by `reschedule()` at start and whenever an activity
  changes, so they fire on time rather than at the next sweep. Each runs the same sweep.
misfire_grace_time and coalesce are explicit: APScheduler's default grace of 1 s silently skips jobs.
"""

from __future__ import annotations

import asyncio
import contextvars
from datetime import UTC, datetime, timedelta

from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger
from loguru import logger

from bot import clock, db
from bot.config import Settings, get_settings
from bot.services import notices
from scheduler.jobs import Memory, catchup_window, run_due
from scheduler.leader import LeaderElection, asyncpg_dsn

SWEEP_JOB = "sweep"
AT_PREFIX = "at:"
LOOKAHEAD = timedelta(days=1)


class Runtime:
    def __init__(self) -> None:
        self.scheduler: AsyncIOScheduler | None = None
        self.election: LeaderElection | None = None
        self.memory = Memory()
        self.lock = asyncio.Lock()
        self.pending: set[asyncio.Task[None]] = set()

    async def sweep(self) -> None:
        async with self.lock:
            try:
                result = await run_due(clock.now(), self.memory)
            except Exception:
                logger.exception("scheduler sweep failed")
                return
            if result.total:
                logger.info("scheduler queued {} messages", result.total)

    async def start_scheduler(self) -> None:
        if self.scheduler is not None:
            return
        settings = get_settings()
        grace = int(catchup_window().total_seconds())
        scheduler = AsyncIOScheduler(
            jobstores={"default": MemoryJobStore()},
            job_defaults={"coalesce": True, "misfire_grace_time": grace, "max_instances": 1},
            timezone=clock.local_zone(),
        )
        scheduler.add_job(
            self.sweep,
            IntervalTrigger(seconds=settings.scheduler_sweep_seconds),
            id=SWEEP_JOB,
            replace_existing=True,
        )
        scheduler.start()
        self.scheduler = scheduler
        self.memory = Memory()
        notices.add_listener(self.on_change)
        await self.reschedule()  # also moves the first sweep to now: the catch-up after downtime
        logger.info("scheduler started")

    async def stop_scheduler(self) -> None:
        notices.remove_listener(self.on_change)
        scheduler, self.scheduler = self.scheduler, None
        if scheduler is not None:
            scheduler.shutdown(wait=False)
            logger.info("scheduler stopped")

    def on_change(self) -> None:
        """An activity changed: rebuild the date jobs once the caller's transaction has committed."""
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
        """Derive the date jobs from the database; returns how many are scheduled."""
        scheduler = self.scheduler
        if scheduler is None:
            return 0
        now = clock.now()
        wanted: set[datetime] = set()
        for activity in await notices.upcoming(now, timedelta(0), ahead=LOOKAHEAD):
            wanted.update(t for t in notices.due_times(activity) if now < t <= now + LOOKAHEAD)
        for job in scheduler.get_jobs():
            if job.id.startswith(AT_PREFIX):
                job.remove()
        for moment in sorted(wanted):
            scheduler.add_job(
                self.sweep,
                DateTrigger(run_date=moment),
                id=f"{AT_PREFIX}{moment.isoformat()}",
                replace_existing=True,
            )
        scheduler.modify_job(SWEEP_JOB, next_run_time=datetime.now(UTC))
        return len(wanted)


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

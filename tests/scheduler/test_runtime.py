"""The in-process APScheduler: jobs derived from the database, explicit misfire handling."""

import asyncio
from datetime import UTC, date, datetime, timedelta

import pytest

from bot import clock as bot_clock
from bot.services import notices
from models import Member, OutboxMessage
from scheduler import runtime as runtime_module
from scheduler.runtime import AT_PREFIX, SWEEP_JOB, Runtime
from tests import factories
from tests.notices.helpers import configure


async def test_start_builds_jobs_from_the_database_and_stop_clears_them(db, clock, monkeypatch):
    configure(monkeypatch, scheduler_sweep_seconds=60, scheduler_catchup_hours=6)
    await factories.member(qq="10001")
    soon = await factories.activity(starts_in=timedelta(hours=20), group_id="7001")
    await factories.activity(starts_in=timedelta(days=30))  # nothing due within a day
    runtime = Runtime()
    await runtime.start_scheduler()
    try:
        assert runtime.scheduler is not None
        jobs = {job.id: job for job in runtime.scheduler.get_jobs()}
        sweep = jobs[SWEEP_JOB]
        assert sweep.trigger.interval == timedelta(seconds=60)
        assert sweep.misfire_grace_time == 6 * 3600 and sweep.coalesce and sweep.max_instances == 1
        moments = sorted(job.trigger.run_date for job_id, job in jobs.items() if job_id.startswith(AT_PREFIX))
        assert moments == [
            soon.start_at - timedelta(hours=2),
            soon.checkin_opens_at,
        ]
        assert all(job.misfire_grace_time == 6 * 3600 for job in jobs.values())
        assert runtime.on_change in notices._listeners
        # a new activity within a day: reschedule() derives its jobs too
        other = await factories.activity(starts_in=timedelta(hours=5))
        assert await runtime.reschedule() == 3
        ids = {job.id for job in runtime.scheduler.get_jobs()}
        assert f"{AT_PREFIX}{(other.start_at - timedelta(hours=2)).isoformat()}" in ids
    finally:
        await runtime.stop_scheduler()
    assert runtime.scheduler is None and runtime.on_change not in notices._listeners


async def test_sqlite_process_leads_without_election(db, clock, monkeypatch):
    configure(monkeypatch, scheduler_enabled=True)
    if db != "sqlite":
        pytest.skip("on PostgreSQL the process campaigns for the lock first: see test_leader.py")
    await runtime_module.start()
    try:
        assert runtime_module.runtime().scheduler is not None
        assert runtime_module.runtime().election is None
    finally:
        await runtime_module.stop()
    assert runtime_module.runtime().scheduler is None


async def test_disabled_scheduler_does_not_start(db, clock, monkeypatch):
    configure(monkeypatch, scheduler_enabled=False)
    await runtime_module.start()
    assert runtime_module.runtime().scheduler is None
    assert runtime_module.runtime().election is None


async def _eventually(check, seconds: float = 15.0) -> bool:
    """Poll a condition while the scheduler's own tasks run (a deadline, not a timing measurement)."""
    for _ in range(int(seconds / 0.1)):
        if await check():
            return True
        await asyncio.sleep(0.1)
    return False


async def test_running_scheduler_sweeps_at_start_and_follows_new_activities(db, clock, monkeypatch):
    configure(monkeypatch, birthday_greeting_time="08:30", scheduler_catchup_hours=2)
    member = await factories.member("林建国", qq="10001")
    today = bot_clock.today()
    await Member.filter(id=member.id).update(birthday=date(1980, today.month, today.day))
    runtime = Runtime()
    await runtime.start_scheduler()  # 09:00 local: the 08:30 greeting is caught up by the first sweep
    try:
        assert await _eventually(
            lambda: OutboxMessage.filter(dedupe_key=f"birthday:{member.id}:{today.isoformat()}").exists()
        )
        clock.set(datetime.now(UTC))  # date jobs fire by the real clock: keep this one in the future
        created = await factories.activity(starts_in=timedelta(hours=6))
        wanted = f"{AT_PREFIX}{(created.start_at - timedelta(hours=2)).isoformat()}"

        async def has_job() -> bool:
            return runtime.scheduler is not None and runtime.scheduler.get_job(wanted) is not None

        assert await _eventually(has_job)  # activities.create → listener → reschedule()
    finally:
        await runtime.stop_scheduler()


async def test_rules_are_evaluated_nightly_and_on_new_year_for_the_year_past(db, clock, monkeypatch):
    from datetime import UTC, datetime

    from bot.services import rules
    from scheduler import jobs

    calls: list[int] = []

    async def record(year: int | None = None):
        calls.append(year)
        return rules.Outcome()

    monkeypatch.setattr(rules, "evaluate_all", record)
    window = jobs.catchup_window()
    done: set[str] = set()
    # 01:59 and 02:00 local (UTC+8) on 2026-06-02
    assert (
        await jobs.run_rules_due(datetime(2026, 6, 1, 17, 59, tzinfo=UTC), window, done) == 1
    )  # 06-01 02:00
    assert calls == [2026]
    assert await jobs.run_rules_due(datetime(2026, 6, 1, 17, 59, tzinfo=UTC), window, done) == 0
    assert await jobs.run_rules_due(datetime(2026, 6, 1, 18, 0, tzinfo=UTC), window, done) == 1  # 06-02 02:00
    assert calls == [2026, 2026]
    calls.clear()
    # 2027-01-01 02:05 local: the year just ended and the new one
    assert await jobs.run_rules_due(datetime(2026, 12, 31, 18, 5, tzinfo=UTC), window, set()) == 2
    assert calls == [2026, 2027]

"""The in-process scheduler: instants derived from the database, sweeps on a monotonic timer read
against the shared clock (so a host clock that differs or is stepped back neither stalls nor skips)."""

import asyncio
from datetime import UTC, date, datetime, timedelta

import pytest

from bot import clock as bot_clock
from bot.services import notices
from models import Member, OutboxMessage
from scheduler import runtime as runtime_module
from scheduler.runtime import LATE, Runtime
from tests import factories
from tests.notices.helpers import configure


async def test_start_derives_instants_from_the_database_and_stop_clears_them(db, clock, monkeypatch):
    configure(monkeypatch, scheduler_sweep_seconds=60, scheduler_catchup_hours=6)
    await factories.member(qq="10001")
    soon = await factories.activity(starts_in=timedelta(hours=20), group_id="7001")
    await factories.activity(starts_in=timedelta(days=30))  # nothing due within a day
    runtime = Runtime()
    await runtime.start_scheduler()
    try:
        assert runtime.running
        assert runtime.moments == [soon.start_at - timedelta(hours=2), soon.checkin_opens_at]
        assert runtime.next_delay(clock.current) == 60  # the first instant is hours away
        assert runtime.on_change in notices._listeners
        # a new activity within a day: reschedule() derives its instants too
        other = await factories.activity(starts_in=timedelta(hours=5))
        assert await runtime.reschedule() == 3
        assert other.start_at - timedelta(hours=2) in runtime.moments
    finally:
        await runtime.stop_scheduler()
    assert not runtime.running and runtime.on_change not in notices._listeners


async def test_the_wait_is_never_longer_than_the_interval_whatever_the_clock_says(db, clock, monkeypatch):
    configure(monkeypatch, scheduler_sweep_seconds=60)
    runtime = Runtime()
    now = clock.current
    runtime.moments = [now + timedelta(seconds=3), now + timedelta(minutes=30)]
    assert runtime.next_delay(now) == pytest.approx(3 + LATE)  # the instant comes before the interval
    assert runtime.next_delay(now - timedelta(hours=1)) == 60  # a clock stepped back an hour: no stall
    assert runtime.next_delay(now + timedelta(hours=1)) == 60  # past every instant: the next sweep


async def test_sqlite_process_leads_without_election(db, clock, monkeypatch):
    configure(monkeypatch, scheduler_enabled=True)
    if db != "sqlite":
        pytest.skip("on PostgreSQL the process campaigns for the lock first: see test_leader.py")
    await runtime_module.start()
    try:
        assert runtime_module.runtime().running
        assert runtime_module.runtime().election is None
    finally:
        await runtime_module.stop()
    assert not runtime_module.runtime().running


async def test_disabled_scheduler_does_not_start(db, clock, monkeypatch):
    configure(monkeypatch, scheduler_enabled=False)
    await runtime_module.start()
    assert not runtime_module.runtime().running
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
        created = await factories.activity(starts_in=timedelta(hours=6))
        wanted = created.start_at - timedelta(hours=2)

        async def has_instant() -> bool:
            return wanted in runtime.moments

        assert await _eventually(has_instant)  # activities.create → listener → reschedule()
    finally:
        await runtime.stop_scheduler()


async def test_an_instant_is_swept_when_the_product_clock_says_though_the_host_clock_differs(db, monkeypatch):
    """The product's clock (the database's, on PostgreSQL) is an hour behind this host's wall clock,
    as after a clock step: the reminder due in 2 s by the product's clock goes out then, not at a
    sweep an interval later (a scheduler timed by the wall clock fired it an hour early, found it
    not yet due, and left it to the next sweep)."""
    configure(monkeypatch, scheduler_sweep_seconds=60, scheduler_catchup_hours=2)
    bot_clock.set_clock(lambda: datetime.now(UTC) - timedelta(hours=1))
    try:
        member = await factories.member("林建国", qq="10001")
        created = await factories.activity(starts_in=timedelta(hours=2, seconds=2))
        key = f"reminder:{created.id}:120m:{member.id}"
        runtime = Runtime()
        await runtime.start_scheduler()
        try:
            assert await _eventually(lambda: OutboxMessage.filter(dedupe_key=key).exists(), seconds=10)
        finally:
            await runtime.stop_scheduler()
    finally:
        bot_clock.set_clock(None)


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

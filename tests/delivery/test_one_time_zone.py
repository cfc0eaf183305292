"""Every moment is stored and compared in one form (UTC), on SQLite as on PostgreSQL.

SQLite has no time type: it compares the stored text. A greeting due at 08:30 Beijing time stored as
`08:30:00+08:00` and compared with "now" in UTC (`00:31:00+00:00`) is not due until 16:30.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from bot import clock as bot_clock
from bot.delivery.dispatcher import Dispatcher
from bot.services import checkin
from bot.services.export import _attendance_rows
from models import Member, OutboxMessage, OutboxStatus
from scheduler import run_due
from tests import factories
from tests.notices.helpers import configure

SHANGHAI = "Asia/Shanghai"


def _local(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=bot_clock.local_zone()).astimezone(UTC)


async def test_a_greeting_due_now_is_sent_now(db, clock, registry, monkeypatch):
    configure(monkeypatch, local_timezone=SHANGHAI, birthday_greeting_time="08:30")
    qq = registry("qq")
    member = await factories.member("林建国", qq="10001")
    await Member.filter(id=member.id).update(birthday=date(1975, 6, 3))
    clock.set(_local("2026-06-03T08:30:05"))

    assert (await run_due(clock.current)).greetings == 1
    assert await Dispatcher().drain() == 1

    row = await OutboxMessage.get(dedupe_key=f"birthday:{member.id}:2026-06-03")
    assert row.status == OutboxStatus.SENT
    assert row.due_at == _local("2026-06-03T08:30")  # read back as the same moment
    assert [(kind, address) for kind, address, _ in qq.sent] == [("private", "10001")]
    assert "林建国" in qq.sent[0][2]


async def test_a_greeting_due_later_today_waits(db, clock, registry, monkeypatch):
    """The other half: queued early (the catch-up window reaches back), it is not sent before 08:30."""
    configure(monkeypatch, local_timezone=SHANGHAI, birthday_greeting_time="08:30")
    qq = registry("qq")
    member = await factories.member("王海燕", qq="10002")
    await Member.filter(id=member.id).update(birthday=date(1980, 6, 3))
    clock.set(_local("2026-06-03T08:31"))
    await run_due(clock.current)
    await OutboxMessage.all().update(due_at=_local("2026-06-03T09:00"))
    assert await Dispatcher().drain() == 0 and qq.sent == []
    clock.set(_local("2026-06-03T09:00:01"))
    assert await Dispatcher().drain() == 1 and len(qq.sent) == 1


async def test_check_in_opens_at_the_local_time_staff_typed(db, clock, monkeypatch):
    """An activity entered as 09:00 Beijing time opens for check-in at 08:30 Beijing time."""
    configure(monkeypatch, local_timezone=SHANGHAI)
    member = await factories.member("林建国", qq="10001")
    start = datetime(2026, 6, 1, 9, 0, tzinfo=bot_clock.local_zone())  # as the parser builds it
    activity = await factories.activity(start_at=start)
    clock.set(_local("2026-06-01T08:35"))
    result = await checkin.check_in(factories.private("10001"), "")
    assert result.activity.id == activity.id and result.member.id == member.id


async def test_the_archive_year_starts_at_local_midnight(db, clock, monkeypatch):
    """An activity at 05:00 on 1 January (Beijing time) belongs to the new year's archive."""
    configure(monkeypatch, local_timezone=SHANGHAI)
    clock.set(_local("2026-12-30T10:00"))
    member = await factories.member("林建国", qq="10001")
    new_year = datetime(2027, 1, 1, 5, 0, tzinfo=bot_clock.local_zone())
    await factories.activity(title="元旦座谈", start_at=new_year, duration=timedelta(hours=1))
    old_year = datetime(2026, 12, 31, 23, 0, tzinfo=bot_clock.local_zone())
    await factories.activity(title="跨年值守", start_at=old_year, duration=timedelta(hours=1))
    titles_2027 = [row[2] for row in (await _attendance_rows(2027, member.id)).rows]
    titles_2026 = [row[2] for row in (await _attendance_rows(2026, member.id)).rows]
    assert titles_2027 == ["元旦座谈"]
    assert titles_2026 == ["跨年值守"]


async def test_times_stored_before_the_upgrade_are_rewritten_in_utc(db, clock, registry, monkeypatch):
    """A SQLite database written by an older version holds `+08:00` texts: the migration rewrites them."""
    import importlib
    from types import SimpleNamespace

    from tortoise import connections

    if db != "sqlite":
        return  # PostgreSQL stores timestamptz: nothing to rewrite
    configure(monkeypatch, local_timezone=SHANGHAI)
    qq = registry("qq")
    member = await factories.member("林建国", qq="10001")
    await OutboxMessage.create(
        dedupe_key="old", recipient={"type": "member", "member_id": member.id}, template="delivery/usage.j2",
        due_at=clock.current,
    )  # fmt: skip
    conn = connections.get("default")
    await conn.execute_query("UPDATE outbox SET due_at = '2026-06-03 08:30:00+08:00'")
    clock.set(_local("2026-06-03T08:31"))
    assert await Dispatcher().drain() == 0  # the old text compares as 16:30 UTC

    migration = importlib.import_module("models.migrations.0002_utc_times")
    await migration.normalise_sqlite_times(None, SimpleNamespace(client=conn))

    _, rows = await conn.execute_query("SELECT due_at FROM outbox")
    assert rows[0]["due_at"] == "2026-06-03 00:30:00.000000+00:00"
    assert await Dispatcher().drain() == 1 and len(qq.sent) == 1

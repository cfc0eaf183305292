"""Time travel through 2026 and 2027: every notice, reminder, greeting and briefing is queued once,
at its local due time (Asia/Shanghai), never before, and never again afterwards.

The sweep runs every 12 hours of simulated time and, in addition, one minute before and exactly at
every expected due instant. After each sweep the number of outbox rows must equal the number of
messages due so far.
"""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from lunar_python import Lunar

from bot.services import confirmations, leave
from models import Activity, ActivityType, Member, OutboxMessage, Role
from scheduler import run_due
from scheduler.jobs import Memory
from tests import factories
from tests.notices.helpers import configure

SHANGHAI = ZoneInfo("Asia/Shanghai")
GROUPS = ("qq:5001", "qq:7001")


def local(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=SHANGHAI)


def lunar_to_solar(year: int, month: int, day: int) -> date:
    solar = Lunar.fromYmd(year, month, day).getSolar()
    return date(solar.getYear(), solar.getMonth(), solar.getDay())


async def _setup(clock):
    clock.set(local(2025, 12, 31, 12, 0).astimezone(UTC))
    jia = await factories.member("甲", qq="10001")
    yi = await factories.member("乙", qq="10002")
    bing = await factories.member("丙", qq="10003")
    ding = await factories.member("丁", qq="10004")
    staff = await factories.member("戊", role=Role.STAFF, qq="20001")
    await Member.filter(id=jia.id).update(birthday=date(1980, 3, 15))
    await Member.filter(id=yi.id).update(birthday=date(1972, 2, 29))
    await Member.filter(id=bing.id).update(birthday=date(1965, 8, 15), birthday_lunar=True)
    await Member.filter(id=ding.id).update(birthday=date(1970, 12, 30), birthday_lunar=True)
    a1 = await factories.activity(title="全体会议", start_at=local(2026, 3, 10, 9, 0), group_id="7001")
    a2 = await factories.activity(
        title="履职培训", type=ActivityType.TRAINING, start_at=local(2026, 11, 20, 14, 30)
    )
    a3 = await factories.activity(title="常委会议", start_at=local(2027, 5, 12, 10, 0), group_id="7001")
    await confirmations.confirm(factories.private("10001"), str(a1.id))
    await leave.request(factories.private("10002"), str(a1.id), "出国访问")
    return (jia, yi, bing, ding, staff), (a1, a2, a3)


def _expected(people, acts) -> dict[str, datetime]:
    jia, yi, bing, ding, staff = people
    a1, a2, a3 = acts
    everyone = [m.id for m in people if m is not staff]  # staff are not expected at activities
    due: dict[str, datetime] = {}
    for activity, offsets, confirmed, answered in (
        (a1, (4320, 1440, 120), {jia.id}, {yi.id}),
        (a2, (2880, 30), set(), set()),
        (a3, (4320, 1440, 120), set(), set()),
    ):
        silent = [m for m in everyone if m not in confirmed | answered]
        silent_due = activity.start_at - timedelta(days=1)
        for minutes in offsets:
            moment = activity.start_at - timedelta(minutes=minutes)
            for member_id in everyone:
                if member_id in answered or (moment == silent_due and member_id in silent):
                    continue
                due[f"reminder:{activity.id}:{minutes}m:{member_id}"] = moment
        for member_id in silent:
            due[f"silent:{activity.id}:{member_id}"] = silent_due
        due[f"silent-list:{activity.id}:{staff.id}"] = silent_due
        if activity.announce_group:
            due[f"checkin-open:{activity.id}"] = activity.start_at - timedelta(minutes=30)
    birthdays = {
        jia.id: [date(2026, 3, 15), date(2027, 3, 15)],
        yi.id: [date(2026, 2, 28), date(2027, 2, 28)],  # 29 February → 28 February
        bing.id: [date(2026, 9, 25), date(2027, 9, 15)],  # 农历八月十五
        # 农历腊月三十: both 腊月 in range have 29 days, so the 29th (除夕)
        ding.id: [lunar_to_solar(2025, 12, 29), lunar_to_solar(2026, 12, 29)],
    }
    for member_id, days in birthdays.items():
        for day in days:
            due[f"birthday:{member_id}:{day.isoformat()}"] = local(day.year, day.month, day.day, 8, 30)
    festivals = {
        "new_year": ["2026-01-01", "2027-01-01"],
        "spring_festival": ["2026-02-17", "2027-02-06"],
        "lantern_festival": ["2026-03-03", "2027-02-20"],
        "dragon_boat": ["2026-06-19", "2027-06-09"],
        "mid_autumn": ["2026-09-25", "2027-09-15"],
        "national_day": ["2026-10-01", "2027-10-01"],
    }
    for slug, days in festivals.items():
        for text in days:
            day = date.fromisoformat(text)
            for group in GROUPS:
                due[f"holiday:{slug}:{day.year}:{group}"] = local(day.year, day.month, day.day, 8, 0)
    monday = date(2026, 1, 5)
    while monday <= date(2027, 12, 31):
        year, week, _ = monday.isocalendar()
        for group in GROUPS:
            due[f"briefing:{group}:{year}-W{week:02d}"] = local(monday.year, monday.month, monday.day, 9, 0)
        monday += timedelta(days=7)
    return due


@pytest.mark.slow
async def test_a_year_of_scheduled_messages(db, clock, monkeypatch):
    from bot.services import rules

    async def no_rules(year: int | None = None) -> rules.Outcome:  # the rules have tests of their own
        return rules.Outcome()

    monkeypatch.setattr(rules, "evaluate_all", no_rules)
    configure(
        monkeypatch,
        greeting_groups=["qq:5001"],
        reminder_offsets="3d,1d,2h",
        reminder_offsets_by_type={"学习培训": "2d,30m"},
        silent_reminder_before="1d",
        birthday_greeting_time="08:30",
        holiday_greeting_time="08:00",
        briefing_weekday=1,
        briefing_time="09:00",
        scheduler_catchup_hours=24,
    )
    people, acts = await _setup(clock)
    notices = set(await OutboxMessage.all().values_list("dedupe_key", flat=True))
    # one per 委员 per activity (not the staff), one per announce group, and 乙's leave request to staff
    assert len(notices) == 3 * 4 + 2 + 1 and f"leave-request:1:{people[4].id}" in notices
    expected = _expected(people, acts)
    # activities 11 + 13 + 14, birthdays 8, festivals 6 x 2 years x 2 groups, briefings 104 weeks x 2
    assert len(expected) == 38 + 8 + 24 + 208

    start, end = local(2026, 1, 1, 0, 0), local(2027, 12, 31, 23, 59)
    steps = set()
    moment = start
    while moment <= end:
        steps.add(moment)
        moment += timedelta(hours=12)
    for due in expected.values():
        steps.update({due - timedelta(minutes=1), due})
    memory = Memory()
    dues = sorted(expected.values())
    wrong: list[str] = []
    for now in sorted(steps):
        now_utc = now.astimezone(UTC)
        clock.set(now_utc)
        await run_due(now_utc, memory)
        due_so_far = sum(1 for due in dues if due <= now)
        count = await OutboxMessage.all().count() - len(notices)
        if count != due_so_far:
            wrong.append(f"{now.isoformat()}: {count} queued, {due_so_far} due")
    assert wrong == []
    rows = await OutboxMessage.exclude(dedupe_key__in=notices).values_list("dedupe_key", "due_at")
    assert {key for key, _ in rows} == set(expected)
    assert {key: due_at for key, due_at in rows} == {k: v.astimezone(UTC) for k, v in expected.items()}
    # a final rerun of the whole last month with a fresh memory (a restart) adds nothing
    for day in range(1, 32):
        assert (await run_due(local(2027, 12, day, 10, 0).astimezone(UTC), Memory())).total == 0
    assert (await Activity.all().count()) == 3

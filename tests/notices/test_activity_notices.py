from datetime import UTC, datetime, timedelta

from bot import clock as bot_clock
from bot.delivery.recipients import GroupRecipient, MemberRecipient
from bot.services import confirmations, leave, notices
from models import Attendance, OutboxMessage, Role
from scheduler import run_due
from tests import factories
from tests.notices.helpers import configure, keys, recipient_of, row, text_of


async def _three_members():
    a = await factories.member("林建国", qq="10001")
    b = await factories.member("王秀英", qq="10002")
    c = await factories.member("陈志强", qq="10003")
    return a, b, c


async def test_creation_queues_a_notice_per_member_and_one_for_the_group(db, clock):
    a, b, c = await _three_members()
    activity = await factories.activity(title="经济形势座谈会", starts_in=timedelta(days=5), group_id="7001")
    assert await keys("notice:") == {f"notice:{activity.id}:{m.id}" for m in (a, b, c)} | {
        f"notice:{activity.id}:group"
    }
    private = await row(f"notice:{activity.id}:{a.id}")
    assert recipient_of(private) == MemberRecipient(a.id)
    assert private.kind == "activity_notice" and not private.urgent
    assert private.due_at == clock()
    text = text_of(private)
    assert "经济形势座谈会" in text and f"参加 {activity.id}" in text and f"请假 {activity.id}" in text
    assert "2026年6月6日(周六) 09:00" in text
    group = await row(f"notice:{activity.id}:group")
    assert recipient_of(group) == GroupRecipient("qq", "7001")
    assert "应到 3 人" in text_of(group)
    attendance = await Attendance.filter(activity=activity).values_list("notified_at", flat=True)
    assert set(attendance) == {clock()}


async def test_an_activity_today_is_urgent_and_without_group_there_is_no_group_notice(db, clock):
    a, _, _ = await _three_members()
    activity = await factories.activity(starts_in=timedelta(hours=5))
    assert (await row(f"notice:{activity.id}:{a.id}")).urgent
    assert not await OutboxMessage.filter(dedupe_key=f"notice:{activity.id}:group").exists()


async def test_reminders_at_each_offset_once_and_not_before(db, clock):
    a, _b, c = await _three_members()
    start = datetime(2026, 6, 10, 1, 0, tzinfo=UTC)  # 09:00 local
    activity = await factories.activity(start_at=start, group_id="7001")
    await leave.request(factories.private("10002"), str(activity.id), "外地出差")
    for moment in (start - timedelta(days=3, minutes=1), start - timedelta(days=3)):
        clock.set(moment)
        await run_due(moment)
    three_days = {f"reminder:{activity.id}:4320m:{m.id}" for m in (a, c)}  # b asked for leave
    assert await keys("reminder:") == three_days
    clock.set(start - timedelta(days=3) + timedelta(minutes=30))
    assert (await run_due(clock())).notices == 0
    reminder = await row(f"reminder:{activity.id}:4320m:{a.id}")
    assert reminder.due_at == start - timedelta(days=3)
    assert "3天后" in text_of(reminder) and f"参加 {activity.id}" in text_of(reminder)
    await confirmations.confirm(factories.private("10001"), str(activity.id))
    clock.set(start - timedelta(hours=2))
    await run_due(clock())
    two_hours = await row(f"reminder:{activity.id}:120m:{a.id}")
    assert "2小时后" in text_of(two_hours) and "您已确认出席" in text_of(two_hours)
    assert await keys(f"reminder:{activity.id}:120m:") == {
        f"reminder:{activity.id}:120m:{m.id}" for m in (a, c)
    }


async def test_one_more_reminder_to_the_silent_and_the_list_to_the_creator(db, clock):
    a, b, c = await _three_members()
    staff = await factories.member("周文清", role=Role.STAFF, qq="20001")
    other_staff = await factories.member("赵敏", role=Role.STAFF, qq="20002")
    start = datetime(2026, 6, 10, 6, 30, tzinfo=UTC)
    draft_activity = await factories.activity(start_at=start, member_ids=[a.id, b.id, c.id], audience="list")
    await draft_activity.__class__.filter(id=draft_activity.id).update(created_by=f"member:{staff.id}")
    await confirmations.confirm(factories.private("10001"), str(draft_activity.id))
    await leave.request(factories.private("10002"), str(draft_activity.id), "住院")
    due = start - timedelta(days=1)
    clock.set(due)
    await run_due(due)
    assert await keys("silent:") == {f"silent:{draft_activity.id}:{c.id}"}
    # at the same instant as the 1-day reminder, the silent member gets only the silent one
    assert await keys(f"reminder:{draft_activity.id}:1440m:") == {
        f"reminder:{draft_activity.id}:1440m:{a.id}"
    }
    assert await keys("silent-list:") == {f"silent-list:{draft_activity.id}:{staff.id}"}
    listing = await row(f"silent-list:{draft_activity.id}:{staff.id}")
    assert recipient_of(listing) == MemberRecipient(staff.id)
    assert "陈志强" in text_of(listing) and "林建国" not in text_of(listing)
    assert other_staff.id != staff.id
    silent = await row(f"silent:{draft_activity.id}:{c.id}")
    assert "还没有收到您的回复" in text_of(silent)


async def test_silent_list_goes_to_every_staff_member_when_no_member_created_it(db, clock):
    a, _, _ = await _three_members()
    s1 = await factories.member("周文清", role=Role.STAFF, qq="20001")
    s2 = await factories.member("赵敏", role=Role.ADMIN, qq="20002")
    activity = await factories.activity(starts_in=timedelta(days=3))
    clock.set(activity.start_at - timedelta(days=1))
    await run_due(clock())
    assert await keys("silent-list:") == {f"silent-list:{activity.id}:{s.id}" for s in (s1, s2)}
    assert a.id


async def test_late_created_activity_gets_no_stale_reminders(db, clock):
    await _three_members()
    activity = await factories.activity(starts_in=timedelta(hours=10))
    await run_due(clock())
    assert await keys("reminder:") == set()
    assert await keys("silent:") == set()
    clock.set(activity.start_at - timedelta(hours=2))
    await run_due(clock())
    assert len(await keys(f"reminder:{activity.id}:120m:")) == 3


async def test_offsets_per_activity_type_from_settings(db, clock, monkeypatch):
    configure(monkeypatch, reminder_offsets_by_type={"学习培训": "2d,30m"})
    a, _, _ = await _three_members()
    from models import ActivityType

    activity = await factories.activity(type=ActivityType.TRAINING, starts_in=timedelta(days=7))
    assert [t - activity.start_at for t in notices.due_times(activity)] == [
        timedelta(days=-2),
        timedelta(days=-1),
        timedelta(minutes=-30),
    ]
    clock.set(activity.start_at - timedelta(minutes=30))
    await run_due(clock())
    assert "30分钟后" in text_of(await row(f"reminder:{activity.id}:30m:{a.id}"))
    assert not await keys(f"reminder:{activity.id}:4320m:")


async def test_checkin_call_to_the_group_when_the_window_opens(db, clock):
    await _three_members()
    activity = await factories.activity(starts_in=timedelta(days=1), group_id="7001", code="1234")
    clock.set(activity.checkin_opens_at - timedelta(minutes=1))
    await run_due(clock())
    assert not await keys("checkin-open:")
    clock.set(activity.checkin_opens_at)
    await run_due(clock())
    call = await row(f"checkin-open:{activity.id}")
    assert recipient_of(call) == GroupRecipient("qq", "7001")
    text = text_of(call)
    assert f"签到 #{activity.id} 签到码" in text and "1234" not in text  # the code is shown at the venue only
    assert bot_clock.to_local(call.due_at).strftime("%H:%M") == "08:30"

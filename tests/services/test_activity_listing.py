"""活动列表 and every label of an activity's state: open for check-in now, under way, coming (with
dates in the committee's time zone), over but not closed; and where the asking member stands."""

from datetime import timedelta

from bot.render import render
from bot.services import activities, confirmations, leave
from bot.services.activity_listing import Mine, Phase, listing, phase
from tests import factories


async def test_phase_at_each_boundary(db, clock):
    await factories.member("林建国")
    meeting = await factories.activity(starts_in=timedelta(days=2), duration=timedelta(hours=2))
    start = meeting.start_at
    at = {
        start - timedelta(days=2): Phase.UPCOMING,  # the defect: this was called 进行中
        start - timedelta(minutes=31): Phase.UPCOMING,
        start - timedelta(minutes=30): Phase.CHECKIN,
        start + timedelta(minutes=30): Phase.CHECKIN,
        start + timedelta(minutes=31): Phase.UNDERWAY,
        start + timedelta(hours=2): Phase.ENDED,
    }
    assert {moment: phase(meeting, moment) for moment in at} == at
    clock.set(start + timedelta(hours=3))
    await activities.close(meeting.id, "test")
    assert phase(await activities.get(meeting.id)) == Phase.CLOSED


async def test_a_member_sees_where_they_stand_and_staff_see_what_to_close(db, clock):
    lin = await factories.member("林建国", qq="10001")
    other = await factories.member("王秀英", qq="10002")
    now_open = await factories.activity(title="全体会议", starts_in=timedelta(minutes=10), code="K7Q2")
    coming = await factories.activity(title="经济形势座谈会", starts_in=timedelta(days=2))
    leave_for = await factories.activity(title="视察", starts_in=timedelta(days=5))
    not_mine = await factories.activity(title="文史座谈", starts_in=timedelta(days=6), member_ids=[other.id],
                                        audience="list")  # fmt: skip
    await confirmations.confirm(factories.private("10001"), str(coming.id))
    await leave.request(factories.private("10001"), str(leave_for.id), "出差")
    clock.advance(minutes=5)  # 全体会议 starts in 5 minutes: its check-in is open
    seen = await listing(lin)
    assert [(e.activity.id, e.mine) for e in seen.checkin] == [(now_open.id, Mine.SILENT)]
    assert [(e.activity.id, e.mine) for e in seen.upcoming] == [
        (coming.id, Mine.CONFIRMED),
        (leave_for.id, Mine.LEAVE_PENDING),
        (not_mine.id, Mine.NOT_EXPECTED),
    ]
    text = render("activity/list.j2", listing=seen)
    assert text.index("【现在可以签到】") < text.index("全体会议") < text.index("【即将举行】")
    assert "#2 经济形势座谈会（全体会议）\n   6月3日(周三) 09:00 · 区政协会议室" in text
    assert "签到 6月3日(周三) 08:30 开始；您已确认出席" in text
    assert "凭现场签到码；您尚未签到" in text and "您不在本活动应到名单中" in text
    clock.advance(days=1)  # 全体会议 is over and nobody closed it
    assert (await listing(lin)).checkin == [] and not (await listing(lin)).ended  # members: nothing to do
    staff_view = await listing(None, for_staff=True)
    assert [e.activity.id for e in staff_view.ended] == [now_open.id]
    assert "【已结束、尚未结束考勤】" in render("activity/list.j2", listing=staff_view)
    assert "近期没有未结束的活动" not in render("activity/list.j2", listing=staff_view)


async def test_sheets_say_where_the_activity_stands(db, clock):
    await factories.member("林建国")
    meeting = await factories.activity(starts_in=timedelta(days=2))
    assert "考勤（未开始，应到 1 人）" in render(
        "activity/sheet.j2", sheet=await activities.attendance_sheet(meeting.id)
    )
    clock.advance(days=2)
    sheet = await confirmations.build_sheet(await activities.get(meeting.id))
    assert render("notices/confirm_list.j2", sheet=sheet).splitlines()[0].endswith("（签到中）")

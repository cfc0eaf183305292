import asyncio
from datetime import timedelta

import pytest

from bot.services import activities, checkin
from bot.services.errors import ServiceError
from models import Attendance, AttendanceStatus, Audience
from tests import factories


async def _status(activity_id: int, member_id: int) -> AttendanceStatus:
    return (await Attendance.get(activity_id=activity_id, member_id=member_id)).status


async def test_check_in_inside_window_then_duplicate(db, clock):
    member = await factories.member(qq="10001")
    activity = await factories.activity(starts_in=timedelta(minutes=10))
    result = await checkin.check_in(factories.group("10001"), "")
    assert result.status == AttendanceStatus.PRESENT and result.activity.id == activity.id
    clock.advance(minutes=3)
    with pytest.raises(ServiceError) as again:
        await checkin.check_in(factories.private("10001"), "")
    assert again.value.template == "checkin/already.j2"
    assert "09:00" in again.value.render()  # when they checked in, local time
    assert await _status(activity.id, member.id) == AttendanceStatus.PRESENT
    assert await Attendance.filter(member=member).count() == 1


async def test_late_after_start(db, clock):
    member = await factories.member(qq="10001")
    activity = await factories.activity(starts_in=timedelta(minutes=-5))
    result = await checkin.check_in(factories.private("10001"), "")
    assert result.status == AttendanceStatus.LATE
    assert await _status(activity.id, member.id) == AttendanceStatus.LATE


async def test_outside_window_writes_nothing(db, clock, settings):
    member = await factories.member(qq="10001")
    activity = await factories.activity(starts_in=timedelta(hours=3))
    with pytest.raises(ServiceError) as early:
        await checkin.check_in(factories.private("10001"), "")
    assert early.value.template == "checkin/none_open.j2"
    assert "开放签到" in early.value.render()
    clock.advance(hours=3, minutes=settings.checkin_closes_after_minutes + 1)
    with pytest.raises(ServiceError) as late:
        await checkin.check_in(factories.private("10001"), "")
    assert "截止" in late.value.render()
    assert await _status(activity.id, member.id) == AttendanceStatus.PENDING


async def test_code_required_and_checked(db, clock):
    member = await factories.member(qq="10001")
    activity = await factories.activity(code="H7K2")
    with pytest.raises(ServiceError) as missing:
        await checkin.check_in(factories.private("10001"), "")
    assert missing.value.template == "checkin/code_required.j2"
    with pytest.raises(ServiceError) as wrong:
        await checkin.check_in(factories.private("10001"), "0000")
    assert wrong.value.template == "checkin/wrong_code.j2"
    assert await _status(activity.id, member.id) == AttendanceStatus.PENDING
    assert (await checkin.check_in(factories.private("10001"), "h7k2")).status == AttendanceStatus.PRESENT


async def test_not_expected_and_not_bound(db, clock):
    await factories.member("甲", qq="10001", committees=("经济委",))
    await factories.member("乙", qq="10002", committees=("文史委",))
    await factories.activity(audience=Audience.COMMITTEE, audience_value="经济委")
    with pytest.raises(ServiceError) as outsider:
        await checkin.check_in(factories.private("10002"), "")
    assert outsider.value.template == "checkin/not_expected.j2"
    with pytest.raises(ServiceError) as stranger:
        await checkin.check_in(factories.private("55555"), "")
    assert stranger.value.template == "common/not_bound.j2"
    assert "绑定" in stranger.value.render()
    assert await Attendance.filter(status__not=AttendanceStatus.PENDING).count() == 0


async def test_two_simultaneous_check_ins_leave_one_row(db, clock):
    member = await factories.member(qq="10001")
    activity = await factories.activity()
    results = await asyncio.gather(
        *(checkin.check_in(factories.private("10001"), "") for _ in range(5)), return_exceptions=True
    )
    successes = [r for r in results if not isinstance(r, Exception)]
    refusals = [r for r in results if isinstance(r, ServiceError)]
    assert len(successes) == 1 and len(refusals) == 4
    assert all(r.template == "checkin/already.j2" for r in refusals)
    rows = await Attendance.filter(activity=activity, member=member)
    assert len(rows) == 1 and rows[0].status == AttendanceStatus.PRESENT


async def test_several_open_activities_ask_which(db, clock):
    await factories.member(qq="10001")
    first = await factories.activity(title="甲会", group_id="7001")
    second = await factories.activity(title="乙会", group_id="7002")
    with pytest.raises(ServiceError) as which:
        await checkin.check_in(factories.private("10001"), "")
    assert which.value.template == "checkin/which_one.j2"
    assert f"#{first.id}" in which.value.render() and f"#{second.id}" in which.value.render()
    # in a group the activity announced there is meant
    assert (await checkin.check_in(factories.group("10001", "7002"), "")).activity.id == second.id
    assert (await checkin.check_in(factories.private("10001"), f"#{first.id}")).activity.id == first.id


async def test_close_marks_pending_absent(db, clock):
    present = await factories.member("到", qq="10001")
    absent = await factories.member("缺", qq="10002")
    activity = await factories.activity()
    await checkin.check_in(factories.private("10001"), "")
    sheet = await activities.close(activity.id, "member:1")
    assert sheet.by_status[AttendanceStatus.ABSENT] == ["缺"]
    assert sheet.by_status[AttendanceStatus.PRESENT] == ["到"]
    assert await _status(activity.id, absent.id) == AttendanceStatus.ABSENT
    assert await _status(activity.id, present.id) == AttendanceStatus.PRESENT
    with pytest.raises(ServiceError) as twice:
        await activities.close(activity.id, "member:1")
    assert twice.value.template == "activity/already_closed.j2"
    with pytest.raises(ServiceError):
        await checkin.check_in(factories.private("10002"), "")


async def test_audiences(db, clock):
    a = await factories.member("甲", sector="教育界", committees=("提案委",))
    b = await factories.member("乙", sector="经济界", committees=("提案委", "经济委"))
    c = await factories.member("丙", sector="经济界")
    draft = activities.ActivityDraft(audience=Audience.COMMITTEE, audience_value="提案委")
    assert await activities.expected_member_ids(draft) == [a.id, b.id]
    draft = activities.ActivityDraft(audience=Audience.SECTOR, audience_value="经济界")
    assert await activities.expected_member_ids(draft) == [b.id, c.id]
    draft = activities.ActivityDraft(audience=Audience.LIST, member_ids=[c.id, a.id])
    assert await activities.expected_member_ids(draft) == [a.id, c.id]
    with pytest.raises(ServiceError) as nobody:
        await factories.activity(audience=Audience.COMMITTEE, audience_value="无此委")
    assert nobody.value.template == "activity/nobody_expected.j2"

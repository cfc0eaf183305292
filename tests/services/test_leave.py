from datetime import timedelta

import pytest

from bot.delivery import recipients
from bot.render import render
from bot.services import activities, leave
from bot.services.actors import resolve
from bot.services.errors import ServiceError
from models import Attendance, AttendanceStatus, LeaveRequest, LeaveStatus, OutboxMessage, Role
from tests import factories


async def _staff():
    await factories.member("周文清", role=Role.STAFF, qq="20001")
    return await resolve(factories.private("20001"))


async def test_request_and_approve_tells_the_member(db, clock):
    member = await factories.member(qq="10001")
    activity = await factories.activity(starts_in=timedelta(days=2))
    request = await leave.request(factories.private("10001"), str(activity.id), "出差在外")
    assert request.status == LeaveStatus.PENDING
    staff = await _staff()
    decided = await leave.decide(staff, str(request.id), approve=True)
    assert decided.status == LeaveStatus.APPROVED
    row = await Attendance.get(activity=activity, member=member)
    assert row.status == AttendanceStatus.LEAVE
    stored = await LeaveRequest.get(id=request.id)
    assert stored.decided_by == staff.label and stored.decided_at is not None
    notice = await OutboxMessage.get(dedupe_key=f"leave-decision:{request.id}")
    assert recipients.load(notice.recipient) == recipients.MemberRecipient(member.id)
    text = render(notice.template, **notice.context)
    assert "已批准" in text and activity.title in text


async def test_refuse_needs_reason_and_keeps_pending_attendance(db, clock):
    member = await factories.member(qq="10001")
    activity = await factories.activity(starts_in=timedelta(days=2))
    request = await leave.request(factories.private("10001"), f"#{activity.id}", "家中有事")
    staff = await _staff()
    with pytest.raises(ServiceError) as no_reason:
        await leave.decide(staff, str(request.id), approve=False)
    assert no_reason.value.template == "leave/refuse_needs_reason.j2"
    assert (await LeaveRequest.get(id=request.id)).status == LeaveStatus.PENDING
    await leave.decide(staff, str(request.id), approve=False, reason="本次会议为换届选举，须本人到会")
    assert (await Attendance.get(activity=activity, member=member)).status == AttendanceStatus.PENDING
    notice = await OutboxMessage.get(dedupe_key=f"leave-decision:{request.id}")
    assert "换届选举" in render(notice.template, **notice.context)
    with pytest.raises(ServiceError) as again:
        await leave.decide(staff, str(request.id), approve=True)
    assert again.value.template == "leave/already_decided.j2"


async def test_leave_refused_after_start_duplicate_or_not_expected(db, clock):
    await factories.member("甲", qq="10001", committees=("经济委",))
    await factories.member("乙", qq="10002")
    started = await factories.activity(starts_in=timedelta(minutes=-1))
    with pytest.raises(ServiceError) as late:
        await leave.request(factories.private("10001"), str(started.id), "堵车")
    assert late.value.template == "leave/too_late.j2"
    later = await factories.activity(
        starts_in=timedelta(days=1), audience=activities.Audience.COMMITTEE, audience_value="经济委"
    )
    with pytest.raises(ServiceError) as outsider:
        await leave.request(factories.private("10002"), str(later.id), "有事")
    assert outsider.value.template == "leave/not_expected.j2"
    await leave.request(factories.private("10001"), str(later.id), "有事")
    with pytest.raises(ServiceError) as duplicate:
        await leave.request(factories.private("10001"), str(later.id), "还是有事")
    assert duplicate.value.template == "leave/duplicate.j2"
    with pytest.raises(ServiceError) as empty:
        await leave.request(factories.private("10001"), str(later.id), "  ")
    assert empty.value.template == "leave/usage.j2"
    with pytest.raises(ServiceError) as bad_number:
        await leave.request(factories.private("10001"), "明天", "有事")
    assert bad_number.value.template == "common/bad_number.j2"
    assert await LeaveRequest.all().count() == 1


async def test_creator_is_told_of_a_request_and_unanswered_requests_expire_at_close(db, clock):
    from bot.services.actors import resolve

    staff_member = await factories.member("周文清", role=Role.STAFF, qq="20001")
    member = await factories.member("林建国", qq="10001")
    staff = await resolve(factories.private("20001"))
    draft = activities.ActivityDraft(
        type=activities.ActivityType.PLENARY,
        title="协商会",
        start_at=clock.current + timedelta(days=1),
        end_at=clock.current + timedelta(days=1, hours=2),
    )
    activity, _ = await activities.create(draft, staff.label)
    request = await leave.request(factories.private("10001"), str(activity.id), "外出学习")
    notice = await OutboxMessage.get(dedupe_key=f"leave-request:{request.id}:{staff_member.id}")
    assert recipients.load(notice.recipient) == recipients.MemberRecipient(staff_member.id)
    text = render(notice.template, **notice.context)
    assert "林建国" in text and "外出学习" in text and f"批准 {request.id}" in text

    await activities.close(activity.id, staff.label)
    assert (await LeaveRequest.get(id=request.id)).status == LeaveStatus.REFUSED
    expired = await OutboxMessage.get(dedupe_key=f"leave-expired:{request.id}")
    assert recipients.load(expired.recipient) == recipients.MemberRecipient(member.id)
    assert "未获审批" in render(expired.template, **expired.context)

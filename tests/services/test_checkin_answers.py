"""签到 answers the right question: membership before the code, and caches never make it wrong."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.render import fmt_datetime
from bot.services import activities, actors, checkin
from bot.services.errors import ServiceError
from models import Attendance, AttendanceStatus, Audience, Identity, Member, Role
from tests import factories


async def _refusal(sender, args: str = "") -> ServiceError:
    with pytest.raises(ServiceError) as refused:
        await checkin.check_in(sender, args)
    return refused.value


async def _pending_everywhere() -> bool:
    return not await Attendance.filter(status__not=AttendanceStatus.PENDING).exists()


async def test_not_on_the_open_activitys_list_is_told_so_and_when_their_own_opens(db, clock):
    outsider = await factories.member("陈晓梅", qq="10002", committees=("文史委",))
    await factories.member("林建国", qq="10001", committees=("经济委",))
    open_now = await factories.activity(
        title="经济委座谈会",
        code="K7Q2",
        audience=Audience.COMMITTEE,
        audience_value="经济委",
        group_id="7001",
    )
    theirs = await factories.activity(
        title="文史资料征集会",
        audience=Audience.COMMITTEE,
        audience_value="文史委",
        starts_in=timedelta(days=2),
    )
    for sender, args in [
        (factories.private("10002"), ""),
        (factories.private("10002"), "0000"),  # a wrong code never makes it a code question
        (factories.group("10002", "7001"), "K7Q2"),  # nor does the right code of another's activity
        (factories.private("10002"), f"#{open_now.id}"),
        (factories.private("10002"), f"#{open_now.id} K7Q2"),
    ]:
        refusal = await _refusal(sender, args)
        assert refusal.template == "checkin/not_expected.j2", (args, refusal.template)
        text = refusal.render()
        assert f"#{open_now.id}" in text and "参加名单" in text
        assert f"#{theirs.id}" in text and fmt_datetime(theirs.checkin_opens_at, "short") in text
        assert "签到码" not in text
    assert await _pending_everywhere()
    assert outsider.id not in await Attendance.filter(activity=open_now).values_list("member_id", flat=True)


async def test_a_wrong_code_names_only_an_activity_the_member_is_expected_at(db, clock):
    await factories.member("林建国", qq="10001", committees=("经济委",))
    await factories.member("陈晓梅", qq="10002", committees=("文史委",))
    await factories.activity(
        title="全体委员学习会", code="AAAA", audience=Audience.COMMITTEE, audience_value="文史委"
    )
    mine = await factories.activity(
        title="经济委座谈会", code="K7Q2", audience=Audience.COMMITTEE, audience_value="经济委"
    )
    wrong = await _refusal(factories.private("10001"), "AAAA")
    assert wrong.template == "checkin/wrong_code.j2" and wrong.context["activity"].id == mine.id
    assert (await checkin.check_in(factories.private("10001"), "k7q2")).activity.id == mine.id


async def test_an_activity_the_cache_does_not_know_yet_is_checked_in(db, clock):
    """Another process (the operator CLI) created the activity after this process cached the list."""
    await factories.member("林建国", qq="10001")
    await factories.member("陈晓梅", qq="10002")
    first = await factories.activity(title="上午的会", code="AAAA")
    stale = await activities.open_activities()
    second = await factories.activity(title="临时加开的会", code="K7Q2")
    activities._open_cache.put("open", stale)  # as another process would leave this one's cache
    assert [a.id for a in await activities.open_activities()] == [first.id]
    result = await checkin.check_in(factories.private("10001"), "K7Q2")
    assert result.activity.id == second.id and result.status == AttendanceStatus.PRESENT
    # an activity closed by another process, still in this one's cache, is not checked in to
    await activities.close(first.id, "cli")
    activities._open_cache.put("open", stale)
    late = await factories.member("王立群", qq="10003")
    await Attendance.create(activity=first, member=late, status=AttendanceStatus.LEAVE)
    refusal = await _refusal(factories.private("10003"), "AAAA")
    assert refusal.template == "checkin/not_expected.j2" and refusal.context["activity"].id == second.id
    assert (await Attendance.get(activity=first, member=late)).status == AttendanceStatus.LEAVE


async def test_an_account_bound_or_promoted_elsewhere_is_recognised_at_once(db, clock):
    member = await factories.member("林建国")
    sender = factories.private("10001")
    with pytest.raises(ServiceError) as unbound:
        await actors.require_member(sender)
    assert unbound.value.template == "common/not_bound.j2"
    await Identity.create(member=member, platform="qq", account_id="10001")  # bound by another process
    assert (await actors.require_member(sender)).id == member.id
    with pytest.raises(ServiceError) as refused:
        await actors.require_staff(sender, private_only=True)
    assert refused.value.template == "common/staff_only.j2"
    await Member.filter(id=member.id).update(role=Role.STAFF)  # a roster import in another process
    assert (await actors.require_staff(sender, private_only=True)).is_staff

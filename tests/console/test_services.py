"""The services the console added: roster preview, activity edit, roster search and role changes."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.services import activity_edit, console_auth, members, roster
from bot.services.actors import Actor
from bot.services.errors import ServiceError
from models import Attendance, Audience, LeaveRequest, Member, OutboxMessage, Role
from tests import factories


async def test_roster_preview_shows_bad_lines_or_the_difference_and_writes_nothing(db):
    await factories.member("林建国", phone="13800000002", sector="经济界")
    await factories.member("陈晓梅", phone="13800000003", sector="教育界")
    bad = await roster.preview_rows(
        [
            {"姓名": "李明", "手机": "1380000"},
            {"姓名": "", "手机": "13800000009"},
            {"姓名": "王五", "角色": "主任"},
        ]
    )
    assert [line.split("：")[0] for line in bad.errors] == ["第 2 行", "第 3 行", "第 4 行"]
    rows = [
        {"姓名": "林建国", "手机": "13800000002", "界别": "经济界"},
        {"姓名": "陈晓梅", "手机": "13800000003", "界别": "科技界", "专委会": "经济委"},
        {"姓名": "李明", "手机": "13900000001"},
    ]
    preview = await roster.preview_rows(rows)
    assert preview.unchanged == 1
    assert [row.name for row in preview.new] == ["李明"]
    assert [(row.name, labels) for row, labels in preview.changed] == [("陈晓梅", ["专委会", "界别"])]
    assert await Member.all().count() == 2


async def test_editing_an_activity_moves_its_audience_and_tells_who_is_concerned(db, clock):
    a = await factories.member("甲", sector="经济界", qq="1")
    b = await factories.member("乙", sector="经济界", qq="2")
    c = await factories.member("丙", sector="教育界", qq="3")
    d = await factories.member("丁", sector="教育界", qq="4")
    activity = await factories.activity(
        starts_in=timedelta(days=1), audience=Audience.SECTOR, audience_value="经济界"
    )
    await Attendance.filter(activity_id=activity.id, member_id=b.id).update(response="attend")
    draft = activity_edit.draft_of(activity, [])
    draft.audience_value = "教育界"
    draft.start_at = activity.start_at + timedelta(hours=1)
    draft.end_at = activity.end_at + timedelta(hours=1)
    edited = await activity_edit.update(activity.id, draft, "member:9")
    assert (edited.added, edited.removed, edited.kept) == (2, 1, 1)
    expected = set(await Attendance.filter(activity_id=activity.id).values_list("member_id", flat=True))
    assert expected == {b.id, c.id, d.id}  # 乙 had confirmed: kept on the sheet
    assert edited.activity.checkin_opens_at == draft.start_at - timedelta(minutes=30)
    keys = set(await OutboxMessage.all().values_list("dedupe_key", flat=True))
    assert f"notice:{activity.id}:{c.id}" in keys and f"notice:{activity.id}:{d.id}" in keys
    changed = [k for k in keys if k.startswith(f"activity-changed:{activity.id}:")]
    assert {k.rsplit(":", 1)[1] for k in changed} == {str(a.id), str(b.id)}  # 甲 dropped, 乙 moved
    with pytest.raises(ServiceError):
        draft.audience_value = "不存在的界别"
        await activity_edit.update(activity.id, draft, "member:9")


async def test_an_activity_with_a_leave_keeps_that_member_and_a_closed_one_cannot_change(db, clock):
    from bot.services import activities

    a = await factories.member("甲", sector="经济界")
    await factories.member("乙", sector="教育界")
    activity = await factories.activity(
        starts_in=timedelta(days=1), audience=Audience.SECTOR, audience_value="经济界"
    )
    await LeaveRequest.create(activity_id=activity.id, member_id=a.id, reason="出差")
    draft = activity_edit.draft_of(activity, [])
    draft.audience_value = "教育界"
    edited = await activity_edit.update(activity.id, draft, "member:9")
    assert (edited.removed, edited.kept) == (0, 1)
    await activities.close(activity.id, "member:9")
    with pytest.raises(ServiceError) as closed:
        await activity_edit.update(activity.id, draft, "member:9")
    assert closed.value.template == "activity/already_closed.j2"


async def test_roster_search_and_filters(db):
    await factories.member("林建国", phone="13800000002", sector="经济界", committees=("经济委",), qq="1")
    await factories.member("林小雨", phone="13900000003", sector="教育界", committees=("文史委",))
    await factories.member("陈晓梅", sector="教育界", committees=("经济委", "文史委"), qq="3")
    names = lambda page: [m.name for m in page.members]  # noqa: E731
    assert names(await members.search(members.RosterFilter("林"))) == ["林建国", "林小雨"]
    assert names(await members.search(members.RosterFilter("1390"))) == ["林小雨"]
    assert names(await members.search(members.RosterFilter(committee="经济委"))) == ["林建国", "陈晓梅"]
    assert names(await members.search(members.RosterFilter(sector="教育界", binding="bound"))) == ["陈晓梅"]
    found = await members.search(members.RosterFilter(binding="unbound"))
    assert names(found) == ["林小雨"] and found.committees[found.members[0].id] == ["文史委"]


async def test_only_admins_change_roles_and_demotion_ends_sessions(db, clock):
    admin = await factories.member("周文清", role=Role.ADMIN)
    staff = await factories.member("王海", role=Role.STAFF)
    signed = await console_auth.redeem((await console_auth.issue_link(staff, "qq")).url.rsplit("/", 1)[1])
    as_staff = Actor(sender=console_auth.web_sender(staff.id), member=staff)
    as_admin = Actor(sender=console_auth.web_sender(admin.id), member=admin)
    with pytest.raises(ServiceError):
        await members.set_role(as_staff, admin.id, Role.MEMBER)
    with pytest.raises(ServiceError):
        await members.set_role(as_admin, admin.id, Role.STAFF)
    await members.set_role(as_admin, staff.id, Role.MEMBER)
    assert (await Member.get(id=staff.id)).role == Role.MEMBER
    assert await console_auth.authenticate(signed.cookie) is None


async def test_a_member_made_staff_on_the_web_is_no_longer_expected(db, clock):
    admin = await factories.member("周文清", role=Role.ADMIN)
    member = await factories.member("林建国")
    activity = await factories.activity(starts_in=timedelta(days=1))
    assert await Attendance.filter(activity_id=activity.id, member_id=member.id).exists()
    as_admin = Actor(sender=console_auth.web_sender(admin.id), member=admin)
    await members.set_role(as_admin, member.id, Role.STAFF)
    assert not await Attendance.filter(activity_id=activity.id, member_id=member.id).exists()

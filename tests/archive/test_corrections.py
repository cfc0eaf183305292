"""Corrections after the fact: a closed activity's attendance changed by staff, with a reason,
audited, and the rules evaluated again for that member at once."""

from __future__ import annotations

import pytest
from nonebug import App

from bot.cli import history
from bot.render import render
from bot.sender import Sender
from bot.services import corrections, review, rules
from bot.services.actors import Actor
from bot.services.errors import ServiceError
from models import (
    ActivityType,
    Attendance,
    AttendanceCorrection,
    AttendanceStatus,
    AuditEntry,
    Consequence,
    ConsequenceStatus,
    OutboxMessage,
    Role,
)
from tests import factories
from tests.archive import helpers
from tests.qq_events import ReplyWith, exchange, private_event

STAFF_QQ = "5000"


async def _status(activity_id: int, member_id: int) -> AttendanceStatus:
    return (await Attendance.get(activity_id=activity_id, member_id=member_id)).status


async def test_absence_corrected_to_leave_withdraws_the_draft_and_stops_counting(app: App, db, clock):
    staff = await factories.member("值班员", role=Role.STAFF, qq=STAFF_QQ)
    member = await factories.member("林建国")
    first = await helpers.hold(ActivityType.PLENARY, absent=[member], title="全体委员会议")
    [draft] = await Consequence.filter(member_id=member.id)
    assert draft.rule == "absence-criticism"

    await exchange(
        app,
        (
            private_event(STAFF_QQ, f"更正考勤 {first} 林建国 请假 已补办请假手续"),
            ReplyWith(
                "已更正：林建国",
                "由“缺席”改为“请假”（原因：已补办请假手续）",
                f"处理草稿 #{draft.id}（通报批评）不再达到处理标准，已撤回",
            ),
        ),
    )
    assert await _status(first, member.id) == AttendanceStatus.LEAVE
    assert not await Consequence.filter(id=draft.id).exists()  # a draft: nothing reached the member
    [correction] = await AttendanceCorrection.all()
    assert (correction.old_status, correction.new_status, correction.reason, correction.corrected_by) == (
        AttendanceStatus.ABSENT,
        AttendanceStatus.LEAVE,
        "已补办请假手续",
        f"member:{staff.id}",
    )
    audit = await AuditEntry.filter(target_member_id=member.id).values_list("action", flat=True)
    assert list(audit) == ["attendance_correct", "consequence_withdraw"]
    note = await OutboxMessage.get(dedupe_key__startswith=f"consequence-withdrawn:{draft.id}:")
    assert "更正后不再达到处理标准，该草稿已撤回" in render(note.template, **note.context)

    # the corrected absence no longer counts: the next plenary absence is the first (通报批评 again,
    # drafted anew), not the second (劝辞 over the term)
    await helpers.hold(ActivityType.PLENARY, absent=[member])
    assert set(await Consequence.filter(member_id=member.id).values_list("rule", "count")) == {
        ("absence-criticism", 1)
    }


async def test_present_to_absent_drafts_at_once_and_late_to_present_changes_nothing_else(db, clock):
    await factories.member("值班员", role=Role.STAFF, qq=STAFF_QQ)
    came, late = await factories.member("甲"), await factories.member("乙")
    plenary = await helpers.hold(ActivityType.PLENARY, present=[came], late=[late])
    assert not await Consequence.all().exists()
    office = history.OPERATOR

    text = await history.correct_attendance(plenary, "甲", "缺席", "签到系代签，本人未到会")
    [drafted] = await Consequence.all()
    assert (drafted.rule, drafted.member_id) == ("absence-criticism", came.id)
    assert f"新增处理草稿 #{drafted.id}（通报批评）" in text
    fixed = await corrections.correct(office, str(plenary), "乙", "出席", "会议推迟开始，不算迟到")
    assert (fixed.old_label, fixed.new_label, fixed.drafted, fixed.withdrawn) == ("迟到", "出席", [], [])
    assert await _status(plenary, late.id) == AttendanceStatus.PRESENT
    assert await AuditEntry.filter(action="attendance_correct", actor="cli").count() == 2


async def test_a_confirmed_consequence_is_reported_not_undone(db, clock):
    staff = await factories.member("值班员", role=Role.STAFF, qq=STAFF_QQ)
    member = await factories.member("林建国")
    plenary = await helpers.hold(ActivityType.PLENARY, absent=[member])
    [draft] = await Consequence.all()
    actor = Actor(Sender("qq", STAFF_QQ), staff)
    await review.confirm(actor, str(draft.id))
    fixed = await corrections.correct(actor, plenary, "林建国", "请假", "已补办请假手续")
    assert [c.id for c in fixed.no_longer_held] == [draft.id]
    assert (await Consequence.get(id=draft.id)).status == ConsequenceStatus.CONFIRMED
    assert "已确认的处理" in render("correction/done.j2", c=fixed, labels=rules.CONSEQUENCE_LABELS)


async def test_refusals_change_nothing(db, clock):
    staff = await factories.member("值班员", role=Role.STAFF, qq=STAFF_QQ)
    member = await factories.member("林建国")
    actor = Actor(Sender("qq", STAFF_QQ), staff)
    still_open = await factories.activity(title="尚未结束")
    closed = await helpers.hold(ActivityType.PLENARY, absent=[member])
    cases = [
        ((still_open.id, "林建国", "请假", "补办"), "correction/not_closed.j2"),
        ((closed, "林建国", "早退", "补办"), "correction/bad_status.j2"),
        ((closed, "林建国", "请假", "  "), "correction/needs_reason.j2"),
        ((closed, "林建国", "缺席", "核对"), "correction/unchanged.j2"),
        ((closed, "值班员", "出席", "核对"), "correction/not_expected.j2"),
    ]
    for args, template in cases:
        with pytest.raises(ServiceError) as refused:
            await corrections.correct(actor, *args)
        assert refused.value.template == template
    assert await _status(closed, member.id) == AttendanceStatus.ABSENT
    assert not await AttendanceCorrection.all().exists()
    assert await Consequence.all().count() == 1


async def test_the_web_console_corrects_through_the_same_service(db, clock):
    from tests.support.console_client import signed_in

    staff = await factories.member("值班员", role=Role.STAFF, qq=STAFF_QQ)
    member = await factories.member("林建国")
    plenary = await helpers.hold(ActivityType.PLENARY, absent=[member])
    [draft] = await Consequence.all()
    form = {"member": str(member.id), "status": "leave", "reason": "已补办请假手续"}
    async with signed_in(staff) as client:
        page = await client.http.get(f"/console/activities/{plenary}")
        assert 'id="correct-attendance"' in page.text and "林建国（现为缺席）" in page.text
        assert 'name="csrf_token"' in page.text.split('id="attendance-correction"')[1]
        forged = await client.http.post(f"/console/activities/{plenary}/correct", data=form)
        assert forged.status_code == 403  # without the session's CSRF token nothing happens
        assert await _status(plenary, member.id) == AttendanceStatus.ABSENT
        posted = await client.post_form(f"/console/activities/{plenary}/correct", form)
        assert posted.status_code == 303, posted.text
        shown = await client.http.get(posted.headers["location"])
    assert (
        "由“缺席”改为“请假”" in shown.text
        and f"处理草稿 #{draft.id}（通报批评）不再达到处理标准" in shown.text
    )
    assert await _status(plenary, member.id) == AttendanceStatus.LEAVE
    assert not await Consequence.filter(id=draft.id).exists()
    audit = await AuditEntry.filter(action="attendance_correct").values_list("actor", "target_member_id")
    assert list(audit) == [(f"member:{staff.id}", member.id)]  # one entry, as from chat


async def test_dismissing_an_attendance_draft_says_how_to_stop_the_absence_counting(app: App, db, clock):
    await factories.member("值班员", role=Role.STAFF, qq=STAFF_QQ)
    member = await factories.member("林建国")
    await helpers.hold(ActivityType.PLENARY, absent=[member])
    [draft] = await Consequence.all()
    await exchange(
        app,
        (
            private_event(STAFF_QQ, f"撤销 {draft.id} 已补办请假手续"),
            ReplyWith("已撤销处理", "所涉缺席仍计入后续处理", "更正考勤 活动编号 林建国 请假 原因"),
        ),
    )

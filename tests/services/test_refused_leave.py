"""A refused leave is no leave anywhere: the member is expected, reminded, listed as such and, without
a check-in, absent; only pending or approved requests count as leave."""

from datetime import timedelta

from bot.render import render
from bot.services import activities, assessment, confirmations, leave
from bot.services.actors import resolve
from models import Attendance, AttendanceStatus, Role
from scheduler import run_due
from tests import factories
from tests.notices.helpers import configure, keys


async def _setup():
    await factories.member("周文清", role=Role.STAFF, qq="20001")
    lin = await factories.member("林建国", qq="10001")
    wang = await factories.member("王秀英", qq="10002")
    chen = await factories.member("陈志强", qq="10003")
    activity = await factories.activity(title="常委会议", starts_in=timedelta(days=3))
    staff = await resolve(factories.private("20001"))
    refused = await leave.request(factories.private("10001"), str(activity.id), "单位加班")
    await leave.decide(staff, str(refused.id), approve=False, reason="本次会议审议重要事项")
    approved = await leave.request(factories.private("10002"), str(activity.id), "住院治疗")
    await leave.decide(staff, str(approved.id), approve=True)
    return activity, lin, wang, chen


async def test_the_confirmation_list_counts_a_refused_leave_as_no_leave(db, clock):
    activity, *_ = await _setup()
    sheet = await confirmations.build_sheet(activity)
    assert [line.name for line in sheet.leave] == ["王秀英"]
    assert sheet.silent == ["林建国", "陈志强"] and sheet.expected == 3
    assert [(line.name, line.reason) for line in sheet.refused] == [("林建国", "本次会议审议重要事项")]
    text = render("notices/confirm_list.j2", sheet=sheet)
    assert "请假 1 · 未回复 2" in text and "林建国（已驳回）" not in text
    assert "请假未获批准（须按时出席，已计入上面各栏）：林建国（本次会议审议重要事项）" in text
    # the refused member may confirm after all, and is then listed as coming
    await confirmations.confirm(factories.private("10001"), str(activity.id))
    sheet = await confirmations.build_sheet(activity)
    assert sheet.confirmed == ["林建国"] and sheet.silent == ["陈志强"]


async def test_a_refused_member_is_reminded_and_named_to_staff_as_silent(db, clock, monkeypatch):
    configure(monkeypatch, reminder_offsets="2d", silent_reminder_before="1d")
    activity, lin, wang, chen = await _setup()
    clock.advance(days=1)
    await run_due(clock())
    assert await keys(f"reminder:{activity.id}:") == {
        f"reminder:{activity.id}:2880m:{m.id}" for m in (lin, chen)
    }
    clock.advance(days=1)
    await run_due(clock())
    assert await keys(f"silent:{activity.id}:") == {f"silent:{activity.id}:{m.id}" for m in (lin, chen)}
    assert wang.id  # approved leave: neither reminded nor silent


async def test_without_a_check_in_a_refused_member_is_absent_not_on_leave(db, clock):
    activity, lin, wang, _ = await _setup()
    clock.advance(days=3, minutes=10)
    await activities.close(activity.id, "test")
    statuses = dict(await Attendance.filter(activity=activity).values_list("member_id", "status"))
    assert statuses[lin.id] == AttendanceStatus.ABSENT and statuses[wang.id] == AttendanceStatus.LEAVE
    standing = (await assessment.assess(clock().year)).of(lin.id)
    assert standing is not None
    assert (
        standing.attendance[("全体会议", "absent")] == 1 and standing.attendance[("全体会议", "leave")] == 0
    )


async def test_through_chat_a_refused_leave_is_not_counted_as_leave(app, db, clock):
    """As staff use it: 请假 by two members, 驳回 one and 批准 the other in chat, then 确认名单."""
    from nonebot.adapters.onebot.v11 import Bot

    from tests.qq_events import ReplyWith, private_event

    async def say(qq: str, text: str, *fragments: str, absent: tuple[str, ...] = ()) -> None:
        async with app.test_matcher() as ctx:
            bot = ctx.create_bot(base=Bot)
            event = private_event(qq, text)
            ctx.receive_event(bot, event)
            ctx.should_call_send(event, ReplyWith(*fragments, absent=absent), result={"message_id": 1})

    await factories.member("周文清", role=Role.STAFF, qq="20001")
    for name, qq in (("林建国", "10001"), ("王秀英", "10002"), ("陈志强", "10003")):
        await factories.member(name, qq=qq)
    activity = await factories.activity(title="常委会议", starts_in=timedelta(days=3))
    await say("10001", f"请假 {activity.id} 单位加班", "请假申请已提交（编号 1）")
    await say("10002", f"请假 {activity.id} 住院治疗", "请假申请已提交（编号 2）")
    await say("20001", "驳回 1 本次会议审议重要事项", "已驳回")
    await say("20001", "批准 2", "已批准")
    await say(
        "20001",
        f"确认名单 {activity.id}",
        "应到 3 人：确认出席 0 · 请假 1 · 未回复 2",
        "王秀英（已批准）：住院治疗",
        "未回复：林建国、陈志强",
        "请假未获批准（须按时出席，已计入上面各栏）：林建国（本次会议审议重要事项）",
        absent=("请假 2", "林建国（已驳回）"),
    )

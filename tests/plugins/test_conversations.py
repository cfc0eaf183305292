"""Guided forms (社情民意, 新建活动, 通知 …) as people really use them: they walk away from a form
and type something else, send 确认 and 取消 in one breath, or send two messages at once."""

from __future__ import annotations

import asyncio

from nonebot.adapters import Event

from bot.chat import router
from models import Attendance, AttendanceStatus, OutboxMessage, Record, Report, Role
from tests import factories
from tests.qq_events import group_event, private_event

STAFF, MEMBER = "20001", "10001"


async def _say(event: Event) -> str | None:
    # a command or a form's answer; else a private message for the last matcher (a pointer, 帮助)
    request = router.route(object(), event) or router.route_unanswered(object(), event)  # type: ignore[arg-type]
    if request is None:
        return None
    return await router.handle(request)


async def test_confirm_racing_cancel_gives_one_consistent_outcome(db):
    await factories.member("周文清", role=Role.STAFF, qq=STAFF)
    await factories.member("林建国", qq=MEMBER)
    preview = await _say(private_event(STAFF, "通知 名单 林建国 下午三点开会"))
    assert preview is not None and "回复「确认」" in preview
    confirmed, cancelled = await asyncio.gather(
        _say(private_event(STAFF, "确认")), _say(private_event(STAFF, "取消"))
    )
    sent = await OutboxMessage.filter(batch__not="").count()
    assert confirmed is not None and "已提交发送" in confirmed and sent == 1
    # the second message came after the first was done: nothing was waiting any more, and the
    # staff member is not told that a notice which went out was cancelled
    assert cancelled is not None and "没有需要取消" in cancelled


async def test_a_command_typed_while_a_form_waits_is_run_and_the_form_left(db):
    member = await factories.member("林建国", qq=MEMBER)
    assert "标题" in (await _say(private_event(MEMBER, "社情民意")) or "")
    reply = await _say(private_event(MEMBER, "我的履职"))
    assert reply is not None and "五个一" in reply and "社情民意" in reply and "退出" in reply
    # the form is gone: the next message is not taken as a title
    assert "标题" not in (await _say(private_event(MEMBER, "你好")) or "")
    assert await Report.filter(member=member).count() == 0


async def test_check_in_at_the_venue_works_in_the_middle_of_a_form(db):
    member = await factories.member("林建国", qq=MEMBER)
    meeting = await factories.activity(code="K7Q2", group_id="700100")
    await _say(group_event(MEMBER, "社情民意", 700100))
    await _say(group_event(MEMBER, "关于加装电梯的建议", 700100))
    reply = await _say(group_event(MEMBER, "签到 Ｋ７Ｑ２", 700100))
    assert reply is not None and "签到成功" in reply
    row = await Attendance.get(activity_id=meeting.id, member_id=member.id)
    assert row.status == AttendanceStatus.PRESENT
    assert await Report.filter(member=member).count() == 0


async def test_sending_the_form_command_again_starts_it_over(db):
    member = await factories.member("林建国", qq=MEMBER)
    await _say(private_event(MEMBER, "社情民意"))
    again = await _say(private_event(MEMBER, "社情民意"))
    assert again is not None and "第 1 步" in again
    await _say(private_event(MEMBER, "真正的标题"))
    await _say(private_event(MEMBER, "多个老旧小区居民反映加装电梯协调难。"))
    assert "SQ" in (await _say(private_event(MEMBER, "确认")) or "")
    assert (await Report.get(member=member)).title == "真正的标题"


async def test_free_text_that_starts_with_a_record_command_stays_the_answer(db):
    member = await factories.member("林建国", qq=MEMBER)
    await _say(private_event(MEMBER, "社情民意"))
    await _say(private_event(MEMBER, "关于老旧小区管理"))
    content = "建议\n一、加强老旧小区物业管理；二、设立维修基金。"
    reply = await _say(private_event(MEMBER, content))
    assert reply is not None and "请核对" in reply
    assert "SQ" in (await _say(private_event(MEMBER, "确认")) or "")
    assert (await Report.get(member=member)).content == content
    assert await Record.filter(member=member).count() == 0


async def test_cancel_with_nothing_waiting_says_so_in_private_and_nothing_in_a_group(db):
    await factories.member("林建国", qq=MEMBER)
    reply = await _say(private_event(MEMBER, "取消"))
    assert reply is not None and "没有需要取消" in reply
    assert await _say(group_event(MEMBER, "取消", 700100)) is None


async def test_new_activity_form_reads_times_as_staff_type_them(db, clock):
    await factories.member("周文清", role=Role.STAFF, qq=STAFF)
    await factories.member("林建国", qq=MEMBER)
    answers = ["新建活动", "1", "全体委员会议", "12月3日下午3点", "下午5点半", "无", "全体", "无", "无"]
    for answer in answers:
        reply = await _say(private_event(STAFF, answer))
    assert reply is not None and "12月3日(周四) 15:00 至 17:30" in reply
    assert "已创建活动" in (await _say(private_event(STAFF, "确认")) or "")


async def test_an_answer_after_the_form_timed_out_is_told_so(db, monkeypatch):
    """A long report typed on a phone may arrive after the form stopped waiting: the member is told
    the form timed out and how to start again, not that the bot did not understand."""
    member = await factories.member("林建国", qq=MEMBER)
    await _say(private_event(MEMBER, "社情民意"))
    await _say(private_event(MEMBER, "关于加装电梯的建议"))
    monkeypatch.setattr(router, "conversation_seconds", 0.0)
    await _say(private_event(MEMBER, "老旧小区加装电梯难"))  # a refusal renews the wait: now 0 s
    await asyncio.sleep(0.01)
    reply = await _say(private_event(MEMBER, "多个老旧小区居民反映加装电梯协调难、资金难。"))
    assert reply is not None and "超时" in reply and "社情民意" in reply
    assert "超时" not in (await _say(private_event(MEMBER, "好的")) or "")  # said once
    assert await Report.filter(member=member).count() == 0


async def test_a_form_waits_long_enough_to_type_a_report_on_a_phone():
    assert router.conversation_seconds >= 30 * 60

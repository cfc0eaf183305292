"""Chinese input as members type it, through NoneBot (nonebug) in a group and in private.

IME full-width letters and digits, `＃`, the ideographic space U+3000 and pasted no-break or
zero-width spaces reach every command folded; free text (reasons, descriptions, reports) is stored
exactly as typed.
"""

from __future__ import annotations

from datetime import timedelta

from nonebug import App

from bot.render import render
from bot.services import activities, binding
from bot.services.checkin import CheckInResult
from models import AttendanceStatus, LeaveRequest, Record, Report, Role
from tests import factories
from tests.qq_events import ReplyWith, exchange, group_event, private_event

GROUP = 7001


def _done(member, activity, clock, *, private: bool) -> str:
    result = CheckInResult(member, activity, AttendanceStatus.PRESENT, clock.current)
    return render("checkin/done.j2", result=result, private=private)


async def test_check_in_codes_and_numbers_typed_with_an_ime(app: App, db, clock):
    names = ["林建国", "陈晓梅", "王立群", "赵明", "孙丽"]
    people = [await factories.member(name, qq=str(10001 + i)) for i, name in enumerate(names)]
    await factories.member("周文清", role=Role.STAFF, qq="20001")
    meeting = await factories.activity(code="K7Q2", group_id=str(GROUP))
    await exchange(
        app,
        # U+3000 between command and code, in the group and in private
        (group_event(10001, "签到\u3000K7Q2", GROUP), _done(people[0], meeting, clock, private=False)),
        # full-width letters and digits
        (private_event(10002, "签到 Ｋ７Ｑ２"), _done(people[1], meeting, clock, private=True)),
        # full-width slash, a pasted no-break space, lower case, a trailing full stop on the word
        (group_event(10003, "／签到。\u00a0k7q2", GROUP), _done(people[2], meeting, clock, private=False)),
        # the activity's number with ＃ and a zero-width space, then the code after two spaces
        (
            private_event(10004, f"签到\u200b＃{meeting.id}\u3000\u3000Ｋ７Ｑ２"),
            _done(people[3], meeting, clock, private=True),
        ),
        # the code glued to the command word
        (group_event(10005, "签到K7Q2", GROUP), _done(people[4], meeting, clock, private=False)),
        # chatter that merely starts with a command word is not a command
        (group_event(10001, "签到了吗？", GROUP), None),
    )
    sheet = await activities.attendance_sheet(meeting.id)
    assert sorted(sheet.by_status[AttendanceStatus.PRESENT]) == sorted(names)
    await exchange(
        app,
        (private_event(20001, f"考勤\u3000＃{meeting.id}"), render("activity/sheet.j2", sheet=sheet)),
        (private_event(20001, f"考勤{meeting.id}"), render("activity/sheet.j2", sheet=sheet)),
    )


async def test_binding_code_typed_full_width_with_separators(app: App, db, clock, monkeypatch):
    member = await factories.member("林建国")
    monkeypatch.setattr(binding.secrets, "choice", lambda alphabet: alphabet[-1])
    issued = await binding.issue_code(member, "test")
    assert issued.code == "ZZZZZZZZ"
    await exchange(
        app, (private_event(30001, "绑定　ｚｚｚｚ－ＺＺＺＺ"), render("binding/bound.j2", member=member))
    )


async def test_free_text_is_stored_exactly_as_typed(app: App, db, clock):
    member = await factories.member("林建国", qq="10001")
    tomorrow = await factories.activity(title="专题协商会", starts_in=timedelta(days=1))
    reason = "家中有事，无法参加（已向　主任报备）！"
    deed = "为社区老人送去冬衣２０件，\u3000并陪同体检。"
    title = "关于“一老一小”服务的建议（草稿）"
    content = "建议：\n１．增设社区托育点；\n２．　老年食堂延长营业时间。"
    await exchange(
        app,
        (private_event(10001, f"请假\u3000＃{tomorrow.id}\u3000{reason}"), ReplyWith("请假申请已提交")),
        (group_event(10001, f"好事\u3000\u3000{deed}", GROUP), ReplyWith("已记入本年度履职档案", deed)),
        (private_event(10001, "社情民意"), ReplyWith("标题")),
        (private_event(10001, title), ReplyWith("内容")),
        (private_event(10001, content), ReplyWith(title)),
        (private_event(10001, "确认！"), ReplyWith("社情民意已提交")),
    )
    leave = await LeaveRequest.get(member=member)
    assert leave.reason == reason
    assert (await Record.get(member=member)).description == deed
    report = await Report.get(member=member)
    assert (report.title, report.content) == (title, content)


async def test_one_message_forms_keep_their_free_text(app: App, db, clock):
    member = await factories.member("林建国", qq="10001")
    content = "多个老旧小区居民反映：加装电梯协调难、资金难，\u3000希望出台统一办法。"
    await exchange(
        app,
        (private_event(10001, f"社情民意　老旧小区加装电梯难\n{content}"), ReplyWith("社情民意已提交")),
        (private_event(10001, "走访\u3000社区\u3000走访青石社区，了解养老服务需求。"), ReplyWith("社区居民")),
    )
    report = await Report.get(member=member)
    assert (report.title, report.content) == ("老旧小区加装电梯难", content)
    assert (await Record.get(member=member)).description == "走访青石社区，了解养老服务需求。"

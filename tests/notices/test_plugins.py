"""Matcher tests (nonebug): 参加, 确认名单, 通知 and 发布 with preview and 确认, refusals."""

from datetime import timedelta

import nonebot
import pytest
from nonebot.adapters.onebot.v11 import Adapter, Bot
from nonebug import App

from bot.chat import router
from bot.delivery.recipients import GroupRecipient, MemberRecipient
from bot.services import leave
from models import Attendance, OutboxMessage, Role
from tests import factories
from tests.notices.helpers import configure, group_event, keys, private_event, recipient_of, reply, text_of

STAFF_QQ = "20001"


async def _people():
    staff = await factories.member("周文清", role=Role.STAFF, qq=STAFF_QQ)
    a = await factories.member("林建国", qq="10001", committees=("经济委",), sector="经济界")
    b = await factories.member("王秀英", qq="10002", committees=("文史委",), sector="教育界")
    c = await factories.member("陈志强", qq="10003", committees=("经济委",), sector="教育界")
    return staff, a, b, c


@pytest.fixture(autouse=True)
def _no_conversations():
    """Conversations live in the router per chat; none may leak from one test into another."""
    router.pending.clear()
    yield
    router.pending.clear()


async def _talk(app: App, exchanges: list[tuple[str, str, str | None]]) -> None:
    """Each exchange: (qq, text typed in a private chat, expected reply; None: the bot stays silent)."""
    for qq, text, expected in exchanges:
        await _say(app, private_event(qq, text), expected)


async def _say(app: App, event, expected: str | None) -> None:
    async with app.test_matcher() as ctx:
        bot = ctx.create_bot(base=Bot, adapter=nonebot.get_adapter(Adapter))
        ctx.receive_event(bot, event)
        if expected is not None:
            ctx.should_call_send(event, reply(expected), result={"message_id": 1})
        else:
            ctx.should_not_pass_rule()


async def test_attend_then_the_staff_list(app: App, db, clock):
    staff, a, b, c = await _people()
    activity = await factories.activity(title="提案工作座谈会", starts_in=timedelta(days=3))
    await leave.request(factories.private("10002"), str(activity.id), "出差在外")
    start = "2026年6月4日(周四) 09:00"
    await _talk(
        app,
        [
            (
                "10001",
                f"参加 {activity.id}",
                f"已确认出席：#{activity.id}「提案工作座谈会」，{start}，区政协会议室。届时请按时签到。",
            ),
            (
                "10001",
                f"参加 {activity.id}",
                f"您已确认出席 #{activity.id}「提案工作座谈会」，无需重复回复。",
            ),
            (
                "10002",
                f"参加 {activity.id}",
                f"您已为活动 #{activity.id}「提案工作座谈会」提交请假（编号 1）。"
                "如需改为出席，请联系工作人员。",
            ),
            (
                "10001",
                "参加",
                "用法：参加 <活动编号>，例如「参加 12」。不能出席请发送「请假 <活动编号> <事由>」。",
            ),
        ],
    )
    row = await Attendance.get(activity=activity, member=a)
    assert row.response == "attend" and row.confirmed_at == clock()
    expected_list = "\n".join(
        [
            f"#{activity.id}「提案工作座谈会」{start}（未开始）",
            "应到 3 人：确认出席 1 · 请假 1 · 未回复 1",
            "确认出席：林建国",
            "请假：",
            "  王秀英（待审批）：出差在外",
            "未回复：陈志强",
        ]
    )
    await _talk(app, [(STAFF_QQ, f"确认名单 {activity.id}", expected_list)])
    await _talk(app, [("10003", f"确认名单 {activity.id}", "抱歉，这是工作人员专用指令。")])
    assert staff.id and b.id and c.id


async def test_confirm_list_refused_to_members_and_in_groups(app: App, db, clock):
    await _people()
    activity = await factories.activity(starts_in=timedelta(days=3))
    await _say(app, private_event("10001", f"确认名单 {activity.id}"), "抱歉，这是工作人员专用指令。")
    await _say(app, group_event(STAFF_QQ, f"确认名单 {activity.id}"), "该内容涉及个人信息，请私聊我查看。")


async def test_notice_to_a_committee_waits_for_confirmation(app: App, db, clock):
    _, a, _, c = await _people()
    preview = "\n".join(
        [
            "【发送预览】",
            "对象：专委会「经济委」",
            "可送达：2 人（私信）",
            "内容：",
            "周五下午三点在二楼会议室开会",
            "",
            "回复「确认」发送，回复「取消」放弃。",
        ]
    )
    await _talk(app, [(STAFF_QQ, "通知 专委会 经济委 周五下午三点在二楼会议室开会", preview)])
    assert await OutboxMessage.filter(kind="notice").count() == 0  # nothing before 确认
    await _talk(app, [(STAFF_QQ, "好的", "请回复「确认」发送，或回复「取消」放弃。")])
    assert await OutboxMessage.filter(kind="notice").count() == 0
    await _talk(app, [(STAFF_QQ, "确认", "已提交发送，编号 B1，共 2 条。发送「送达 B1」查看送达情况。")])
    assert await keys("broadcast:") == {f"broadcast:B1:member:{m.id}" for m in (a, c)}
    rows = await OutboxMessage.filter(batch="B1")
    assert {recipient_of(r) for r in rows} == {MemberRecipient(a.id), MemberRecipient(c.id)}
    assert "周五下午三点在二楼会议室开会" in text_of(rows[0]) and "【通知】" in text_of(rows[0])


async def test_notice_targets_and_numbers(app: App, db, clock):
    staff, a, b, c = await _people()
    from bot.services import broadcasts

    sender = factories.private(STAFF_QQ)
    counts = {}
    for args in ("全体 明天放假", "界别 教育界 内容", "名单 林建国、王秀英 内容", "群 123456 内容"):
        counts[args.split(" ")[0]] = (
            await broadcasts.preview(sender, broadcasts.parse_notice(args))
        ).reach.total
    assert counts == {"全体": 3, "界别": 2, "名单": 2, "群": 1}  # 全体: the 委员, not the staff
    batch, added = await broadcasts.send(sender, broadcasts.parse_notice("群 123456 今晚八点线上会议"))
    assert (batch, added) == ("B1", 1)
    group_row = await OutboxMessage.get(batch="B1")
    assert recipient_of(group_row) == GroupRecipient("qq", "123456")
    batch, added = await broadcasts.send(sender, broadcasts.parse_notice("名单 林建国 请回电"))
    assert (batch, added) == ("B2", 1)
    assert staff.id and b.id and c.id and a.id


async def test_notice_refusals(app: App, db, clock):
    await _people()
    await _talk(
        app,
        [
            ("10001", "通知 全体 明天放假", "抱歉，这是工作人员专用指令。"),
            (STAFF_QQ, "通知 名单 林建国、张三 内容", "名册中找不到：张三。请核对姓名。"),
            (
                STAFF_QQ,
                "通知 群 abc 内容",
                "「abc」不是群号：请写 QQ 群的号码，例如「通知 群 123456 内容」。",
            ),
            (STAFF_QQ, "通知 全体", "内容不能为空。"),
            (STAFF_QQ, "确认", "当前没有等待您确认的通知或发布。"),
        ],
    )
    assert await OutboxMessage.filter(batch__startswith="B").count() == 0


async def test_cancel_sends_nothing(app: App, db, clock):
    await _people()
    preview = (
        "【发送预览】\n对象：全体委员\n可送达：3 人（私信）\n内容：\n明天放假\n\n"
        "回复「确认」发送，回复「取消」放弃。"
    )
    await _talk(
        app,
        [
            (STAFF_QQ, "通知 全体 明天放假", preview),
            (STAFF_QQ, "取消", "已取消，没有提交任何内容。"),
            (STAFF_QQ, "确认", "当前没有等待您确认的通知或发布。"),
        ],
    )
    assert await OutboxMessage.filter(batch__startswith="B").count() == 0


async def test_publish_asks_for_the_content_then_goes_to_members_and_groups(app: App, db, clock, monkeypatch):
    configure(monkeypatch, greeting_groups=["qq:5001"])
    _staff, a, b, c = await _people()
    preview = (
        "【发送预览】\n刊物：《委员之声》2026年第6期\n对象：全体委员及各群"
        "\n可送达：3 人（私信），群 1 个\n内容：\n本期聚焦乡村振兴。\n\n"
        "回复「确认」发送，回复「取消」放弃。"
    )
    await _talk(
        app,
        [
            (
                STAFF_QQ,
                "发布 《委员之声》 2026年第6期",
                "请发送《委员之声》「2026年第6期」的正文（发送「取消」放弃）。",
            ),
            (STAFF_QQ, "本期聚焦乡村振兴。", preview),
            (STAFF_QQ, "确认", "已提交发送，编号 B1，共 4 条。发送「送达 B1」查看送达情况。"),
        ],
    )
    rows = await OutboxMessage.filter(batch="B1")
    assert {recipient_of(r) for r in rows} == {MemberRecipient(m.id) for m in (a, b, c)} | {
        GroupRecipient("qq", "5001")
    }
    assert text_of(rows[0]) == "【《委员之声》】2026年第6期\n本期聚焦乡村振兴。"
    assert {r.kind for r in rows} == {"publication"}


async def test_publish_refused_to_a_member(app: App, db, clock):
    await _people()
    await _talk(app, [("10001", "发布 《政协简报》 第1期\n正文", "抱歉，这是工作人员专用指令。")])
    assert await OutboxMessage.filter(batch__startswith="B").count() == 0


async def test_publish_with_the_content_in_the_same_message(app: App, db, clock):
    staff, a, b, c = await _people()
    preview = (
        "【发送预览】\n刊物：《政协简报》第12期\n对象：全体委员及各群\n可送达：3 人（私信）\n内容：\n"
        "区政协召开十届二次常委会议。\n\n回复「确认」发送，回复「取消」放弃。"
    )
    await _talk(
        app,
        [
            (STAFF_QQ, "发布 《政协简报》 第12期\n区政协召开十届二次常委会议。", preview),
            (STAFF_QQ, "取消", "已取消，没有提交任何内容。"),
        ],
    )
    assert await OutboxMessage.filter(batch__startswith="B").count() == 0
    assert staff.id and a.id and b.id and c.id


async def test_confirmation_list_does_not_count_a_refused_leave(app: App, db, clock):
    _, a, b, c = await _people()
    activity = await factories.activity(title="提案工作座谈会", starts_in=timedelta(days=3))
    await leave.request(factories.private("10001"), str(activity.id), "单位加班")
    await leave.request(factories.private("10002"), str(activity.id), "出差在外")
    from bot.services.actors import resolve

    await leave.decide(
        await resolve(factories.private(STAFF_QQ)), "1", approve=False, reason="会议审议您的提案"
    )
    expected = "\n".join(
        [
            f"#{activity.id}「提案工作座谈会」2026年6月4日(周四) 09:00（未开始）",
            "应到 3 人：确认出席 0 · 请假 1 · 未回复 2",
            "确认出席：无",
            "请假：",
            "  王秀英（待审批）：出差在外",
            "未回复：林建国、陈志强",
            "请假未获批准（须按时出席，已计入上面各栏）：林建国（会议审议您的提案）",
        ]
    )
    await _talk(app, [(STAFF_QQ, f"确认名单 {activity.id}", expected)])
    assert a.id and b.id and c.id

"""Commands through NoneBot (nonebug) where it matters who is a 委员 and who is staff, and what a
broadcast's preview tells staff before they send it."""

from __future__ import annotations

import pytest
from nonebot.adapters.onebot.v11 import Bot
from nonebug import App

from bot.chat import router
from bot.render import render
from bot.services import assessment, progress
from bot.services.activity_form import ACTIVITY_TYPES, STEPS
from models import Activity, Role
from tests import factories
from tests.qq_events import group_event, private_event, reply


@pytest.fixture(autouse=True)
def _no_conversations():
    router.pending.clear()
    yield
    router.pending.clear()


async def _talk(app: App, *exchanges: tuple[str, str, str]) -> None:
    for qq, text, expected in exchanges:
        async with app.test_matcher() as ctx:
            bot = ctx.create_bot(base=Bot)
            event = private_event(qq, text)
            ctx.receive_event(bot, event)
            ctx.should_call_send(event, reply(expected), result={"message_id": 1})


async def _roster():
    member = await factories.member("林建国", qq="10001", committees=("经济委",))
    staff = await factories.member("周文清", role=Role.STAFF, qq="20001", committees=("经济委",))
    both = await factories.member("陈志强", role=Role.STAFF, also_member=True, qq="20003")
    return member, staff, both


async def test_progress_and_archive_are_for_members(app: App, db, clock):
    _, _, both = await _roster()
    p = await progress.for_member(both)
    standing, total = await assessment.own_standing(both.id, p.year)
    assert standing is not None  # the one who is both is assessed
    await _talk(
        app,
        ("20001", "我的履职", render("common/not_a_member.j2", person="周文清", own=True)),
        ("20003", "我的履职", render("progress/mine.j2", p=p, standing=standing, total=total)),
        ("20003", "档案 周文清", render("common/not_a_member.j2", person="周文清", own=False)),
    )
    assert "工作人员" in render("common/not_a_member.j2", person="周文清", own=False)


def _prompt(step: int) -> str:
    return render(STEPS[step].prompt, types=ACTIVITY_TYPES, step=step + 1, total=len(STEPS))


async def test_an_activity_list_naming_staff_is_asked_again(app: App, db, clock):
    await _roster()
    answers = ["全体会议", "全体会议", "2026-06-03 14:30", "17:00", "会议室"]
    steps = [("20001", "新建活动", render("activity/form_intro.j2") + "\n" + _prompt(0))]
    steps += [("20001", answer, _prompt(i + 1)) for i, answer in enumerate(answers)]
    refusal = render("activity/not_members.j2", names=["周文清"])
    steps += [
        ("20001", "名单 林建国、周文清", render("common/ask_again.j2", problem=refusal, prompt=_prompt(5)))
    ]
    steps += [("20001", "名单 林建国、陈志强", _prompt(6))]
    await _talk(app, *steps)
    assert not await Activity.exists()


async def test_the_preview_names_who_cannot_be_reached(app: App, db, clock):
    await _roster()
    await factories.member("钱无绑")
    await factories.member("孙无绑")
    preview = "\n".join(
        [
            "【发送预览】",
            "对象：全体委员",
            "可送达：2 人（私信）",
            "无法联系：2 人（未绑定聊天账号，也无法发短信，收不到本条）：钱无绑、孙无绑",
            "内容：",
            "周五下午三点开会",
            "",
            "回复「确认」发送，回复「取消」放弃。",
        ]
    )
    await _talk(
        app,
        ("20001", "通知 全体 周五下午三点开会", preview),
        ("20001", "确认", "已提交发送，编号 B1，共 4 条。发送「送达 B1」查看送达情况。"),
    )


async def test_the_activity_list_says_what_is_open_now_and_what_is_coming(app: App, db, clock):
    from datetime import timedelta

    from bot.services import confirmations

    await _roster()
    await factories.activity(title="全体委员会议", starts_in=timedelta(minutes=10), code="K7Q2")
    coming = await factories.activity(title="经济形势座谈会", starts_in=timedelta(days=2))
    await confirmations.confirm(factories.private("10001"), str(coming.id))
    private_list = "\n".join(
        [
            "【现在可以签到】",
            "#1 全体委员会议（全体会议）",
            "   6月1日(周一) 09:10 · 区政协会议室",
            "   签到截至 6月1日 09:40，凭现场签到码；您尚未签到",
            "【即将举行】",
            "#2 经济形势座谈会（全体会议）",
            "   6月3日(周三) 09:00 · 区政协会议室",
            "   签到 6月3日(周三) 08:30 开始；您已确认出席",
            "签到：签到（多个活动可签到时：签到 #编号）；请假：请假 编号 事由",
        ]
    )
    await _talk(app, ("10001", "活动列表", private_list))
    async with app.test_matcher() as ctx:  # in a group: nobody's own standing
        bot = ctx.create_bot(base=Bot)
        event = group_event("10001", "活动列表", 7001)
        ctx.receive_event(bot, event)
        expected = private_list.replace("；您尚未签到", "").replace("；您已确认出席", "")
        ctx.should_call_send(event, reply(expected), result={"message_id": 1})

"""Natural questions in a private chat are pointed at the right command (keywords from the registry)."""

from __future__ import annotations

import pytest
from nonebug import App

from bot.chat import router
from bot.hints import suggest
from bot.render import render
from models import Role
from tests import factories
from tests.qq_events import exchange, group_event, private_event

MEMBER_QUESTIONS = {
    "请问下周有什么活动？": "活动列表",
    "明天几点开会": "活动列表",
    "本周会议安排发一下": "活动列表",
    "怎么签到": "签到",
    "我到会场了": "签到",
    "我明天有事不能参加会议": "请假",
    "出差去不了怎么办": "请假",
    "我可以参加的": "参加",
    "我想反映一个问题": "社情民意",
    "绑定身份怎么弄": "绑定",
    "我的积分是多少？": "我的履职",
    "五个一还差什么": "我的履职",
    "我上周去社区走访了": "走访",
    "昨天给敬老院捐赠了冬衣": "好事",
    "在全会上做了大会发言": "发言",
    "调研报告交到哪里": "调研报告",
    "我想提个意见": "建议",
    "这个怎么用？": "帮助",
}


@pytest.mark.parametrize(("question", "command"), list(MEMBER_QUESTIONS.items()))
def test_a_members_question_points_at_its_command(question, command):
    assert suggest(question, router.hints(), staff=False)[0] == command


def test_staff_commands_are_suggested_to_staff_only():
    assert suggest("考勤怎么看", router.hints(), staff=False) == []
    assert suggest("考勤怎么看", router.hints(), staff=True) == ["考勤"]
    assert suggest("怎么退回社情民意", router.hints(), staff=True) == ["社情民意", "退回"]
    for chatter in ("你好", "谢谢", "好的", "？", "😀"):
        assert suggest(chatter, router.hints(), staff=True) == []


def test_every_command_carries_hint_keywords():
    """A command added later gets hints too: `@router.hint(...)` beside its `@router.command(...)`."""
    bare = [c.names[0] for c in router.commands if not router.hints_of(c.handler)[0]]
    assert bare == []


async def test_hints_in_private_silence_in_groups(app: App, db, clock):
    await factories.member("林建国", qq="10001")
    await factories.member("周文清", role=Role.STAFF, qq="20001")
    await exchange(
        app,
        (private_event(10001, "请问下周有什么活动？"), render("common/hint.j2", commands=["活动列表"])),
        (private_event(10001, "我明天有事，不能参加会议"), render("common/hint.j2", commands=["请假"])),
        (private_event(10001, "考勤怎么看"), render("common/unknown_command.j2")),
        (private_event(20001, "考勤怎么看"), render("common/hint.j2", commands=["考勤"])),
        (private_event(30001, "怎么绑定"), render("common/hint.j2", commands=["绑定"])),  # not bound yet
        (private_event(10001, "你好"), render("common/unknown_command.j2")),
        (group_event(10001, "请问下周有什么活动？"), None),
    )

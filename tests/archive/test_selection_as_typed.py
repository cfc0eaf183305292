"""Several drafts named the way staff type them (spaces around the dash, numbers separated by
spaces, 、 followed by a space, full-width forms) are read as several, previewed, and decided only on
确认; words the command does not understand are refused, never silently dropped while one draft is
decided at once."""

from __future__ import annotations

import pytest
from nonebug import App

from models import Consequence, ConsequenceKind, ConsequenceStatus, OutboxMessage, Role
from tests import factories
from tests.qq_events import ReplyWith, exchange, private_event

STAFF_QQ = "5000"


def say(text: str) -> object:
    return private_event(STAFF_QQ, text)


async def _drafts() -> list[int]:
    await factories.member("值班员", role=Role.STAFF, qq=STAFF_QQ)
    for name in ("林建国", "王秀英", "陈志强", "赵立新", "孙丽"):
        member = await factories.member(name)
        await Consequence.create(rule="r", kind=ConsequenceKind.CRITICISM, member=member, year=2026)
    return list(await Consequence.all().order_by("id").values_list("id", flat=True))


async def _undecided() -> int:
    return await Consequence.filter(status=ConsequenceStatus.DRAFT).count()


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        ("确认处理 2 - 4", ("#2 ", "#3 ", "#4 ")),
        ("确认处理 2 至 4", ("#2 ", "#3 ", "#4 ")),
        ("确认处理 ２　－　４", ("#2 ", "#3 ", "#4 ")),
        ("确认处理 1 3 5", ("#1 ", "#3 ", "#5 ")),
        ("确认处理 1、 3、 5", ("#1 ", "#3 ", "#5 ")),
        ("确认处理 #1 #3", ("#1 ", "#3 ")),
        ("撤销 2 - 4 已补办请假手续", ("#2 ", "#3 ", "#4 ", "原因：已补办请假手续")),
        ("撤销 1 3 5 重复生成", ("#1 ", "#3 ", "#5 ", "原因：重复生成")),
    ],
)
async def test_a_selection_typed_with_spaces_is_previewed_not_cut_short(app: App, db, clock, typed, shown):
    await _drafts()
    await exchange(app, (say(typed), ReplyWith("以下", *shown, "回复「确认」执行")))
    assert await _undecided() == 5 and not await OutboxMessage.exists()  # nothing decided yet
    await exchange(app, (say("确认"), ReplyWith(f"{len([s for s in shown if s.startswith('#')])} 项")))
    assert await _undecided() == 5 - len([s for s in shown if s.startswith("#")])


@pytest.mark.parametrize(
    ("typed", "refusal"),
    [
        ("确认处理 3 好的", "用法：确认处理"),
        ("确认处理 3 公开 12345 多余", "用法：确认处理"),
        ("确认处理 3 - 公开", "看不懂「3 -」"),
        ("撤销 3 - 已补办", "看不懂「3 -」"),
    ],
)
async def test_words_the_command_does_not_read_are_refused(app: App, db, clock, typed, refusal):
    await _drafts()
    await exchange(app, (say(typed), ReplyWith(refusal)))
    assert await _undecided() == 5 and not await OutboxMessage.exists()

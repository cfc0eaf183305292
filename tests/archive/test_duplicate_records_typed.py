"""The same record typed again the same day is refused however its punctuation, spacing, width or
decoration differ (a full stop, an exclamation mark, a space in the middle, an emoji): otherwise a
member fills the archive and the staff's confirmation queue by retyping one speech. Different
words are a different record."""

from __future__ import annotations

import pytest
from nonebug import App

from models import Record
from tests import factories
from tests.qq_events import ReplyWith, exchange, private_event

QQ = "10001"
FIRST = "发言 在全会上就养老服务作大会发言"


@pytest.mark.parametrize(
    "again",
    [
        "发言 在全会上就养老服务作大会发言。",
        "发言　在全会上就养老服务作大会发言！",
        "发言 在全会上就养老服务作大会发言!!",
        "发言 在全会上 就养老服务 作大会发言",
        "发言 在全会上，就养老服务作大会发言",
        "发言 “在全会上就养老服务作大会发言”",
        "发言 在全会上就养老服务作大会发言👍",
    ],
)
async def test_retyping_a_record_with_other_punctuation_is_refused(app: App, db, clock, again):
    await factories.member("林建国", qq=QQ)
    await exchange(
        app,
        (private_event(QQ, FIRST), ReplyWith("已记入本年度履职档案")),
        (private_event(QQ, again), ReplyWith("今天已记录过相同的会议发言", "（记录 #1）")),
    )
    assert await Record.all().count() == 1


async def test_other_words_and_visits_with_other_punctuation(app: App, db, clock):
    await factories.member("林建国", qq=QQ)
    await exchange(
        app,
        (private_event(QQ, FIRST), ReplyWith("已记入本年度履职档案")),
        (private_event(QQ, "发言 在全会上就教育服务作大会发言"), ReplyWith("已记入本年度履职档案")),
        (private_event(QQ, "走访 社区 走访青石社区 问政"), ReplyWith("已记入本年度履职档案")),
        (private_event(QQ, "走访 社区 走访 青石社区！ 问需"), ReplyWith("今天已记录过相同的走访")),
    )
    assert await Record.all().count() == 3

"""A 社情民意 whose content a member already submitted (the same words, however punctuated or spaced)
is refused, so one report cannot earn its submission points twice; a report staff returned may be
submitted again, and different content is a different report."""

from __future__ import annotations

from nonebug import App

from models import Report, ReportStatus
from tests import factories
from tests.qq_events import ReplyWith, exchange, private_event

QQ = "10001"
CONTENT = "农贸市场周边早高峰拥堵严重，建议增设临时停车泊位。"


def _form(title: str, content: str, answer: ReplyWith) -> list[tuple[object, object]]:
    return [
        (private_event(QQ, "社情民意"), ReplyWith("请发送标题")),
        (private_event(QQ, title), ReplyWith("请发送内容")),
        (private_event(QQ, content), ReplyWith("请核对")),
        (private_event(QQ, "确认"), answer),
    ]


async def test_the_same_report_twice_is_refused(app: App, db, clock):
    await factories.member("林建国", qq=QQ)
    await exchange(
        app,
        *_form("停车难问题", CONTENT, ReplyWith("社情民意已提交，编号 SQ2026-00001")),
        *_form(
            "关于停车难",
            "农贸市场周边早高峰拥堵严重 建议增设临时停车泊位！",
            ReplyWith("SQ2026-00001", "无需重复提交"),
        ),
    )
    assert await Report.all().count() == 1
    await Report.filter(id=1).update(status=ReportStatus.RETURNED)
    clock.advance(days=3)
    await exchange(
        app,
        *_form("停车难问题", CONTENT, ReplyWith("社情民意已提交，编号 SQ2026-00002")),
        *_form(
            "停车难问题",
            "菜市场门口早高峰拥堵，建议错峰进货。",
            ReplyWith("社情民意已提交，编号 SQ2026-00003"),
        ),
    )

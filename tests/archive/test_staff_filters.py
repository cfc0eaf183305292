"""未完成 and 预警 narrowed to a 专委会 or a 界别, as staff responsible for one ask for it."""

from __future__ import annotations

from nonebug import App

from models import ActivityType, Role
from tests import factories
from tests.archive import helpers
from tests.qq_events import ReplyWith, exchange, private_event

STAFF_QQ = "5000"


def say(text: str) -> object:
    return private_event(STAFF_QQ, text)


async def test_unfinished_and_watchlist_by_committee_and_sector(app: App, db, clock):
    await factories.member("值班员", role=Role.STAFF, qq=STAFF_QQ)
    a = await factories.member("甲", committees=("经济委",), sector="经济界")
    b = await factories.member("乙", committees=("文史委",), sector="教育界")
    c = await factories.member("丙", committees=("文史委",), sector="经济界")
    await helpers.hold(ActivityType.PLENARY, present=[a], absent=[b, c])
    await helpers.proposal(b)
    await exchange(
        app,
        (
            say("未完成 专委会 文史委"),
            "2026 年度“五个一”未完成（专委会「文史委」）：2/2 人\n"
            "乙（教育界）缺：社情民意、视察调研、调研报告或意见建议、好事实事\n"
            "丙（经济界）缺：提案、社情民意、视察调研、调研报告或意见建议、好事实事",
        ),
        (
            say("未完成 2026 界别 经济界"),
            ReplyWith(
                "2026 年度“五个一”未完成（界别「经济界」）：2/2 人",
                "甲（经济界）",
                "丙（经济界）",
                absent=("乙",),
            ),
        ),
        (
            say("预警 专委会 经济委"),
            ReplyWith("2026 年度预警 · 专委会「经济委」\n【已达处理标准】0 项", absent=("乙", "丙")),
        ),
        (
            say("预警 专委会 文史委"),
            ReplyWith(
                "【已达处理标准】2 项", "乙：全体会议缺席 1/1 次", "丙：全体会议缺席 1/1 次", absent=("甲",)
            ),
        ),
        (say("预警 界别 教育界"), ReplyWith("【已达处理标准】1 项", "乙：", absent=("丙：", "甲："))),
        (say("未完成 专委会 无此委"), "没有名为「无此委」的专委会。"),
        (say("未完成 全部"), "用法：未完成 [年份] [专委会 名称｜界别 名称]，例如：未完成 专委会 经济委"),
    )

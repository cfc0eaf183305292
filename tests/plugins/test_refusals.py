"""Refusals reach the person: fields named like the renderer's parameters, numbers that are not
numbers, staff review commands with a plain number."""

from __future__ import annotations

import pytest
from nonebug import App

from bot.render import render
from bot.services import reports
from bot.services.activity_form import STEPS
from bot.services.parsing import ACTIVITY_TYPES
from models import Committee, Report, ReportStatus, Role
from tests import factories
from tests.qq_events import ReplyWith, exchange, group_event, private_event

STAFF = 20001


def _prompt(step: int) -> str:
    return render(STEPS[step].prompt, types=ACTIVITY_TYPES, step=step + 1, total=len(STEPS))


async def test_notice_to_an_unknown_committee_or_sector_is_refused_politely(app: App, db, clock):
    await factories.member("周文清", role=Role.STAFF, qq=str(STAFF), committees=("经济委",))
    await exchange(
        app,
        (
            private_event(STAFF, "通知 专委会 不存在委 明天开会"),
            render("activity/unknown_committee.j2", name="不存在委", names=["经济委"]),
        ),
        (
            private_event(STAFF, "通知 界别 不存在界 明天开会"),
            render("activity/unknown_sector.j2", name="不存在界"),
        ),
    )


async def test_activity_form_with_an_unknown_committee_or_sector_asks_again(app: App, db, clock):
    await factories.member("周文清", role=Role.STAFF, qq=str(STAFF), committees=("经济委",))
    answers = ["2", "经济运行情况通报会", "2026-06-03 14:30", "17:00", "区政协三楼会议室"]
    steps: list = [(private_event(STAFF, "新建活动"), render("activity/form_intro.j2") + "\n" + _prompt(0))]
    steps += [(private_event(STAFF, answer), _prompt(i + 1)) for i, answer in enumerate(answers)]
    audience_step = len(answers)
    problem = render("activity/unknown_committee.j2", name="农业委", names=["经济委"])
    steps.append(
        (
            private_event(STAFF, "专委会 农业委"),
            render("common/ask_again.j2", problem=problem, prompt=_prompt(audience_step)),
        )
    )
    problem = render("activity/unknown_sector.j2", name="航天界")
    steps.append(
        (
            private_event(STAFF, "界别 航天界"),
            render("common/ask_again.j2", problem=problem, prompt=_prompt(audience_step)),
        )
    )
    steps.append((private_event(STAFF, "取消"), render("common/conversation_cancelled.j2")))
    await exchange(app, *steps)
    assert await Committee.filter(name="农业委").count() == 0


def _not_a_number(text: str, what: str) -> str:
    return render("common/bad_number.j2", text=text, what=what)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("考勤 ①", _not_a_number("①", "活动编号")),
        ("结束活动 ²", _not_a_number("²", "活动编号")),
        ("请假 ① 家中有事", _not_a_number("①", "活动编号")),
        ("批准 ①", _not_a_number("①", "请假编号")),
        ("驳回 ① 材料不全", _not_a_number("①", "请假编号")),
        ("签到 #①", _not_a_number("#①", "活动编号")),
        ("签到 ＃١٢", _not_a_number("#١٢", "活动编号")),
        ("参加 ③", _not_a_number("③", "活动编号")),
        ("确认名单 ⑴", _not_a_number("⑴", "活动编号")),
        ("确认记录 ①", _not_a_number("①", "记录编号")),
        ("确认处理 ①", _not_a_number("①", "处理编号")),
        ("撤销 ① 重复", _not_a_number("①", "处理编号")),
        ("受理 ①", _not_a_number("①", "社情民意编号")),
        ("档案 #①", _not_a_number("#①", "名册编号")),
        ("绑定码 ①", render("common/member_not_found.j2", query="①")),
        ("解绑 ²³", render("common/member_not_found.j2", query="²³")),
        ("档案 ①", render("common/member_not_found.j2", query="①")),
        ("排名 ①②③④", render("archive/ranking_usage.j2")),
    ],
)
async def test_unicode_digits_get_the_polite_not_a_number_reply(app: App, db, clock, text, expected):
    await factories.member("周文清", role=Role.STAFF, qq=str(STAFF))
    await exchange(app, (private_event(STAFF, text), expected))


async def test_report_review_with_a_plain_number(app: App, db, clock):
    author = await factories.member("林建国", qq="10001")
    await factories.member("周文清", role=Role.STAFF, qq=str(STAFF))
    content = "农贸市场周边早高峰拥堵严重，建议增设临时停车泊位，并错峰安排装卸货。"
    first = await reports.submit(author, "停车难", content)
    second = await reports.submit(author, "电梯难", "老旧小区加装电梯意见不一，建议社区牵头协商。")
    await exchange(
        app,
        (private_event(STAFF, f"受理 {first.id}"), ReplyWith(first.reference, "受理")),
        (private_event(STAFF, f"采用 {first.id} 市级"), ReplyWith(first.reference, "市级")),
        (private_event(STAFF, f"批示 ＃{first.id} 请住建局研究"), ReplyWith(first.reference, "批示")),
        (private_event(STAFF, f"退回 {second.id}　材料不全请补充"), ReplyWith(second.reference, "退回")),
        (private_event(STAFF, "受理 99"), render("review/report_not_found.j2", reference="99")),
        (group_event(STAFF, f"受理 {second.id}"), render("common/private_only.j2")),
    )
    assert (await Report.get(id=first.id)).status == ReportStatus.INSTRUCTED
    returned = await Report.get(id=second.id)
    assert (returned.status, returned.status_note) == (ReportStatus.RETURNED, "材料不全请补充")

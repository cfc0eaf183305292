"""A staff decision that names one item (批准, 驳回, 受理, 退回, 批示) refuses a second number typed
after the first: `批准 1 2` must not approve #1 alone and drop #2, `驳回 3 4 原因` must not refuse #3
telling the member the reason "4 原因". Nothing is decided, nobody is told."""

from __future__ import annotations

from datetime import timedelta

import pytest
from nonebug import App

from bot.services import reports
from models import LeaveRequest, LeaveStatus, OutboxMessage, Report, ReportStatus, Role
from tests import factories
from tests.qq_events import ReplyWith, exchange, private_event


async def _seed() -> None:
    member = await factories.member("林建国", qq="10001")
    await factories.member("周文清", role=Role.STAFF, qq="20001")
    for days in (1, 2, 3, 4):
        activity = await factories.activity(title=f"会{days}", starts_in=timedelta(days=days))
        await LeaveRequest.create(activity=activity, member=member, reason="出差")
    for n in range(4):
        await reports.submit(member, f"停车难{n}", f"农贸市场周边早高峰拥堵严重，建议增设临时停车泊位{n}处。")


@pytest.mark.parametrize(
    "typed",
    [
        "批准 1 2",
        "批准 ＃1 ＃2",
        "驳回 3 4 理由不充分",
        "受理 1 2",
        "退回 1 2 内容不全",
        "批示 1 2 请住建局研究",
    ],
)
async def test_a_second_number_is_refused_not_dropped(app: App, db, clock, typed):
    await _seed()
    await exchange(app, (private_event("20001", typed), ReplyWith("一次只能处理一项", "请分别发送")))
    assert not await LeaveRequest.exclude(status=LeaveStatus.PENDING).exists()
    assert not await Report.exclude(status=ReportStatus.SUBMITTED).exists()
    assert not await OutboxMessage.filter(kind__in=["leave_decision", "report_review"]).exists()


async def test_one_number_with_a_reason_still_decides(app: App, db, clock):
    await _seed()
    await exchange(
        app,
        (private_event("20001", "驳回 3 2次会议都已请假"), ReplyWith("已驳回")),
        (private_event("20001", "批准 1"), ReplyWith("已批准")),
    )
    assert await LeaveRequest.get(id=3).values_list("decision_reason", flat=True) == "2次会议都已请假"

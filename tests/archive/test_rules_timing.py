"""Rule reminders come from the nightly evaluation only, never as a side effect of another act: closing
an activity (结束活动) drafts what its absences reached, for staff, and tells no member anything about
the committee's rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from nonebot.adapters.onebot.v11 import Bot
from nonebug import App

from models import Consequence, OutboxMessage, Role
from scheduler import run_due
from tests import factories
from tests.qq_events import ReplyWith, private_event


async def _say(app: App, qq: str, text: str, answer: object) -> None:
    async with app.test_matcher() as ctx:
        bot = ctx.create_bot(base=Bot)
        event = private_event(qq, text)
        ctx.receive_event(bot, event)
        ctx.should_call_send(event, answer, result={"message_id": 1})


async def _rule_rows() -> list[tuple[str, str]]:
    rows = await OutboxMessage.filter(kind__in=["rule_reminder", "consequence_draft"]).values_list(
        "kind", "dedupe_key"
    )
    return sorted(rows)  # type: ignore[arg-type]


async def test_closing_an_activity_reminds_nobody_of_the_rules(app: App, db, clock):
    clock.set(datetime(2026, 10, 15, 1, 0, tzinfo=UTC))  # after warn_from (10-01): annual tasks are due
    staff = await factories.member("周文清", role=Role.STAFF, qq="20001")
    came = await factories.member("林建国", qq="10001")
    absent = await factories.member("王秀英", qq="10002")
    plenary = await factories.activity(title="全体委员会议", starts_in=timedelta(minutes=10))
    await _say(app, "10001", "签到", ReplyWith("签到成功"))
    clock.advance(hours=3)
    await _say(app, "20001", f"结束活动 {plenary.id}", ReplyWith("已结束", "缺席 1", "缺席：王秀英"))

    # the absence reached 通报批评: staff get the draft at once; no member hears about any rule
    drafted = await Consequence.all().values_list("rule", "member_id")
    assert drafted == [("absence-criticism", absent.id)]
    assert await _rule_rows() == [("consequence_draft", f"consequence-draft:1:{staff.id}")]

    # the nightly evaluation sends the reminders: the annual tasks to both, the next step to the absent
    clock.set(datetime(2026, 10, 15, 18, 0, tzinfo=UTC))  # 02:00 on 10-16, Asia/Shanghai
    await run_due(clock())
    reminders = set(await OutboxMessage.filter(kind="rule_reminder").values_list("dedupe_key", flat=True))
    assert reminders == {
        f"rule-reminder:no-submission-notice:{came.id}:2026:0",
        f"rule-reminder:no-submission-notice:{absent.id}:2026:0",
        f"rule-reminder:absence-resign:{absent.id}:2026:0:1",
    }

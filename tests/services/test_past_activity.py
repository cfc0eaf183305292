"""An activity whose start has passed is a record: created by the operator CLI (another process), by
chat's 新建活动 or on the web console, it is announced to nobody, reminds nobody and asks nobody to
confirm; staff are told so when they create it."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta

from nonebot.adapters.onebot.v11 import Bot
from nonebug import App

from bot import clock as bot_clock
from bot.services import activity_edit
from models import Activity, OutboxMessage, Role
from scheduler import run_due
from tests import factories
from tests.qq_events import ReplyWith, private_event
from tests.support.app_process import PROJECT_ROOT
from tests.support.console_client import signed_in

RECORD = "开始时间已过，作为记录保存"


async def _say(app: App, qq: str, text: str, answer: object) -> None:
    async with app.test_matcher() as ctx:
        bot = ctx.create_bot(base=Bot)
        event = private_event(qq, text)
        ctx.receive_event(bot, event)
        ctx.should_call_send(event, answer, result={"message_id": 1})


async def _roster() -> None:
    await factories.member("周文清", role=Role.STAFF, qq="20001")
    await factories.member("林建国", qq="10001")
    await factories.member("王秀英", qq="10002")


ABOUT_ACTIVITIES = ["activity_notice", "reminder", "silent_reminder", "silent_list", "checkin_open"]


async def _sent_about_activities() -> list[str]:
    rows = await OutboxMessage.filter(kind__in=ABOUT_ACTIVITIES).values_list("dedupe_key", flat=True)
    return list(rows)  # type: ignore[arg-type]


async def test_the_cli_in_another_process_records_a_past_activity_silently(app: App, shared_db_url):
    await _roster()
    env = {**os.environ, "WEIYUAN_ENV_FILE": os.devnull, "DATABASE_URL": shared_db_url}
    created = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "bot.cli", "activity", "create", "--type", "全体会议", "--title", "上月全会",
         "--start", "2020-03-02 09:00", "--end", "11:30", "--group", "70010"],
        cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=90,
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    assert RECORD in created.stdout and "应到 2 人" in created.stdout
    assert "签到时间" not in created.stdout
    activity = await Activity.get(title="上月全会")
    assert not await OutboxMessage.exists()  # no 【活动通知】 to the members nor to the group
    await _say(app, "10001", f"参加 {activity.id}", ReplyWith("已开始或已结束", "无需再确认"))
    await _say(app, "10002", f"请假 {activity.id} 出差", ReplyWith("不能再请假"))
    await run_due(bot_clock.now())  # nothing about the activity falls due for a record
    assert await _sent_about_activities() == []


async def test_chat_new_activity_in_the_past_says_it_is_a_record(app: App, db, clock):
    await _roster()
    answers = ["全体会议", "五月全会", "2026年5月20日 09:00", "11:30", "区政协会议室", "全体", "无", "无"]
    await _say(app, "20001", "新建活动", ReplyWith("开始新建活动"))
    for answer in answers[:-1]:
        await _say(app, "20001", answer, ReplyWith("？"))
    await _say(app, "20001", answers[-1], ReplyWith("请核对活动信息", RECORD))
    await _say(app, "20001", "确认", ReplyWith("已创建活动 #1「五月全会」", RECORD, absent=("签到时间",)))
    assert not await OutboxMessage.exists()
    clock.advance(days=1)
    await run_due(clock())
    assert await _sent_about_activities() == []


async def test_an_activity_already_under_way_is_not_announced_either(db, clock):
    await _roster()
    started = await factories.activity(title="进行中的会", starts_in=timedelta(minutes=-5))
    upcoming = await factories.activity(title="明天的会", starts_in=timedelta(days=1))
    keys = set(await OutboxMessage.all().values_list("dedupe_key", flat=True))
    assert not [k for k in keys if k.startswith(f"notice:{started.id}:")]
    assert len([k for k in keys if k.startswith(f"notice:{upcoming.id}:")]) == 2
    # moving the coming one into the past by an edit tells nobody either
    draft = activity_edit.draft_of(upcoming, [])
    draft.start_at = clock() - timedelta(days=2)
    draft.end_at = draft.start_at + timedelta(hours=2)
    edited = await activity_edit.update(upcoming.id, draft, "test")
    assert edited.told == 0


async def test_the_console_records_a_past_activity_and_says_so(db, clock):
    await _roster()
    admin = await factories.member("赵敏", role=Role.ADMIN)
    form = {"type": "全体会议", "title": "补录的全会", "audience": "all"}
    form |= {"start": "2026-05-20T09:00", "end": "2026-05-20T11:30"}
    async with signed_in(admin) as client:
        posted = await client.post_form("/console/activities/new", form)
        assert posted.status_code == 303, posted.text
        shown = await client.http.get(posted.headers["location"])
    assert RECORD in shown.text and "活动通知已排队发送" not in shown.text
    assert not await OutboxMessage.exists()
    assert datetime(2026, 5, 20, 1, 0, tzinfo=UTC) == (await Activity.get(title="补录的全会")).start_at

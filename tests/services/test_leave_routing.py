"""A leave request always reaches staff: the activity's creator, else its 专委会's staff, else every
staff member; when none of them can be reached, every staff member, then the SUPERUSERS accounts.
One outbox row per recipient, with a dedupe key."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta

from nonebot.adapters.onebot.v11 import Bot
from nonebug import App

from bot.delivery import recipients
from bot.render import render
from bot.services import leave
from models import Audience, Identity, OutboxMessage, Role
from tests import factories
from tests.notices.helpers import keys, text_of
from tests.qq_events import private_event, reply
from tests.support.app_process import PROJECT_ROOT


async def _staff():
    economy = await factories.member("周文清", role=Role.STAFF, qq="20001", committees=("经济委",))
    office = await factories.member("赵敏", role=Role.ADMIN, qq="20002")
    return economy, office


def _cli(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "WEIYUAN_ENV_FILE": os.devnull, "DATABASE_URL": url}
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True,
        timeout=90,
    )  # fmt: skip


async def test_a_request_on_an_activity_the_cli_created_reaches_its_committee_staff(app: App, shared_db_url):
    economy, office = await _staff()
    member = await factories.member("林建国", qq="10001", committees=("经济委",))
    created = _cli(
        shared_db_url, "activity", "create", "--type", "专委会活动", "--title", "经济委调研",
        "--start", "2030-12-02 09:00", "--end", "11:30", "--committee", "经济委",
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    async with app.test_matcher() as ctx:
        bot = ctx.create_bot(base=Bot)
        event = private_event("10001", "请假 1 单位年终审计")
        ctx.receive_event(bot, event)
        answer = "请假申请已提交（编号 1）：活动 #1「经济委调研」。工作人员审批后会私信通知您。"
        ctx.should_call_send(event, reply(answer), result={"message_id": 1})
    assert await keys("leave-request:") == {f"leave-request:1:{economy.id}"}  # not 赵敏: 经济委's staff
    notice = await OutboxMessage.get(dedupe_key=f"leave-request:1:{economy.id}")
    assert recipients.load(notice.recipient) == recipients.MemberRecipient(economy.id)
    assert text_of(notice) == (
        "新的请假申请（编号 1）：林建国 · 活动 #1「经济委调研」（12月2日 09:00）\n事由：单位年终审计\n"
        "批准请回复：批准 1；驳回请回复：驳回 1 原因"
    )
    assert member.id and office.id


async def test_without_a_committee_every_staff_member_is_told(db, clock):
    economy, office = await _staff()
    await factories.member("林建国", qq="10001")
    activity = await factories.activity(starts_in=timedelta(days=2))  # created by neither of them
    request = await leave.request(factories.private("10001"), str(activity.id), "出差")
    assert await keys("leave-request:") == {f"leave-request:{request.id}:{m.id}" for m in (economy, office)}


async def test_unreachable_staff_widen_the_circle_down_to_the_superusers(db, clock, monkeypatch):
    economy, office = await _staff()
    await factories.member("林建国", qq="10001", committees=("经济委",))
    meeting = await factories.activity(
        audience=Audience.COMMITTEE, audience_value="经济委", starts_in=timedelta(days=2)
    )
    await Identity.filter(member=economy).delete()  # 经济委's only staff member has no binding
    first = await leave.request(factories.private("10001"), str(meeting.id), "出差")
    assert await keys(f"leave-request:{first.id}:") == {
        f"leave-request:{first.id}:{economy.id}",  # queued anyway: 送达 shows it unreachable
        f"leave-request:{first.id}:{office.id}",
    }
    await Identity.filter(member=office).delete()  # now no staff member can be reached at all
    await leave.decide(await _superuser(), str(first.id), approve=False, reason="请出席")
    second = await leave.request(factories.private("10001"), str(meeting.id), "仍需出差")
    assert await keys(f"leave-request:{second.id}:") == {
        f"leave-request:{second.id}:{economy.id}",
        f"leave-request:{second.id}:{office.id}",
        f"leave-request:{second.id}:account:qq:999000",  # SUPERUSERS in tests
    }
    row = await OutboxMessage.get(dedupe_key=f"leave-request:{second.id}:account:qq:999000")
    assert recipients.load(row.recipient) == recipients.AccountRecipient("qq", "999000")
    assert "仍需出差" in render(row.template, **row.context)


async def _superuser():
    from bot.services.actors import resolve

    return await resolve(factories.private("999000"))

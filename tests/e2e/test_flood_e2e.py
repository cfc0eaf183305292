"""One account flooding the running bot: answered a few times, told once, then ignored; everybody
else (another member's 签到, a staff broadcast) goes on as if nothing happened."""

from __future__ import annotations

import asyncio

import pytest

from bot import clock
from models import Attendance, AttendanceStatus, Role
from tests import factories
from tests.support.app_process import IMMEDIATE_DELIVERY, AppProcess
from tests.support.onebot_peer import OneBotPeer

TOKEN = "e2e-flood-token"
GROUP = 7001
FLOODER, MEMBER, STAFF = 10001, 10002, 20001
FLOOD = 300
LIMITS = {"RATE_LIMIT_BURST": "5", "RATE_LIMIT_PER_SECOND": "1", "RATE_LIMIT_SILENCE_SECONDS": "600"}


@pytest.fixture
def sqlite_only(shared_db_url: str) -> str:
    if not shared_db_url.startswith("sqlite"):
        pytest.skip("the limit is in the bot's memory, before any database work: one backend is enough")
    return shared_db_url


async def test_a_flooding_account_does_not_slow_anybody_else(sqlite_only, tmp_path):
    clock.set_clock(None)
    await factories.member("林建国", qq=str(FLOODER))
    member = await factories.member("陈晓梅", qq=str(MEMBER))
    await factories.member("周文清", role=Role.STAFF, qq=str(STAFF))
    meeting = await factories.activity(title="全体委员会议", group_id=str(GROUP))
    bot = AppProcess(
        database_url=sqlite_only, token=TOKEN, workdir=tmp_path, env={**IMMEDIATE_DELIVERY, **LIMITS}
    )
    bot.start()
    peer = OneBotPeer(bot.ws_url, TOKEN)
    try:
        await bot.wait_ready()
        await peer.connect()
        checked_in = peer.expect(lambda a: a.action == "send_msg" and "陈晓梅 签到成功" in a.text)
        for index in range(FLOOD):
            await peer.send_event(peer.private_message(FLOODER, "帮助", 1000 + index))
            if index == FLOOD // 2:
                await peer.send_event(peer.group_message(MEMBER, GROUP, "签到", 5000))
        await asyncio.wait_for(checked_in, 20)
        # the staff member's broadcast: preview, confirm, then one private message per member
        assert "确认" in await peer.say(STAFF, "通知 全体 明天上午九点开会，请准时参加。")
        assert "B1" in await peer.say(STAFF, "确认")
        await peer.wait_for(lambda p: p.count("send_private_msg", text="明天上午九点开会") >= 2, 20)
        replies_to_flooder = [
            a for a in peer.actions if a.action == "send_msg" and a.target == ("private", FLOODER)
        ]
    finally:
        await peer.close()
        bot.stop()
    # the flooder: the burst answered, one notice, then nothing
    assert len(replies_to_flooder) == int(LIMITS["RATE_LIMIT_BURST"]) + 1
    notices = [a for a in replies_to_flooder if "太快" in a.text]
    answers = [a for a in replies_to_flooder if "使用帮助" in a.text]
    assert (len(notices), len(answers)) == (1, int(LIMITS["RATE_LIMIT_BURST"]))
    # the member's check-in was answered, and no later than the flooder's notice plus one
    replies = [a for a in peer.actions if a.action == "send_msg"]
    assert replies.index(await checked_in) <= len(replies_to_flooder) + 1
    row = await Attendance.get(activity_id=meeting.id, member_id=member.id)
    assert row.status == AttendanceStatus.PRESENT
    # the broadcast reached every 委员 (全体 is not the staff), the flooder included
    broadcast = [a for a in peer.actions if a.action == "send_private_msg" and "明天上午九点开会" in a.text]
    assert sorted(a.target[1] for a in broadcast) == sorted([FLOODER, MEMBER])

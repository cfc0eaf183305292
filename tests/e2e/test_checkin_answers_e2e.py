"""签到 against the running bot while the operator CLI changes activities from another process."""

from __future__ import annotations

import asyncio
import os
import sys
from datetime import timedelta

from bot import clock
from models import Attendance, AttendanceStatus, Audience
from tests import factories
from tests.support.app_process import PROJECT_ROOT, AppProcess
from tests.support.onebot_peer import OneBotPeer

TOKEN = "e2e-checkin-token"
ZONE = {"LOCAL_TIMEZONE": "Asia/Shanghai"}  # the committee's; the CLI reads --start in it
GROUP = 7001


async def operator_cli(database_url: str, *args: str) -> str:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        *args,
        cwd=PROJECT_ROOT,
        env={**os.environ, "WEIYUAN_ENV_FILE": os.devnull, "DATABASE_URL": database_url, **ZONE},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 0, err.decode()
    return out.decode()


async def test_activity_created_by_the_cli_is_checked_in_at_once(shared_db_url, tmp_path):
    clock.set_clock(None)
    first = await factories.member("林建国", qq="10001", committees=("经济委",))
    await factories.member("陈晓梅", qq="10002", committees=("经济委",))
    await factories.member("王立群", qq="10003", committees=("文史委",))
    morning = await factories.activity(
        title="上午学习会", code="AAAA", audience=Audience.COMMITTEE, audience_value="经济委"
    )
    bot = AppProcess(database_url=shared_db_url, token=TOKEN, workdir=tmp_path, env=ZONE)
    bot.start()
    peer = OneBotPeer(bot.ws_url, TOKEN)
    try:
        await bot.wait_ready()
        await peer.connect()
        # the bot now caches the open activities: only 上午学习会
        assert "签到成功" in await peer.say(10002, "签到 AAAA")
        # 王立群 is not on 上午学习会's list: told so, never asked for its code
        reply = await peer.say(10003, "签到 AAAA")
        assert "不在活动" in reply and "上午学习会" in reply and "签到码" not in reply, reply
        start = clock.to_local(clock.now() + timedelta(minutes=10))  # the CLI reads local wall time
        created = await operator_cli(
            shared_db_url,
            "activity",
            "create",
            "--type",
            "全体会议",
            "--title",
            "临时加开的全体会议",
            "--start",
            start.strftime("%Y-%m-%d %H:%M"),
            "--end",
            (start + timedelta(hours=1)).strftime("%H:%M"),
            "--code",
            "K7Q2",
        )
        assert "临时加开的全体会议" in created
        reply = await peer.say(10001, "签到 K7Q2")
        assert "林建国 签到成功" in reply and "临时加开的全体会议" in reply, reply
        reply = await peer.say(10003, "签到\u3000ｋ７ｑ２")
        assert "王立群 签到成功" in reply, reply
        # the CLI closes the morning session; the cached copy does not let anyone in
        await operator_cli(shared_db_url, "activity", "close", str(morning.id))
        reply = await peer.say(10001, f"签到 #{morning.id} AAAA")
        assert "已经结束" in reply, reply
    finally:
        await peer.close()
        bot.stop()
    statuses = dict(await Attendance.filter(member_id=first.id).values_list("activity_id", "status"))
    assert statuses[morning.id] == AttendanceStatus.ABSENT
    assert sorted(statuses.values()) == sorted([AttendanceStatus.ABSENT, AttendanceStatus.PRESENT])

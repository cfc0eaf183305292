"""`python -m bot` and NoneBot's own `nb run` start the same bot: both answer 签到 over a real OneBot
WebSocket (the router is installed by the bot.plugin NoneBot plugin, not by our launcher)."""

from __future__ import annotations

import pytest

from tests import factories
from tests.conftest import use_database
from tests.support.app_process import IMMEDIATE_DELIVERY, NB_RUN, AppProcess
from tests.support.onebot_peer import OneBotPeer

TOKEN = "launcher-token"
GROUP, MEMBER_QQ = 7100, 10001


@pytest.mark.parametrize("launcher", [("-m", "bot"), NB_RUN], ids=["python -m bot", "nb run"])
async def test_both_launchers_answer_checkin(tmp_path, launcher):
    await use_database(f"sqlite://{tmp_path / 'launch.sqlite3'}")
    await factories.member("林建国", qq=str(MEMBER_QQ))
    await factories.activity(title="全体委员会议", group_id=str(GROUP))
    app = AppProcess(
        database_url=f"sqlite://{tmp_path / 'launch.sqlite3'}",
        token=TOKEN,
        workdir=tmp_path,
        env=IMMEDIATE_DELIVERY,
        launcher=launcher,
    )
    app.start()
    peer = OneBotPeer(app.ws_url, TOKEN)
    try:
        await app.wait_ready()
        await peer.connect()
        reply = await peer.say(MEMBER_QQ, "签到", GROUP)
        assert "林建国 签到成功" in reply and "全体委员会议" in reply, app.log()
        assert "委员之家 started" in app.log() and app.ws_url in app.log()
    finally:
        await peer.close()
        app.stop()

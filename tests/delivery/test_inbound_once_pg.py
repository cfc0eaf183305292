"""A OneBot client connected to two bot processes (NapCat can open several reverse WebSockets) sends
every event to both: a staff member's `通知` and `确认` still queue one broadcast, answered once."""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from models import OutboxMessage, Role
from tests import factories
from tests.support.app_process import IMMEDIATE_DELIVERY, AppProcess
from tests.support.onebot_peer import OneBotPeer

pytestmark = pytest.mark.postgres

STAFF = 20001
SETTLE = 3.0  # longer than the pause a process that does not send for the account takes


async def _until(condition: Callable[[], object], within: float, what: str) -> None:
    deadline = time.monotonic() + within
    while True:
        met = condition()
        if inspect.isawaitable(met):
            met = await met
        if met:
            return
        assert time.monotonic() < deadline, what
        await asyncio.sleep(0.2)


async def test_one_confirmation_reaching_two_processes_queues_one_broadcast(
    shared_db_url: str, tmp_path: Path
):
    if shared_db_url.startswith("sqlite"):
        pytest.skip("several processes share one database on PostgreSQL")
    await factories.member("周文清", role=Role.STAFF, qq=str(STAFF))
    for n in range(3):
        await factories.member(f"委员{n}", qq=str(10_001 + n))
    apps = [
        AppProcess(database_url=shared_db_url, env=IMMEDIATE_DELIVERY, workdir=tmp_path / f"a{n}")
        for n in (1, 2)
    ]
    peers = [OneBotPeer(app.ws_url, app.token) for app in apps]  # one QQ account, two connections

    async def both(text: str, message_id: int) -> None:
        event = peers[0].private_message(STAFF, text, message_id)
        event["time"] = int(time.time())
        for peer in peers:
            await peer.send_event(event)

    def replies(text: str = "") -> int:
        return sum(peer.count("send_msg", text=text) for peer in peers)

    try:
        for app in apps:
            app.workdir.mkdir()
            app.start()
        for app, peer in zip(apps, peers, strict=True):
            await app.wait_ready(90)
            await peer.connect(within=90)
        await both("通知 全体 明天上午九点开会，请准时参加。", 9001)
        await _until(lambda: replies("确认") >= 1, 60, "no preview")
        await both("确认", 9002)
        await _until(
            lambda: OutboxMessage.filter(batch__not="", kind__not="").exists(), 60, "no broadcast queued"
        )
        await asyncio.sleep(SETTLE)  # what a second process would have done by now
    finally:
        for app, peer in zip(apps, peers, strict=True):
            await peer.close()
            app.stop()
    batches = set(await OutboxMessage.exclude(batch="").values_list("batch", flat=True))
    assert len(batches) == 1, (batches, apps[0].log(), apps[1].log())
    assert replies() == 2  # the preview and the confirmation, each from one process

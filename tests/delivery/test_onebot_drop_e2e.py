"""The QQ client's WebSocket drops while a message is in its hands: the row ends unknown at once
(it may have gone out), and the lane goes on with the client's new connection, long before
NoneBot's API timeout would have run out."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from bot.delivery import outbox
from bot.delivery.recipients import AccountRecipient
from models import OutboxMessage, OutboxStatus
from tests.support.app_process import IMMEDIATE_DELIVERY, AppProcess
from tests.support.onebot_peer import OneBotPeer, Reply

LOST, NEXT = 401, 402
API_TIMEOUT = 60  # what the app would wait for an answer that never comes


async def _status(key: str) -> OutboxStatus | None:
    rows = await OutboxMessage.filter(dedupe_key=key).values_list("status", flat=True)
    return rows[0] if rows else None


async def test_a_dropped_connection_ends_the_send_unknown_and_the_lane_goes_on(
    shared_db_url: str, tmp_path: Path
):
    env = {**IMMEDIATE_DELIVERY, "API_TIMEOUT": str(API_TIMEOUT), "DELIVERY_RETRY_BASE_SECONDS": "0.3"}
    app = AppProcess(database_url=shared_db_url, env=env, workdir=tmp_path)
    peer = OneBotPeer(app.ws_url, app.token)
    peer.reply("send_private_msg", lambda p: Reply(drop=True) if p["user_id"] == LOST else Reply())
    try:
        app.start()
        await app.wait_ready(90)
        await peer.connect(within=90)
        in_hands = peer.expect(lambda a: a.action == "send_private_msg" and a.params["user_id"] == LOST)
        await outbox.enqueue(
            key="drop:lost", recipient=AccountRecipient("qq", str(LOST)), template="delivery/usage.j2"
        )
        await asyncio.wait_for(in_hands, 60)
        dropped_at = time.monotonic()
        await peer.close()  # the client goes away without answering, and comes back
        await peer.connect(within=60)
        await outbox.enqueue(
            key="drop:next", recipient=AccountRecipient("qq", str(NEXT)), template="delivery/usage.j2"
        )
        deadline = dropped_at + API_TIMEOUT / 2
        while await _status("drop:next") != OutboxStatus.SENT:
            assert time.monotonic() < deadline, f"the lane waited for the API timeout\n{app.log()}"
            await asyncio.sleep(0.1)
    finally:
        await peer.close()
        app.stop()
    lost = await OutboxMessage.get(dedupe_key="drop:lost")
    assert lost.status == OutboxStatus.UNKNOWN and "dropped" in lost.last_error, lost.last_error
    assert [a.connection for a in peer.calls("send_private_msg") if a.params["user_id"] == NEXT] == [2]
    assert peer.count("send_private_msg") == len(peer.calls("send_private_msg"))
    assert [a.params["user_id"] for a in peer.calls("send_private_msg")].count(LOST) == 1  # never resent

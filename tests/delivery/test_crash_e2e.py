"""kill -9 in the middle of a 500-recipient broadcast, over a real OneBot WebSocket on loopback.

The app runs as `python -m bot` on a SQLite file; a OneBot peer counts what QQ would have received.
After the restart every recipient has exactly one message, except the at most few rows that were in
flight at the kill: they end `unknown` and their recipients received at most one.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from bot.delivery import outbox
from bot.delivery.recipients import MemberRecipient
from bot.render import render
from models import Identity, Member, OutboxMessage, OutboxStatus
from tests.support.app_process import AppProcess
from tests.support.onebot_peer import OneBotPeer

RECIPIENTS = 500
BROADCAST_TEXT = render("delivery/usage.j2")
QQ_BASE = 200_000
OPEN = [OutboxStatus.PENDING, OutboxStatus.CLAIMED, OutboxStatus.SENDING]

APP_ENV = {
    "QQ_PRIVATE_INTERVAL_SECONDS": "0.01",  # a few seconds for the whole broadcast
    "QQ_PRIVATE_JITTER_SECONDS": "0",
    "QQ_DAILY_CAP": "0",
    "QUIET_HOURS_START": "00:00",  # off: the test may run at any hour
    "QUIET_HOURS_END": "00:00",
    "DELIVERY_LEASE_SECONDS": "3",  # the restarted app recovers the dead one's rows quickly
    "DELIVERY_OFFLINE_RETRY_SECONDS": "0.5",
    "DISPATCH_INTERVAL_SECONDS": "0.2",
    "LOG_LEVEL": "WARNING",
}


async def _seed() -> list[int]:
    await Member.bulk_create([Member(name=f"委员{i:03d}") for i in range(RECIPIENTS)])
    ids = sorted(await Member.all().values_list("id", flat=True))
    await Identity.bulk_create(
        [Identity(member_id=mid, platform="qq", account_id=str(QQ_BASE + mid)) for mid in ids]
    )
    added = await outbox.enqueue_many(
        [
            outbox.Outgoing(f"crash:{mid}", MemberRecipient(mid), "delivery/usage.j2", {}, "notice", "500")
            for mid in ids
        ]
    )
    assert added == RECIPIENTS
    return ids


async def _wait_drained(app: AppProcess, within: float) -> None:
    deadline = time.monotonic() + within
    while await OutboxMessage.filter(status__in=OPEN).exists():
        if time.monotonic() > deadline:
            counts = await OutboxMessage.filter(status__in=OPEN).count()
            raise AssertionError(f"{counts} rows still open\n{app.log()}")
        if not app.running:
            raise AssertionError(f"the app died\n{app.log()}")
        await asyncio.sleep(0.3)


async def test_kill9_mid_broadcast_delivers_each_message_once(shared_db_url: str, tmp_path: Path):
    member_ids = await _seed()
    app = AppProcess(database_url=shared_db_url, env=APP_ENV, workdir=tmp_path)
    peer = OneBotPeer(app.ws_url, app.token)
    try:
        app.start()
        await asyncio.to_thread(app.wait_listening, 60)
        await peer.connect(within=60)
        await peer.wait_for(lambda p: len(p.calls("send_private_msg", text=BROADCAST_TEXT)) >= 100, within=60)
        app.kill()
        at_kill = len(peer.calls("send_private_msg", text=BROADCAST_TEXT))
        assert at_kill < RECIPIENTS, "the broadcast finished before the kill: slow it down"
        await peer.close()

        app.start()
        await asyncio.to_thread(app.wait_listening, 60)
        await peer.connect(within=60)
        await _wait_drained(app, within=120)
    finally:
        await peer.close()
        app.stop()

    # Only this broadcast: the app also queues messages of its own at start-up (rule reminders).
    received = peer.per_target("send_private_msg", text=BROADCAST_TEXT)
    rows = await OutboxMessage.filter(batch="500").values_list("recipient", "status")
    assert len(rows) == RECIPIENTS  # no row lost
    status_of = {recipient["member_id"]: OutboxStatus(status) for recipient, status in rows}
    assert set(status_of) == set(member_ids)
    twice = {qq: n for qq, n in received.items() if n > 1}
    assert not twice, f"received more than once: {twice}"
    unknown = [mid for mid, status in status_of.items() if status == OutboxStatus.UNKNOWN]
    sent = [mid for mid, status in status_of.items() if status == OutboxStatus.SENT]
    assert len(sent) + len(unknown) == RECIPIENTS, {s for s in status_of.values()}
    assert len(unknown) <= 2, f"too many rows in flight at the kill: {unknown}"
    for mid in sent:
        assert received[QQ_BASE + mid] == 1, f"member {mid} is sent but received {received[QQ_BASE + mid]}"
    for mid in unknown:
        assert received[QQ_BASE + mid] <= 1
    restarted = [a for a in peer.calls("send_private_msg", text=BROADCAST_TEXT) if a.connection == 2]
    assert restarted and len(restarted) <= RECIPIENTS - at_kill + 2

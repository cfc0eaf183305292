"""Several dispatchers on one PostgreSQL database: row locks (SKIP LOCKED) and guarded updates mean
no message is ever sent twice, whether the dispatchers share a process or not."""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest

from bot.delivery import outbox
from bot.delivery.channels.base import ChannelLimits, SendResult
from bot.delivery.dispatcher import Dispatcher
from bot.delivery.recipients import AccountRecipient, MemberRecipient
from bot.render import render
from models import Identity, Member, OutboxMessage, OutboxStatus
from tests.delivery.conftest import FakeChannel
from tests.support.app_process import AppProcess
from tests.support.onebot_peer import OneBotPeer

pytestmark = pytest.mark.postgres

ROWS = 300


def _postgres_only(db: str) -> None:
    if db != "postgres":
        pytest.skip("row locks exist on PostgreSQL only; SQLite runs one dispatcher (see store.py)")


class SlowFake(FakeChannel):
    async def send_to_account(self, account_id: str, text: str) -> SendResult:
        await asyncio.sleep(0.001)  # let the other dispatcher run in between
        return await super().send_to_account(account_id, text)


async def test_a_claim_skips_rows_another_transaction_has_locked(db, postgres_url, clock):
    """The claim really takes row locks: rows locked elsewhere are skipped, never waited for or shared."""
    _postgres_only(db)
    import asyncpg

    from bot.delivery import store

    await outbox.enqueue_many(
        [outbox.Outgoing(f"lock:{i}", AccountRecipient("qq", str(i)), "delivery/usage.j2") for i in range(6)]
    )
    ids = sorted(await OutboxMessage.all().values_list("id", flat=True))
    other = await asyncpg.connect(postgres_url)
    try:
        locker = other.transaction()
        await locker.start()
        await other.execute("SELECT id FROM outbox WHERE id = ANY($1::int[]) FOR UPDATE", ids[:3])
        jobs = await asyncio.wait_for(store.claim("me", clock.current, 10), timeout=10)
        assert sorted(job.id for job in jobs) == ids[3:]
        await locker.rollback()
    finally:
        await other.close()
    claimed = await OutboxMessage.filter(claimed_by="me").values_list("id", flat=True)
    assert sorted(claimed) == ids[3:]


async def test_two_dispatchers_never_send_a_row_twice(db, registry, configure):
    _postgres_only(db)
    configure(delivery_claim_batch=20, quiet_hours_start="00:00", quiet_hours_end="00:00")
    qq = registry("qq", cls=SlowFake, limits=ChannelLimits(inflight=5))
    await outbox.enqueue_many(
        [outbox.Outgoing(f"pg:{i}", AccountRecipient("qq", str(i)), "delivery/usage.j2") for i in range(ROWS)]
    )
    first, second = Dispatcher(owner="first"), Dispatcher(owner="second")
    await asyncio.gather(first.drain(), second.drain(), first.drain(), second.drain())
    per_account = Counter(address for _, address, _ in qq.sent)
    assert len(per_account) == ROWS and set(per_account.values()) == {1}
    owners = Counter(
        await OutboxMessage.filter(status=OutboxStatus.SENT).values_list("claimed_by", flat=True)
    )
    assert sum(owners.values()) == ROWS
    assert set(owners) == {"first", "second"}, owners  # both really worked, on disjoint rows


async def test_two_app_processes_with_two_accounts_share_a_broadcast(db, postgres_url, tmp_path):
    _postgres_only(db)
    await Member.bulk_create([Member(name=f"委员{i:03d}") for i in range(ROWS)])
    ids = sorted(await Member.all().values_list("id", flat=True))
    await Identity.bulk_create(
        [Identity(member_id=m, platform="qq", account_id=str(100_000 + m)) for m in ids]
    )
    env = {
        "QQ_PRIVATE_INTERVAL_SECONDS": "0.005",
        "QQ_PRIVATE_JITTER_SECONDS": "0",
        "QQ_DAILY_CAP": "0",
        "QUIET_HOURS_START": "00:00",
        "QUIET_HOURS_END": "00:00",
        "DELIVERY_CLAIM_BATCH": "25",
        "DELIVERY_OFFLINE_RETRY_SECONDS": "0.3",
        "DISPATCH_INTERVAL_SECONDS": "0.2",
        "LOG_LEVEL": "WARNING",
    }
    apps = [AppProcess(database_url=postgres_url, env=env, workdir=tmp_path / f"app{n}") for n in (1, 2)]
    # two QQ accounts, one per process: each process sends for its own account (one account is
    # sent for by one process at a time, see test_senders_pg.py)
    peers = [OneBotPeer(app.ws_url, app.token, self_id=10_000 + n) for n, app in enumerate(apps)]
    try:
        for app, peer in zip(apps, peers, strict=True):
            app.workdir.mkdir()
            app.start()
            await asyncio.to_thread(app.wait_listening, 60)
            await peer.connect(within=60)
        await outbox.enqueue_many(
            [outbox.Outgoing(f"two:{m}", MemberRecipient(m), "delivery/usage.j2", batch="2") for m in ids]
        )
        for _ in range(600):
            if not await OutboxMessage.filter(
                batch="2", status__in=["pending", "claimed", "sending"]
            ).exists():
                break
            await asyncio.sleep(0.2)
    finally:
        for app, peer in zip(apps, peers, strict=True):
            await peer.close()
            app.stop()
    text = render("delivery/usage.j2")  # this broadcast only, not the apps' own start-up reminders
    received = peers[0].per_target("send_private_msg", text=text) + peers[1].per_target(
        "send_private_msg", text=text
    )
    assert len(received) == ROWS and set(received.values()) == {1}, apps[0].log() + apps[1].log()
    assert peers[0].calls("send_private_msg", text=text) and peers[1].calls("send_private_msg", text=text)
    statuses = Counter(await OutboxMessage.filter(batch="2").values_list("status", flat=True))
    assert statuses == {OutboxStatus.SENT: ROWS}

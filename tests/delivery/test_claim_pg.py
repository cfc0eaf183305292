"""The claim on PostgreSQL: an index that matches it, and a dispatcher woken once the rows it is
woken for have committed."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from tortoise import connections
from tortoise.transactions import in_transaction

from bot.delivery import outbox, store
from bot.delivery.dispatcher import Dispatcher
from bot.delivery.recipients import AccountRecipient
from models import MessageClass, OutboxMessage, OutboxStatus

pytestmark = pytest.mark.postgres
TEMPLATE = "delivery/usage.j2"


def _postgres_only(db: str) -> None:
    if db != "postgres":
        pytest.skip("the planner and concurrent transactions are PostgreSQL's (SQLite runs one process)")


async def _sent(key: str) -> bool:
    return await OutboxMessage.filter(dedupe_key=key, status=OutboxStatus.SENT).exists()


async def _until_sent(key: str, within: float) -> None:
    async with asyncio.timeout(within):
        while not await _sent(key):  # noqa: ASYNC110 (polls the database)
            await asyncio.sleep(0.02)


async def test_the_dispatcher_is_woken_after_the_enqueueing_transaction_commits(
    db, clock, registry, configure
):
    """Woken inside the transaction, the dispatcher would look before the rows are visible and
    sleep its whole interval (here 60 s); woken after the commit, it sends at once."""
    _postgres_only(db)
    configure(dispatch_interval_seconds=60)
    qq = registry("qq")
    task = asyncio.create_task(Dispatcher(owner="waker").run_forever())
    try:
        await outbox.enqueue(key="probe", recipient=AccountRecipient("qq", "1"), template=TEMPLATE)
        await _until_sent("probe", 30)  # the loop has run and now waits for the next wake
        async with in_transaction():
            await outbox.enqueue(key="in-tx", recipient=AccountRecipient("qq", "2"), template=TEMPLATE)
            for _ in range(20):  # give a dispatcher woken too early every chance to look now
                await asyncio.sleep(0.01)
        await _until_sent("in-tx", 20)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    assert [address for _, address, _ in qq.sent] == ["1", "2"]


async def test_a_rolled_back_enqueue_wakes_nobody_and_leaves_nothing(db, clock):
    _postgres_only(db)
    from bot.delivery import dispatcher

    dispatcher._wake.clear()
    with pytest.raises(RuntimeError):
        async with in_transaction():
            await outbox.enqueue(key="gone", recipient=AccountRecipient("qq", "2"), template=TEMPLATE)
            raise RuntimeError("the caller's transaction fails")
    assert not dispatcher._wake.is_set()
    assert not await OutboxMessage.filter(dedupe_key="gone").exists()


async def test_the_claim_reads_an_index_in_order_not_a_sort_of_every_due_row(db, clock):
    """24,000 pending rows (a broadcast, due now) and personal rows: each class's claim query is a
    range scan of (status, platform, message_class, due_at, id), without a Sort node."""
    _postgres_only(db)
    await outbox.enqueue_many(
        [
            outbox.Outgoing(f"b:{i}", AccountRecipient("qq", str(i)), TEMPLATE, batch="9")
            for i in range(24_000)
        ]
        + [
            outbox.Outgoing(f"p:{i}", AccountRecipient("qq", str(i)), TEMPLATE, kind="leave_decision")
            for i in range(50)
        ],
        batch_size=2000,
    )
    conn = connections.get("default")
    await conn.execute_script("ANALYZE outbox")
    now = clock.current + timedelta(seconds=1)
    for message_class in MessageClass:
        query = store._due(now, message_class, 100, [], "qq").select_for_update(skip_locked=True)
        plan = "\n".join(
            row["QUERY PLAN"]
            for row in await conn.execute_query_dict(f"EXPLAIN {query.sql(params_inline=True)}")
        )
        assert "Sort" not in plan, plan
        assert "outbox_status_" in plan and "Index" in plan, plan
    jobs = await store.claim("me", now, 100, platforms=["", "qq"])
    assert [job.message_class for job in jobs[:50]] == [MessageClass.PERSONAL] * 50

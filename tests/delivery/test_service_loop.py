"""The service loop (`run_forever`): one worker per lane, so a stuck channel holds up nobody else,
and a stop gives back what was only claimed while in-flight rows stay for the lease to settle."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field

from bot.delivery import outbox
from bot.delivery.channels.base import ChannelLimits, SendOutcome, SendResult
from bot.delivery.dispatcher import Dispatcher
from bot.delivery.recipients import AccountRecipient, GroupRecipient
from models import OutboxMessage, OutboxStatus
from tests.delivery.conftest import FakeChannel


@dataclass
class StuckChannel(FakeChannel):
    gate: asyncio.Event = field(default_factory=asyncio.Event)

    async def send_to_group(self, group_id: str, text: str) -> SendResult:
        self.sent.append(("group", group_id, text))
        await self.gate.wait()
        return SendResult(SendOutcome.SENT)


async def _until(condition: Callable[[], object], within: float = 30.0) -> None:
    async with asyncio.timeout(within):
        while not await condition():  # type: ignore[misc]  # noqa: ASYNC110 (polls the database)
            await asyncio.sleep(0.02)


async def _count(status: OutboxStatus, prefix: str) -> int:
    return await OutboxMessage.filter(status=status, dedupe_key__startswith=prefix).count()


async def test_a_stuck_channel_does_not_hold_up_the_others(db, clock, registry, configure):
    configure(dispatch_interval_seconds=0.05, delivery_claim_batch=4)
    stuck = registry("slow", cls=StuckChannel, limits=ChannelLimits(inflight=1))
    qq = registry("qq")
    await outbox.enqueue_many(
        [outbox.Outgoing(f"slow:{i}", GroupRecipient("slow", str(i)), "delivery/usage.j2") for i in range(3)]
        + [outbox.Outgoing(f"qq:{i}", AccountRecipient("qq", str(i)), "delivery/usage.j2") for i in range(6)]
    )
    dispatcher = Dispatcher(owner="loop")
    task = asyncio.create_task(dispatcher.run_forever())
    try:
        # Both lanes run on their own: the QQ rows all go out while the slow lane's first message is
        # still in the platform's hands (on a loaded machine the slow lane may start after QQ is done).
        await _until(lambda: _sent_all_while_stuck(stuck, "qq:", 6))
        assert len(qq.sent) == 6
        assert len(stuck.sent) == 1
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    # Stopped mid-send: the in-flight row waits for the lease (it may have gone out), the rest is free.
    assert await _count(OutboxStatus.SENDING, "slow:") == 1
    assert await _count(OutboxStatus.PENDING, "slow:") == 2
    assert await OutboxMessage.filter(status=OutboxStatus.CLAIMED).count() == 0


async def _sent_all_while_stuck(stuck: StuckChannel, prefix: str, n: int) -> bool:
    return len(stuck.sent) >= 1 and await _sent_all(prefix, n)


async def _sent_all(prefix: str, n: int) -> bool:
    return await _count(OutboxStatus.SENT, prefix) == n


async def test_the_loop_drains_everything_once_the_channel_answers(db, clock, registry, configure):
    configure(dispatch_interval_seconds=0.05, delivery_claim_batch=2)
    stuck = registry("slow", cls=StuckChannel)
    stuck.gate.set()
    await outbox.enqueue_many(
        [outbox.Outgoing(f"slow:{i}", GroupRecipient("slow", str(i)), "delivery/usage.j2") for i in range(7)]
    )
    task = asyncio.create_task(Dispatcher().run_forever())
    try:
        await _until(lambda: _sent_all("slow:", 7))
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    assert sorted(address for _, address, _ in stuck.sent) == [str(i) for i in range(7)]

"""Without pacing, a lane hands a chunk of rows over at once between two state writes: a broadcast
goes at the platform's speed, not at one database round trip per message."""

from __future__ import annotations

import asyncio
from collections import Counter

from bot.delivery import outbox, sending, store
from bot.delivery.channels.base import ChannelLimits, Pace, SendResult
from bot.delivery.channels.onebot import UNPACED_INFLIGHT, OneBotChannel
from bot.delivery.dispatcher import Dispatcher
from bot.delivery.recipients import AccountRecipient
from models import OutboxMessage, OutboxStatus
from tests.delivery.conftest import FakeChannel

ROWS = 100


class ConcurrencyProbe(FakeChannel):
    """Answers after a moment, and remembers how many calls it had open at once."""

    open_calls: int = 0
    most_open: int = 0

    async def send_to_account(self, account_id: str, text: str) -> SendResult:
        self.open_calls += 1
        self.most_open = max(self.most_open, self.open_calls)
        await asyncio.sleep(0.001)
        self.open_calls -= 1
        return await super().send_to_account(account_id, text)


def _count_writes(monkeypatch) -> Counter[str]:
    writes: Counter[str] = Counter()
    mark, record = store.mark_sending, sending.record

    async def counted_mark(*args, **kwargs):
        writes["sending"] += 1
        return await mark(*args, **kwargs)

    async def counted_record(*args, **kwargs):
        writes["outcomes"] += 1
        return await record(*args, **kwargs)

    monkeypatch.setattr(store, "mark_sending", counted_mark)
    monkeypatch.setattr(sending, "record", counted_record)
    return writes


async def _broadcast() -> None:
    await outbox.enqueue_many(
        [outbox.Outgoing(f"b:{i}", AccountRecipient("qq", str(i)), "delivery/usage.j2") for i in range(ROWS)]
    )
    await Dispatcher().drain()
    assert await OutboxMessage.filter(status=OutboxStatus.SENT).count() == ROWS


async def test_an_unpaced_lane_hands_over_chunks_with_two_writes_each(
    db, clock, registry, configure, monkeypatch
):
    configure(quiet_hours_start="00:00", quiet_hours_end="00:00")
    qq = registry("qq", cls=ConcurrencyProbe, limits=ChannelLimits(inflight=1, unpaced_inflight=25))
    writes = _count_writes(monkeypatch)
    await _broadcast()
    assert sorted(int(address) for _, address, _ in qq.sent) == list(range(ROWS))
    assert qq.most_open == 25
    assert writes == {"sending": ROWS // 25, "outcomes": ROWS // 25}


async def test_a_paced_lane_still_sends_one_at_a_time(db, clock, registry, configure, monkeypatch):
    configure(quiet_hours_start="00:00", quiet_hours_end="00:00")
    limits = ChannelLimits(private=Pace(0.0001), inflight=1, unpaced_inflight=25)
    qq = registry("qq", cls=ConcurrencyProbe, limits=limits)
    writes = _count_writes(monkeypatch)
    await _broadcast()
    assert qq.most_open == 1 and len(qq.sent) == ROWS
    assert writes == {"sending": ROWS, "outcomes": ROWS}


def test_qq_hands_over_several_only_with_pacing_off(configure):
    configure(qq_private_interval_seconds=0, qq_private_jitter_seconds=0)
    assert OneBotChannel().limits.unpaced_inflight == UNPACED_INFLIGHT == 50
    assert OneBotChannel().limits.inflight == 1  # paced lanes: one row between two state writes

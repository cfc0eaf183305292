"""Message classes: a reply or decision to one person goes before reminders, reminders before a
broadcast, and a broadcast still moves while personal messages keep coming."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import timedelta

from bot.delivery import outbox, store
from bot.delivery.channels.base import ChannelLimits, Pace, SendResult
from bot.delivery.classes import FAIR_TURNS, LaneQueue, classify
from bot.delivery.dispatcher import Dispatcher
from bot.delivery.recipients import AccountRecipient
from bot.delivery.store import Job
from models import MessageClass, OutboxMessage, OutboxStatus
from tests.delivery.conftest import FakeChannel

TEMPLATE = "delivery/usage.j2"


@dataclass
class CountingChannel(FakeChannel):
    """Tells the test when it has sent `signal_after` messages."""

    signal_after: int = 10
    reached: asyncio.Event = field(default_factory=asyncio.Event)
    watch: str = "42"
    watched: asyncio.Event = field(default_factory=asyncio.Event)  # `watch` got its message

    async def send_to_account(self, account_id: str, text: str) -> SendResult:
        result = await super().send_to_account(account_id, text)
        if len(self.sent) >= self.signal_after:
            self.reached.set()
        if account_id == self.watch:
            self.watched.set()
        return result


def test_classes_follow_what_the_message_is():
    assert classify("leave_decision") == MessageClass.PERSONAL
    assert classify("wechat_reply", urgent=True) == MessageClass.PERSONAL
    assert classify("reminder") == MessageClass.REMINDER
    assert classify("birthday") == MessageClass.REMINDER
    assert classify("notice", batch="12") == MessageClass.BULK


async def test_rows_keep_their_class(db, clock):
    await outbox.enqueue(
        key="d", recipient=AccountRecipient("qq", "1"), template=TEMPLATE, kind="leave_decision"
    )
    await outbox.enqueue_many(
        [
            outbox.Outgoing("b", AccountRecipient("qq", "2"), TEMPLATE, kind="notice", batch="7"),
            outbox.Outgoing("r", AccountRecipient("qq", "3"), TEMPLATE, kind="reminder"),
            outbox.Outgoing("x", AccountRecipient("qq", "4"), TEMPLATE, message_class=MessageClass.PERSONAL),
        ]
    )
    rows = dict(await OutboxMessage.all().values_list("dedupe_key", "message_class"))
    assert rows == {"d": 0, "b": 2, "r": 1, "x": 0}


async def test_a_leave_decision_queued_after_a_broadcast_goes_out_next(db, clock, registry, configure):
    """A 301-member broadcast is on its way when a leave decision is queued: the decision is the
    next message the member's lane sends (after the one in the platform's hands), not the 200th."""
    configure(dispatch_interval_seconds=0.05, delivery_claim_batch=100, delivery_lease_seconds=600)
    qq = registry(
        "qq", cls=CountingChannel, limits=ChannelLimits(private=Pace(0.05), inflight=1), signal_after=5
    )
    await outbox.enqueue_many(
        [
            outbox.Outgoing(f"broadcast:1:{i}", AccountRecipient("qq", str(10_000 + i)), TEMPLATE, batch="1")
            for i in range(301)
        ]
    )
    task = asyncio.create_task(Dispatcher(owner="loop").run_forever())
    try:
        await asyncio.wait_for(qq.reached.wait(), 60)  # the broadcast is under way
        before = len(qq.sent)
        await outbox.enqueue(
            key="leave-decision:1",
            recipient=AccountRecipient("qq", "42"),
            template=TEMPLATE,
            kind="leave_decision",
        )
        await asyncio.wait_for(qq.watched.wait(), 60)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    position = [address for _, address, _ in qq.sent].index("42")
    # `before` sends had started when it was queued; the one then in flight (and, on a busy machine,
    # one or two more paced 50 ms apart while the dispatcher claims it) go ahead of it, not ~100.
    assert position <= before + 3, f"sent {position - before} messages after it was queued"
    assert len(qq.sent) < 301, "the broadcast had finished: nothing was measured"


def _job(number: int, message_class: MessageClass) -> Job:
    return Job(
        number, AccountRecipient("qq", str(number)), TEMPLATE, {}, "", "", False, message_class, 0, None
    )  # type: ignore[arg-type]


def test_a_lane_serves_by_class_but_gives_bulk_a_turn():
    queue = LaneQueue()
    queue.extend([(_job(i, MessageClass.BULK), []) for i in range(3)])
    queue.extend([(_job(100 + i, MessageClass.PERSONAL), []) for i in range(10)])
    queue.extend([(_job(200, MessageClass.REMINDER), [])])
    served = "".join("PRB"[job.message_class] for job, _ in queue.drain())
    # personal first; the reminder and the broadcast each get a turn after FAIR_TURNS others
    assert FAIR_TURNS == 4
    assert served == "PPPP" + "R" + "B" + "PPPP" + "B" + "PP" + "B"


async def test_a_claim_keeps_a_share_for_bulk_under_a_stream_of_personal_messages(db, clock):
    """More personal rows are due than one claim takes: it still takes a quarter of bulk, and when
    only bulk is left the whole claim is bulk."""
    await outbox.enqueue_many(
        [outbox.Outgoing(f"b:{i}", AccountRecipient("qq", str(i)), TEMPLATE, batch="3") for i in range(20)]
    )
    clock.advance(seconds=1)
    await outbox.enqueue_many(
        [
            outbox.Outgoing(f"p:{i}", AccountRecipient("qq", str(100 + i)), TEMPLATE, kind="leave_decision")
            for i in range(20)
        ]
    )
    jobs = await store.claim("me", clock.current + timedelta(seconds=1), 8)
    classes = [job.message_class for job in jobs]
    assert classes.count(MessageClass.PERSONAL) == 6 and classes.count(MessageClass.BULK) == 2
    # nothing but bulk left to take: the whole claim is bulk
    await OutboxMessage.filter(dedupe_key__startswith="p:").update(status=OutboxStatus.SENT)
    more = await store.claim("me", clock.current + timedelta(seconds=1), 8)
    assert [job.message_class for job in more] == [MessageClass.BULK] * 8

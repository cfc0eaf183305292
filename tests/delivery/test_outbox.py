"""Enqueueing: dedupe keys, bulk insert that round-trips every field, and the caller's transaction."""

from __future__ import annotations

from datetime import timedelta

import pytest
from tortoise.transactions import in_transaction

from bot.delivery import outbox, recipients
from bot.delivery.recipients import AccountRecipient, GroupRecipient, MemberRecipient
from models import OutboxMessage, OutboxStatus


async def test_enqueue_many_round_trips_and_skips_known_keys(db, clock):
    later = clock.current + timedelta(hours=3)
    assert await outbox.enqueue(key="a", recipient=MemberRecipient(1), template="t.j2")
    added = await outbox.enqueue_many(
        [
            outbox.Outgoing("a", MemberRecipient(1), "t.j2"),  # exists
            outbox.Outgoing(
                "b",
                GroupRecipient("qq", "7001"),
                "x.j2",
                {"名": "值", "n": [1, 2]},
                "notice",
                "12",
                later,
                True,
            ),
            outbox.Outgoing("b", MemberRecipient(2), "t.j2"),  # repeated within the call
            outbox.Outgoing("c", AccountRecipient("wechat", "openid"), "t.j2", batch=12),  # type: ignore[arg-type]
        ]
    )
    assert added == 2
    b = await OutboxMessage.get(dedupe_key="b")
    assert recipients.load(b.recipient) == GroupRecipient("qq", "7001")
    assert (b.template, b.context, b.kind, b.batch, b.urgent) == (
        "x.j2",
        {"名": "值", "n": [1, 2]},
        "notice",
        "12",
        True,
    )
    assert (b.status, b.attempts, b.due_at, b.claimed_by, b.sent_at) == (
        OutboxStatus.PENDING,
        0,
        later,
        "",
        None,
    )
    c = await OutboxMessage.get(dedupe_key="c")
    assert c.batch == "12" and c.due_at == clock.current and c.created_at is not None
    assert await outbox.enqueue(key="a", recipient=MemberRecipient(1), template="t.j2") is False
    assert await OutboxMessage.all().count() == 3


async def test_enqueue_many_follows_the_callers_transaction(db, clock):
    with pytest.raises(RuntimeError):
        async with in_transaction():
            await outbox.enqueue_many(
                [outbox.Outgoing(f"k{i}", MemberRecipient(i), "t.j2") for i in range(3)]
            )
            raise RuntimeError("the business change failed")
    assert await OutboxMessage.all().count() == 0

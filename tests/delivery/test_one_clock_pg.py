"""One clock: hosts whose clocks differ compare times by the database's clock (PostgreSQL).

Each "host" is this process with its clock skewed (`clock.set_clock`) and the database's clock
installed as the shared one, as start-up does (`db.use_database_clock`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from bot import clock, db
from bot.delivery import outbox
from bot.delivery.channels.base import ChannelLimits
from bot.delivery.dispatcher import Dispatcher
from bot.delivery.recipients import AccountRecipient
from models import Attendance, OutboxMessage, OutboxStatus
from scheduler.runtime import Runtime
from tests import factories

pytestmark = pytest.mark.postgres

ROWS = 20


def _host(skew: timedelta) -> None:
    """This process becomes a host whose wall clock is `skew` off; the shared clock is the database's."""
    wall: Callable[[], datetime] = lambda: datetime.now(UTC) + skew  # noqa: E731
    clock.set_clock(wall)
    db.use_database_clock()


@pytest.fixture
def hosts(db):
    if db != "postgres":
        pytest.skip("the database's clock is shared on PostgreSQL; SQLite is one process on one host")
    yield _host
    clock.set_clock(None)


async def test_hosts_with_skewed_clocks_neither_take_each_others_claims_nor_send_early(
    hosts, registry, configure
):
    configure(delivery_lease_seconds=60, quiet_hours_start="00:00", quiet_hours_end="00:00")
    qq = registry("qq", limits=ChannelLimits(inflight=10))
    hosts(-timedelta(minutes=10))  # host A runs ten minutes behind
    await outbox.enqueue_many(
        [
            outbox.Outgoing(f"now:{i}", AccountRecipient("qq", str(i)), "delivery/usage.j2")
            for i in range(ROWS)
        ],
    )
    later = await clock.shared_now() + timedelta(minutes=5)
    await outbox.enqueue(
        key="later", recipient=AccountRecipient("qq", "later"), template="delivery/usage.j2", due_at=later
    )
    first = Dispatcher(owner="host-a")
    claimed, per_lane = await first.claim_and_plan(100)
    assert claimed == ROWS  # what is due now, not what is due in five minutes

    hosts(timedelta(minutes=10))  # host B runs ten minutes ahead: more than the lease
    second = Dispatcher(owner="host-b")
    await second.recover(force=True)
    assert await second.dispatch_once() == 0  # A's claims are fresh, and "later" is not due yet
    assert await OutboxMessage.filter(claimed_by="host-a", status=OutboxStatus.CLAIMED).count() == ROWS
    assert qq.sent == []

    hosts(-timedelta(minutes=10))  # back on host A: its lane sends what it claimed, once each
    await asyncio.gather(*(first.lane(key).process(items) for key, items in per_lane.items()))
    assert sorted(address for _, address, _ in qq.sent) == sorted(str(i) for i in range(ROWS))
    assert await OutboxMessage.filter(status=OutboxStatus.SENT, claimed_by="host-a").count() == ROWS
    assert (await OutboxMessage.get(dedupe_key="later")).status == OutboxStatus.PENDING


async def test_a_leader_whose_clock_runs_ahead_does_not_skip_a_reminder(hosts, monkeypatch):
    from tests.notices.helpers import configure

    configure(monkeypatch, scheduler_catchup_hours=6)
    hosts(timedelta(0))
    member = await factories.member("林建国", qq="10001")
    start = await clock.shared_now() + timedelta(hours=1)  # its 2-hour reminder fell due an hour ago
    activity = await factories.activity(start_at=start)
    # announced yesterday, before the reminder fell due
    await Attendance.filter(activity_id=activity.id).update(notified_at=start - timedelta(days=1))
    hosts(timedelta(hours=3))  # the leader's wall clock says the meeting has begun
    await Runtime().sweep()
    key = f"reminder:{activity.id}:120m:{member.id}"
    assert await OutboxMessage.filter(dedupe_key=key).exists()

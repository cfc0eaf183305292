"""Quiet hours (frozen clock) and pacing (injected sleep and monotonic clock: nothing waits)."""

from __future__ import annotations

from datetime import UTC, datetime

from bot import clock as clock_module
from bot.delivery import outbox, quiet
from bot.delivery.channels.base import ChannelLimits, Pace
from bot.delivery.dispatcher import Dispatcher
from bot.delivery.pacing import Pacer
from bot.delivery.recipients import AccountRecipient, GroupRecipient, MemberRecipient
from models import OutboxMessage, OutboxStatus
from tests import factories

TEMPLATE = "delivery/usage.j2"
NIGHT = datetime(2026, 6, 1, 15, 0, tzinfo=UTC)  # 23:00 in Asia/Shanghai


async def _status(key: str) -> OutboxMessage:
    return await OutboxMessage.get(dedupe_key=key)


async def test_private_waits_for_morning_urgent_and_groups_go(db, clock, registry):
    qq = registry("qq")
    member = await factories.member(qq="10001")
    clock.set(NIGHT)
    await outbox.enqueue(key="p", recipient=MemberRecipient(member.id), template=TEMPLATE)
    await outbox.enqueue(key="a", recipient=AccountRecipient("qq", "10002"), template=TEMPLATE)
    await outbox.enqueue(key="u", recipient=MemberRecipient(member.id), template=TEMPLATE, urgent=True)
    await outbox.enqueue(key="g", recipient=GroupRecipient("qq", "7001"), template=TEMPLATE)
    await Dispatcher().drain()
    assert sorted(address for _, address, _ in qq.sent) == ["10001", "7001"]
    for key in ("p", "a"):
        row = await _status(key)
        assert row.status == OutboxStatus.PENDING and row.attempts == 0 and row.last_error == "quiet hours"
        assert clock_module.to_local(row.due_at).strftime("%m-%d %H:%M") == "06-02 07:30"
    clock.set(datetime(2026, 6, 1, 23, 29, tzinfo=UTC))  # 07:29 local: still quiet
    assert await Dispatcher().drain() == 0
    clock.advance(minutes=1)
    await Dispatcher().drain()
    assert sorted(address for _, address, _ in qq.sent) == ["10001", "10001", "10002", "7001"]
    assert {(await _status(k)).status for k in "paug"} == {OutboxStatus.SENT}


async def test_groups_can_be_held_too(db, clock, registry, configure):
    configure(quiet_hours_groups=True)
    qq = registry("qq")
    clock.set(NIGHT)
    await outbox.enqueue(key="g", recipient=GroupRecipient("qq", "7001"), template=TEMPLATE)
    await Dispatcher().drain()
    assert qq.sent == [] and (await _status("g")).status == OutboxStatus.PENDING


def test_quiet_until_handles_daytime_windows_and_off(clock, configure):
    configure(quiet_hours_start="12:00", quiet_hours_end="14:00")
    clock.set(datetime(2026, 6, 1, 4, 30, tzinfo=UTC))  # 12:30 local
    assert clock_module.to_local(quiet.quiet_until()).strftime("%H:%M") == "14:00"
    clock.set(datetime(2026, 6, 1, 6, 0, tzinfo=UTC))  # 14:00 local: over
    assert quiet.quiet_until() is None
    configure(quiet_hours_start="00:00", quiet_hours_end="00:00")
    assert quiet.quiet_until(NIGHT) is None


class FakeTime:
    def __init__(self) -> None:
        self.now = 100.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(round(seconds, 6))
        self.now += seconds


async def test_pacer_keeps_interval_plus_jitter_between_sends():
    fake = FakeTime()
    pacer = Pacer(Pace(3.0, 2.0), sleep=fake.sleep, monotonic=fake.monotonic, rand=lambda: 0.25)
    await pacer.wait()
    assert fake.sleeps == []  # the first send goes at once
    await pacer.wait()
    assert fake.sleeps == [3.5]  # 3 s + 0.25 * 2 s of jitter
    fake.now += 10  # a long pause: the next send needs no wait
    await pacer.wait()
    fake.now += 1
    await pacer.wait()
    assert fake.sleeps == [3.5, 2.5]  # only what is left of the gap


async def test_unpaced_pacer_never_sleeps():
    fake = FakeTime()
    pacer = Pacer(Pace(), sleep=fake.sleep, monotonic=fake.monotonic)
    for _ in range(5):
        await pacer.wait()
    assert fake.sleeps == []


async def test_dispatcher_paces_each_lane_on_its_own(db, clock, registry):
    fake = FakeTime()
    limits = ChannelLimits(group=Pace(3.0, 2.0), private=Pace(1.0, 0.0), inflight=1)
    qq = registry("qq", limits=limits)
    for i in range(3):
        await outbox.enqueue(key=f"g{i}", recipient=GroupRecipient("qq", f"70{i}"), template=TEMPLATE)
    await outbox.enqueue(key="p", recipient=AccountRecipient("qq", "1"), template=TEMPLATE)
    dispatcher = Dispatcher(sleep=fake.sleep, monotonic=fake.monotonic, rand=lambda: 0.5)
    await dispatcher.drain()
    assert len(qq.sent) == 4
    # Two pauses of 3 + 0.5*2 s between three group messages; the private lane never waited.
    assert fake.sleeps == [4.0, 4.0]
    assert dispatcher.lanes["qq:group"].pacer.pace == Pace(3.0, 2.0)
    assert dispatcher.lanes["qq:private"].pacer.pace == Pace(1.0, 0.0)


def test_onebot_channel_declares_limits_from_settings(configure):
    from bot.delivery.channels.onebot import OneBotChannel

    configure(
        qq_group_interval_seconds=5,
        qq_group_jitter_seconds=1,
        qq_private_interval_seconds=0.5,
        qq_private_jitter_seconds=0,
        qq_daily_cap=800,
    )
    limits = OneBotChannel().limits
    assert limits == ChannelLimits(Pace(5, 1), Pace(0.5, 0), daily_cap=800, inflight=1, unpaced_inflight=50)

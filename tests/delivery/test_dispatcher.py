"""The dispatcher against scriptable fake channels: one final state per row, never a blind resend."""

from __future__ import annotations

from datetime import timedelta

from bot import clock as clock_module
from bot.delivery import dispatcher, outbox, store
from bot.delivery.channels.base import NO_FALLBACK, WINDOW_CLOSED, WINDOW_QUOTA, SendOutcome, SendResult
from bot.delivery.dispatcher import Dispatcher
from bot.delivery.recipients import AccountRecipient, GroupRecipient, MemberRecipient
from models import Identity, OutboxMessage, OutboxStatus
from tests import factories
from tests.delivery.conftest import FallbackFake

TEMPLATE = "delivery/unreachable_notice.j2"


async def _enqueue(key: str, recipient, *, batch: str = "", urgent: bool = False, **ctx) -> None:
    context = {"batch": batch or "B", "names": ["甲"], **ctx}
    await outbox.enqueue(
        key=key, recipient=recipient, template=TEMPLATE, context=context, batch=batch, urgent=urgent
    )


async def _row(key: str) -> OutboxMessage:
    return await OutboxMessage.get(dedupe_key=key)


async def test_member_gets_rendered_text_once(db, clock, registry):
    qq = registry("qq")
    member = await factories.member("林建国", qq="10001")
    await _enqueue("k1", MemberRecipient(member.id), names=["王五", "赵六"])
    assert await Dispatcher().drain() == 1
    assert qq.sent == [("private", "10001", qq.sent[0][2])]
    assert "王五、赵六" in qq.sent[0][2]
    row = await _row("k1")
    assert (row.status, row.channel, row.attempts, row.claimed_by != "") == (OutboxStatus.SENT, "qq", 1, True)
    assert row.sent_at == clock.current and row.attempted_at == clock.current
    clock.advance(days=1)
    assert await Dispatcher().drain() == 0
    assert len(qq.sent) == 1


async def test_rejected_fails_with_the_platform_reason(db, clock, registry):
    qq = registry("qq", script={"7001": [SendResult(SendOutcome.REJECTED, "retcode 100: 群已禁言", "100")]})
    await _enqueue("g", GroupRecipient("qq", "7001"))
    await Dispatcher().drain()
    row = await _row("g")
    assert row.status == OutboxStatus.FAILED and row.last_error == "retcode 100: 群已禁言"
    assert len(qq.sent) == 1


async def test_unknown_is_final_and_never_resent(db, clock, registry):
    qq = registry("qq", script={"10001": [SendResult(SendOutcome.UNKNOWN, "retcode 1200", "1200")]})
    await _enqueue("u", AccountRecipient("qq", "10001"))
    await Dispatcher().drain()
    clock.advance(hours=5)
    await Dispatcher().drain()
    row = await _row("u")
    assert row.status == OutboxStatus.UNKNOWN and "1200" in row.last_error
    assert len(qq.sent) == 1


async def test_member_without_bound_channel_is_unreachable(db, clock, registry):
    qq = registry("qq")
    lonely = await factories.member("孤雁")
    wechat_only = await factories.member("微信")
    await Identity.create(member=wechat_only, platform="wechat", account_id="openid-1")  # no wechat channel
    await _enqueue("a", MemberRecipient(lonely.id))
    await _enqueue("b", MemberRecipient(wechat_only.id))
    await Dispatcher().drain()
    assert [r.status for r in await OutboxMessage.all().order_by("id")] == [OutboxStatus.UNREACHABLE] * 2
    assert qq.sent == []


async def test_retryable_backs_off_then_fails_at_the_limit(db, clock, registry, configure):
    configure(delivery_max_attempts=3, delivery_retry_base_seconds=10)
    busy = SendResult(SendOutcome.RETRYABLE, "retcode 201", "201")
    qq = registry("qq", script={"10001": [busy, busy, busy]})
    await _enqueue("r", AccountRecipient("qq", "10001"))
    await Dispatcher().drain()
    row = await _row("r")
    assert row.status == OutboxStatus.PENDING and row.attempts == 1
    delay = (row.due_at - clock.current).total_seconds()
    assert 8 <= delay <= 12
    assert await Dispatcher().drain() == 0  # not due yet
    clock.advance(seconds=12)
    await Dispatcher().drain()
    row = await _row("r")
    assert row.status == OutboxStatus.PENDING and row.attempts == 2
    assert 16 <= (row.due_at - clock.current).total_seconds() <= 24  # doubled
    clock.advance(seconds=25)
    await Dispatcher().drain()
    row = await _row("r")
    assert row.status == OutboxStatus.FAILED and row.attempts == 3 and "201" in row.last_error
    assert len(qq.sent) == 3


async def test_offline_channel_waits_without_spending_an_attempt(db, clock, registry, configure):
    configure(delivery_offline_retry_seconds=20)
    qq = registry("qq", online=False)
    member = await factories.member(qq="10001")
    await _enqueue("o", MemberRecipient(member.id))
    await Dispatcher().drain()
    row = await _row("o")
    assert (row.status, row.attempts, row.last_error) == (OutboxStatus.PENDING, 0, "channel offline")
    assert row.due_at == clock.current + timedelta(seconds=20)
    qq.online = True
    clock.advance(seconds=21)
    await Dispatcher().drain()
    assert (await _row("o")).status == OutboxStatus.SENT and len(qq.sent) == 1


async def test_window_closed_uses_fallback_hook_then_next_channel(db, clock, registry, configure):
    configure(delivery_order=["wechat", "qq"])
    closed = SendResult(SendOutcome.REJECTED, "45015 response out of time limit", WINDOW_CLOSED)
    no_template = SendResult(SendOutcome.REJECTED, "no template for this kind", NO_FALLBACK)
    wechat = registry("wechat", cls=FallbackFake, script={"o1": [closed], "o2": [closed]})
    qq = registry("qq")
    first = await factories.member("甲", qq="10001")
    second = await factories.member("乙", qq="10002")
    await Identity.create(member=first, platform="wechat", account_id="o1")
    await Identity.create(member=second, platform="wechat", account_id="o2")
    await outbox.enqueue(
        key="f1",
        recipient=MemberRecipient(first.id),
        template=TEMPLATE,
        context={"batch": "B", "names": []},
        kind="notice",
    )
    await Dispatcher().drain()
    assert (await _row("f1")).channel == "wechat" and (await _row("f1")).status == OutboxStatus.SENT
    assert wechat.fallbacks[0][0] == "o1" and wechat.fallbacks[0][1].kind == "notice"
    assert qq.sent == []
    wechat.fallback_result = no_template
    await outbox.enqueue(
        key="f2",
        recipient=MemberRecipient(second.id),
        template=TEMPLATE,
        context={"batch": "B", "names": []},
        kind="notice",
    )
    await Dispatcher().drain()
    row = await _row("f2")
    assert (row.status, row.channel) == (OutboxStatus.SENT, "qq")
    assert [address for _, address, _ in qq.sent] == ["10002"]


async def test_window_quota_also_goes_to_the_fallback(db, clock, registry, configure):
    configure(delivery_order=["wechat", "qq"])
    used_up = SendResult(SendOutcome.REJECTED, "45047 out of response count limit", WINDOW_QUOTA)
    wechat = registry("wechat", cls=FallbackFake, script={"o1": [used_up]})
    member = await factories.member("甲", qq="10001")
    await Identity.create(member=member, platform="wechat", account_id="o1")
    await _enqueue("q", MemberRecipient(member.id))
    await Dispatcher().drain()
    assert [account for account, _ in wechat.fallbacks] == ["o1"]
    assert (await _row("q")).status == OutboxStatus.SENT


async def test_window_closed_without_other_channel_fails_with_reason(db, clock, registry, configure):
    configure(delivery_order=["wechat", "qq"])
    closed = SendResult(SendOutcome.REJECTED, "45015 window closed", WINDOW_CLOSED)
    registry("wechat", script={"o1": [closed]})
    member = await factories.member("甲")
    await Identity.create(member=member, platform="wechat", account_id="o1")
    await _enqueue("w", MemberRecipient(member.id))
    await Dispatcher().drain()
    row = await _row("w")
    assert row.status == OutboxStatus.FAILED and "45015" in row.last_error


async def test_broken_template_fails_without_an_attempt(db, clock, registry):
    qq = registry("qq")
    await outbox.enqueue(key="t", recipient=AccountRecipient("qq", "1"), template=TEMPLATE, context={})
    await Dispatcher().drain()
    row = await _row("t")
    assert row.status == OutboxStatus.FAILED and row.last_error.startswith("template")
    assert row.attempts == 0 and qq.sent == []


async def test_abandoned_claims_are_resent_once_in_flight_rows_end_unknown(db, clock, registry, configure):
    configure(delivery_lease_seconds=60)
    qq = registry("qq")
    for key in ("claimed", "sending"):
        await _enqueue(key, AccountRecipient("qq", key))
    dead = "dead-process"
    await store.claim(dead, clock.current, 10)
    await store.mark_sending(dead, [(await _row("sending")).id], "qq", clock.current)
    # The process died here. Before the lease runs out nothing moves:
    clock.advance(seconds=30)
    assert await Dispatcher().drain() == 0
    clock.advance(seconds=31)
    assert await Dispatcher().drain() == 1
    assert [address for _, address, _ in qq.sent] == ["claimed"]
    assert (await _row("claimed")).status == OutboxStatus.SENT
    stuck = await _row("sending")
    assert stuck.status == OutboxStatus.UNKNOWN and "may have been delivered" in stuck.last_error


async def test_a_dispatcher_that_lost_its_claim_sends_nothing(db, clock, registry, configure):
    configure(delivery_lease_seconds=60)
    qq = registry("qq")
    await _enqueue("x", AccountRecipient("qq", "1"))
    slow = Dispatcher(owner="slow")
    claimed, per_lane = await slow.claim_and_plan(10)
    assert claimed == 1
    clock.advance(seconds=61)  # "slow" stalled past its lease; another process recovers and sends
    assert await Dispatcher(owner="fast").drain() == 1
    for key, items in per_lane.items():  # "slow" wakes up and carries on
        await slow.lane(key).process(items)
    assert len(qq.sent) == 1
    row = await _row("x")
    assert row.status == OutboxStatus.SENT and row.claimed_by == "fast"


async def test_urgent_rows_are_claimed_first(db, clock, registry):
    registry("qq")
    await _enqueue("normal", AccountRecipient("qq", "1"))
    await _enqueue("urgent", AccountRecipient("qq", "2"), urgent=True)
    await Dispatcher().dispatch_once(limit=1)
    assert (await _row("urgent")).status == OutboxStatus.SENT
    assert (await _row("normal")).status == OutboxStatus.PENDING


async def test_daily_cap_counts_per_local_day(db, clock, registry, configure):
    from bot.delivery.channels.base import ChannelLimits

    qq = registry("qq", limits=ChannelLimits(daily_cap=2, inflight=1))
    for i in range(3):
        await _enqueue(f"c{i}", GroupRecipient("qq", str(i)))  # groups: not held by quiet hours
    await Dispatcher().drain()
    assert len(qq.sent) == 2
    held = await _row("c2")
    assert held.status == OutboxStatus.PENDING and held.last_error == "daily cap"
    assert clock_module.to_local(held.due_at).strftime("%m-%d %H:%M") == "06-02 00:00"
    clock.set(held.due_at)
    await Dispatcher().drain()
    assert len(qq.sent) == 3 and (await _row("c2")).status == OutboxStatus.SENT


async def test_finished_batch_reports_unreachable_members_to_staff(db, clock, registry):
    from bot.services.delivery_report import notify_unreachable
    from models import Role

    qq = registry("qq")
    staff = await factories.member("周文清", role=Role.STAFF, qq="20001")
    reached = await factories.member("林建国", qq="10001")
    lost = await factories.member("孙无名")
    for member in (reached, lost):
        await _enqueue(f"n{member.id}", MemberRecipient(member.id), batch="42")
    dispatcher.on_batch_finished(notify_unreachable)
    try:
        await Dispatcher().drain()
    finally:
        dispatcher._batch_hooks.remove(notify_unreachable)
    notices = [text for _, address, text in qq.sent if address == "20001"]
    assert len(notices) == 1 and "孙无名" in notices[0] and "林建国" not in notices[0]
    report = await OutboxMessage.get(dedupe_key=f"delivery-unreachable:42:{staff.id}")
    assert report.status == OutboxStatus.SENT


async def test_a_row_queued_twice_is_sent_once(db, clock, registry):
    qq = registry("qq")
    await _enqueue("d", AccountRecipient("qq", "1"))
    dispatcher = Dispatcher(owner="me")
    _, per_lane = await dispatcher.claim_and_plan(10)
    [(key, items)] = per_lane.items()
    await dispatcher.lane(key).process(items + items)  # e.g. re-claimed by itself after its lease
    assert len(qq.sent) == 1 and (await _row("d")).status == OutboxStatus.SENT

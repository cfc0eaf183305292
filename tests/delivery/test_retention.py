"""The outbox is kept short: rows past their retention become counts; 送达 still adds them up."""

from __future__ import annotations

from datetime import timedelta

from bot.delivery import outbox, retention
from bot.delivery.channels.base import SendOutcome, SendResult
from bot.delivery.dispatcher import Dispatcher
from bot.delivery.recipients import MemberRecipient
from bot.render import render
from bot.services import broadcasts, delivery_report
from bot.services.timing import local_moment, parse_clock_time
from models import OutboxMessage, OutboxStatus, OutboxSummary
from scheduler.jobs import run_purge_due
from tests import factories


async def _batch(registry, batch: str, prefix: str) -> None:
    """A broadcast to four members, sent now: one delivered, one refused, one uncertain, one unbound."""
    for name, qq_id in (("林建国", "1"), ("王海燕", "2"), ("陈志远", "3"), ("赵无绑", None)):
        member = await factories.member(f"{name}{prefix}", qq=f"{prefix}{qq_id}" if qq_id else None)
        await outbox.enqueue(
            key=f"{batch}:{member.id}",
            recipient=MemberRecipient(member.id),
            template="delivery/usage.j2",
            kind="broadcast",
            batch=batch,
        )
    await Dispatcher().drain()


async def test_rows_past_retention_become_counts_that_songda_still_reads(db, clock, registry, configure):
    configure(
        outbox_keep_sent_days=90,
        outbox_keep_failed_days=365,
        quiet_hours_start="00:00",
        quiet_hours_end="00:00",
    )
    refused = SendResult(SendOutcome.REJECTED, "retcode 100", "100")
    uncertain = SendResult(SendOutcome.UNKNOWN, "retcode 1200", "1200")
    registry("qq", script={"82": [refused], "83": [uncertain], "92": [refused], "93": [uncertain]})
    clock.advance(days=-100)
    await _batch(registry, "B8", "8")  # a hundred days ago
    clock.advance(days=90)
    await _batch(registry, "B9", "9")  # ten days ago
    clock.advance(days=10)
    before = render("delivery/status.j2", s=await delivery_report.batch_status("B8"))

    purged = await retention.purge()
    assert (purged.delivered, purged.kept_longer) == (1, 0)  # B8's delivered row only
    assert await OutboxMessage.filter(batch="B8").count() == 3
    assert await OutboxMessage.filter(batch="B9").count() == 4
    [summary] = await OutboxSummary.all()
    assert (summary.batch, summary.kind, summary.template, summary.channel) == (
        "B8",
        "broadcast",
        "delivery/usage.j2",
        "qq",
    )
    assert (summary.status, summary.count, summary.day) == (
        OutboxStatus.SENT,
        1,
        (clock.current - timedelta(days=100)).date(),
    )
    status = await delivery_report.batch_status(await delivery_report.find_batch("8"))
    assert (
        status.total,
        status.sent,
        status.failed_total,
        status.unknown_total,
        status.unreachable_total,
    ) == (
        4,
        1,
        1,
        1,
        1,
    )
    text = render("delivery/status.j2", s=status)
    assert text.replace("其中 1 条已过保留期，只留有统计，没有名单。\n", "") == before
    assert "王海燕8（retcode 100）" in text

    # a year on: the failures go too; 送达 still counts them, without names
    clock.advance(days=300)
    purged = await retention.purge()
    assert (purged.delivered, purged.kept_longer) == (1, 3)  # B9's delivered row; B8's three others
    assert not await OutboxMessage.filter(batch="B8").exists()
    status = await delivery_report.batch_status(await delivery_report.find_batch("B8"))
    assert (
        status.total,
        status.sent,
        status.failed_total,
        status.unknown_total,
        status.unreachable_total,
    ) == (
        4,
        1,
        1,
        1,
        1,
    )
    assert status.failed == [] and status.purged_total == 4
    text = render("delivery/status.j2", s=status)
    assert "已送达 1（QQ 1），待发送 0，失败 1，状态不明 1，无法联系 1" in text and "王海燕8" not in text
    assert "其中 4 条已过保留期" in text

    # nothing twice: a rerun finds nothing, the counts stay
    assert await retention.purge() == retention.Purged(0, 0, 90, 365)
    assert sum(await OutboxSummary.filter(batch="B8").values_list("count", flat=True)) == 4
    # a purged broadcast keeps its number: the next one is not B8 again
    await OutboxMessage.filter(batch="B9").delete()
    assert await broadcasts._next_batch() == "B10"
    assert ("B8", 4) in await delivery_report.recent_batches()


async def test_open_rows_are_never_purged(db, clock, configure):
    configure(outbox_keep_sent_days=1, outbox_keep_failed_days=1)
    await outbox.enqueue(key="old", recipient=MemberRecipient(1), template="delivery/usage.j2")
    clock.advance(days=30)
    assert await retention.purge() == retention.Purged(0, 0, 1, 1)
    assert await OutboxMessage.filter(status=OutboxStatus.PENDING).count() == 1


async def test_the_scheduler_purges_once_a_day_at_the_set_time(db, clock, configure, monkeypatch):
    configure(outbox_purge_time="03:30", outbox_keep_sent_days=90)
    calls: list[object] = []

    async def record(now=None, limit=0):
        calls.append(now)
        return retention.Purged(0, 0, 90, 365)

    monkeypatch.setattr(retention, "purge", record)
    day = clock.current.date()
    at = local_moment(day, parse_clock_time("03:30"))
    done: set[str] = set()
    assert await run_purge_due(at - timedelta(minutes=1), timedelta(hours=1), done) == 0
    assert await run_purge_due(at, timedelta(hours=1), done) == 1
    assert await run_purge_due(at + timedelta(minutes=5), timedelta(hours=1), done) == 0  # once a day
    assert calls == [at]

"""送达 / 补发: the service, and the commands over nonebug (staff only, private chat only)."""

from __future__ import annotations

import pytest
from nonebot.adapters.onebot.v11 import Bot
from nonebug import App

from bot.delivery import outbox
from bot.delivery.channels.base import SendOutcome, SendResult
from bot.delivery.dispatcher import Dispatcher
from bot.delivery.recipients import MemberRecipient
from bot.render import render
from bot.services import delivery_report
from bot.services.errors import ServiceError
from models import OutboxMessage, OutboxStatus, Role
from tests import factories
from tests.qq_events import group_event, private_event, reply


async def _broadcast(registry) -> dict[str, int]:
    """Batch 7 to four members: one sent, one refused, one uncertain, one with no QQ bound."""
    qq = registry(
        "qq",
        script={
            "10002": [SendResult(SendOutcome.REJECTED, "retcode 100: 账号可能被风控", "100")],
            "10003": [SendResult(SendOutcome.UNKNOWN, "retcode 1200", "1200")],
        },
    )
    ids = {}
    for name, qq_id in (("林建国", "10001"), ("王海燕", "10002"), ("陈志远", "10003"), ("赵无绑", None)):
        member = await factories.member(name, qq=qq_id)
        ids[name] = member.id
        await outbox.enqueue(
            key=f"n7:{member.id}",
            recipient=MemberRecipient(member.id),
            template="delivery/usage.j2",
            batch="7",
        )
    await Dispatcher().drain()
    assert len(qq.sent) == 3
    return ids


async def test_status_counts_and_names(db, clock, registry):
    await _broadcast(registry)
    status = await delivery_report.batch_status("7")
    assert (status.total, status.sent, status.pending) == (4, 1, 0)
    assert [(p.name, p.reason) for p in status.failed] == [("王海燕", "retcode 100: 账号可能被风控")]
    assert [p.name for p in status.unknown] == ["陈志远"]
    assert [p.name for p in status.unreachable] == ["赵无绑"]
    text = render("delivery/status.j2", s=status)
    assert "已送达 1（QQ 1），待发送 0，失败 1，状态不明 1，无法联系 1" in text
    assert "王海燕（retcode 100: 账号可能被风控）" in text and "赵无绑" in text and "补发 7" in text


async def test_resend_requeues_failed_only(db, clock, registry):
    await _broadcast(registry)
    result = await delivery_report.resend_failed(delivery_report.normalise_batch("#7"))
    assert (result.requeued, result.unknown_left) == (1, 1)
    states = dict(await OutboxMessage.filter(batch="7").values_list("dedupe_key", "status"))
    assert sorted(states.values()) == sorted(
        [OutboxStatus.SENT, OutboxStatus.PENDING, OutboxStatus.UNKNOWN, OutboxStatus.UNREACHABLE]
    )
    await Dispatcher().drain()
    status = await delivery_report.batch_status("7")
    assert status.sent == 2 and status.failed == [] and [p.name for p in status.unknown] == ["陈志远"]
    text = render("delivery/resent.j2", r=result)
    assert "1 条重新排队" in text and "1 条状态不明，未重发" in text


async def test_unknown_batch_is_refused(db):
    with pytest.raises(ServiceError) as refused:
        await delivery_report.batch_status("404")
    assert "404" in refused.value.render()
    with pytest.raises(ServiceError):
        delivery_report.normalise_batch("  ")


async def _say(app: App, event, expected: str) -> None:
    async with app.test_matcher() as ctx:
        bot = ctx.create_bot(base=Bot)
        ctx.receive_event(bot, event)
        ctx.should_call_send(event, reply(expected), result={"message_id": 1})


async def test_commands_for_staff_inprivate_event(app: App, db, clock, registry):
    await _broadcast(registry)
    await factories.member("周文清", role=Role.STAFF, qq="20001")
    status = await delivery_report.batch_status("7")
    await _say(app, private_event(20001, "送达 7"), render("delivery/status.j2", s=status))
    await _say(
        app, private_event(20001, "补发 7"), render("delivery/resent.j2", r=delivery_report.Resent("7", 1, 1))
    )
    assert await OutboxMessage.filter(batch="7", status=OutboxStatus.PENDING).count() == 1


async def test_commands_refuse_members_and_group_chats(app: App, db, clock, registry):
    await _broadcast(registry)
    await factories.member("周文清", role=Role.STAFF, qq="20001")
    await _say(app, private_event(10001, "送达 7"), render("common/staff_only.j2"))
    await _say(app, private_event(10001, "补发 7"), render("common/staff_only.j2"))
    await _say(app, group_event(20001, "送达 7"), render("common/private_only.j2"))
    await _say(app, private_event(20001, "送达"), render("delivery/usage.j2"))
    assert await OutboxMessage.filter(batch="7", status=OutboxStatus.FAILED).count() == 1


def test_long_lists_are_cut_short():
    many = [delivery_report.Problem(f"委员{i:03d}", "retcode 100") for i in range(120)]
    status = delivery_report.BatchStatus("9", total=120, failed=many)
    text = render("delivery/status.j2", s=status)
    assert "委员049（retcode 100）" in text and "委员050" not in text and "等 120 人" in text


async def test_find_batch_accepts_the_broadcast_number_as_typed(db, clock):
    await outbox.enqueue(key="b", recipient=MemberRecipient(1), template="delivery/usage.j2", batch="B12")
    for typed in ("B12", "b12", "#B12", "12", "＃12 多余"):
        assert await delivery_report.find_batch(typed) == "B12"
    with pytest.raises(ServiceError) as refused:
        await delivery_report.find_batch("13")
    assert "13" in refused.value.render()

"""The real app over a real OneBot WebSocket: each kind of answer from QQ ends in the right state."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from bot.delivery import outbox
from bot.delivery.recipients import GroupRecipient, MemberRecipient
from bot.render import render
from models import Identity, Member, OutboxMessage, OutboxStatus
from tests.support.app_process import AppProcess
from tests.support.onebot_peer import OneBotPeer, Reply

OK, REFUSED, UNCERTAIN, SILENT, BUSY_ONCE = 301, 302, 303, 304, 305
ENV = {
    "QQ_PRIVATE_INTERVAL_SECONDS": "0",
    "QQ_PRIVATE_JITTER_SECONDS": "0",
    "QQ_GROUP_INTERVAL_SECONDS": "0",
    "QQ_GROUP_JITTER_SECONDS": "0",
    "QUIET_HOURS_START": "00:00",
    "QUIET_HOURS_END": "00:00",
    "DELIVERY_RETRY_BASE_SECONDS": "0.5",
    "DELIVERY_OFFLINE_RETRY_SECONDS": "0.3",
    "DISPATCH_INTERVAL_SECONDS": "0.2",
    "API_TIMEOUT": "1",  # NoneBot's OneBot call timeout: the silent peer makes it expire
    "LOG_LEVEL": "WARNING",
}


def _is_ours(params: dict) -> bool:
    """This test's message, not one the app queues of its own at start-up (rule reminders)."""
    return "".join(seg["data"].get("text", "") for seg in params["message"]) == render("delivery/usage.j2")


def _answer(params: dict) -> Reply:
    user = params.get("user_id")
    if user == REFUSED:
        return Reply.failed(100, "消息发送失败，账号可能被风控")
    if user == UNCERTAIN:
        return Reply.failed(1200, "发送超时")
    if user == SILENT:
        return Reply(drop=True)
    return Reply()


async def test_each_answer_ends_in_its_state(shared_db_url: str, tmp_path: Path):
    by_qq: dict[int, int] = {}
    for qq in (OK, REFUSED, UNCERTAIN, SILENT, BUSY_ONCE):
        member = await Member.create(name=f"委员{qq}")
        await Identity.create(member=member, platform="qq", account_id=str(qq))
        by_qq[qq] = member.id
    busy = iter([Reply.failed(201, "工作线程池未初始化")])
    peer_group_answers = {"7001": Reply.failed(102, "机器人不在该群")}

    app = AppProcess(database_url=shared_db_url, env=ENV, workdir=tmp_path)
    peer = OneBotPeer(app.ws_url, app.token)
    peer.reply(
        "send_private_msg",
        lambda p: next(busy, Reply()) if p["user_id"] == BUSY_ONCE and _is_ours(p) else _answer(p),
    )
    peer.reply("send_group_msg", lambda p: peer_group_answers.get(str(p["group_id"]), Reply()))
    try:
        app.start()
        await asyncio.to_thread(app.wait_listening, 60)
        await peer.connect(within=60)
        await outbox.enqueue_many(
            [
                outbox.Outgoing(f"e2e:{qq}", MemberRecipient(mid), "delivery/usage.j2")
                for qq, mid in by_qq.items()
            ]
            + [outbox.Outgoing("e2e:group", GroupRecipient("qq", "7001"), "delivery/usage.j2")]
        )
        deadline = time.monotonic() + 60
        while await OutboxMessage.filter(status__in=["pending", "claimed", "sending"]).exists():
            assert time.monotonic() < deadline, app.log()
            await asyncio.sleep(0.2)
    finally:
        await peer.close()
        app.stop()

    rows = {row.dedupe_key: row for row in await OutboxMessage.all()}
    state = {key: (rows[key].status, rows[key].attempts) for key in rows}
    assert state[f"e2e:{OK}"] == (OutboxStatus.SENT, 1)
    assert state[f"e2e:{REFUSED}"] == (OutboxStatus.FAILED, 1)
    assert rows[f"e2e:{REFUSED}"].last_error == "retcode 100: 消息发送失败，账号可能被风控"
    assert state[f"e2e:{UNCERTAIN}"] == (OutboxStatus.UNKNOWN, 1)
    assert state[f"e2e:{SILENT}"] == (OutboxStatus.UNKNOWN, 1)
    assert "timeout" in rows[f"e2e:{SILENT}"].last_error
    assert state[f"e2e:{BUSY_ONCE}"] == (OutboxStatus.SENT, 2)  # retried after backoff
    assert state["e2e:group"] == (OutboxStatus.FAILED, 1) and "102" in rows["e2e:group"].last_error
    received = peer.per_target("send_private_msg", text=render("delivery/usage.j2"))  # not the app's own
    assert received == {OK: 1, REFUSED: 1, UNCERTAIN: 1, SILENT: 1, BUSY_ONCE: 2}  # unknown never resent


async def test_staff_asks_for_a_delivery_report_over_qq(shared_db_url: str, tmp_path: Path):
    from models import Role

    staff = await Member.create(name="周文清", role=Role.STAFF)
    await Identity.create(member=staff, platform="qq", account_id="20001")
    lost = await Member.create(name="孙无名")
    await outbox.enqueue(
        key="r:1", recipient=MemberRecipient(lost.id), template="delivery/usage.j2", batch="88"
    )
    app = AppProcess(
        database_url=shared_db_url, env=ENV | {"DELIVERY_REPORT_UNREACHABLE": "false"}, workdir=tmp_path
    )
    peer = OneBotPeer(app.ws_url, app.token)
    try:
        app.start()
        await asyncio.to_thread(app.wait_listening, 60)
        await peer.connect(within=60)
        deadline = time.monotonic() + 30
        while not await OutboxMessage.filter(batch="88", status=OutboxStatus.UNREACHABLE).exists():
            assert time.monotonic() < deadline, app.log()
            await asyncio.sleep(0.2)
        await peer.send_event(peer.private_message(20001, "送达 88"))
        await peer.wait_for(lambda p: p.count("send_msg") >= 1, within=30)
        await peer.send_event(peer.private_message(30003, "送达 88", message_id=2))  # not staff
        await peer.wait_for(lambda p: p.count("send_msg") >= 2, within=30)
    finally:
        await peer.close()
        app.stop()
    report, refusal = peer.calls("send_msg")
    text = "".join(seg["data"].get("text", "") for seg in report.params["message"])
    assert report.params["user_id"] == 20001
    assert "通知 88 送达情况" in text and "无法联系 1" in text and "孙无名" in text
    assert refusal.params["user_id"] == 30003
    assert "工作人员专用" in "".join(seg["data"].get("text", "") for seg in refusal.params["message"])

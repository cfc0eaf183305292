"""SMS through the real providers' SDKs against local fakes that check their signatures: a member with
only a phone number gets an activity notice by SMS, a kind without a template is not sent by SMS,
the unreachable report counts SMS, and an outage leaves rows retrying, then failed with the reason."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI

from bot.adapters import sms_receipts
from bot.adapters.webhook.guard import BodyLimit
from bot.clock import to_local
from bot.delivery import channels, dispatcher, outbox, routing
from bot.delivery.channels.sms import SmsChannel
from bot.delivery.dispatcher import Dispatcher
from bot.delivery.recipients import MemberRecipient
from bot.delivery.sms import SmsRequest
from bot.delivery.sms.aliyun import AliyunSms
from bot.delivery.sms.tencent import TencentSms
from bot.render import render
from bot.services import activity_edit, broadcasts, delivery_report
from models import OutboxMessage, OutboxStatus, Role, SmsSend
from tests import factories
from tests.support.fake_sms import FakeAliyunSms, FakeTencentSms

NOTICE_TEMPLATE = {
    "template": "2010001",
    "params": {"title": "{{ title }}", "time": "{{ start_at|dt('short') }}", "place": "{{ place }}"},
}


@pytest.fixture
async def tencent() -> AsyncIterator[FakeTencentSms]:
    server = await FakeTencentSms().start()
    yield server
    await server.stop()


@pytest.fixture
async def sms(tencent: FakeTencentSms, registry, configure) -> SmsChannel:
    configure(
        sms_provider="tencent",
        sms_access_key_id=tencent.key_id,
        sms_access_key_secret=tencent.key_secret,
        sms_app_id="1400000001",
        sms_sign_name="某某区政协",
        sms_api_base=tencent.base_url,
        sms_timeout_seconds=5,
        sms_interval_seconds=0,
        sms_templates=json.dumps({"activity_notice": NOTICE_TEMPLATE}),
        delivery_order=["qq", "wechat", "sms"],
    )
    channel = SmsChannel()
    channels.register(channel)
    return channel


async def test_the_fakes_refuse_a_wrong_signature_and_accept_the_sdks_own(tencent):
    right = TencentSms(
        secret_id=tencent.key_id,
        secret_key=tencent.key_secret,
        app_id="1",
        sign_name="签名",
        base_url=tencent.base_url,
        timeout=5,
    )
    wrong = TencentSms(
        secret_id=tencent.key_id,
        secret_key="not-the-key",
        app_id="1",
        sign_name="签名",
        base_url=tencent.base_url,
        timeout=5,
    )
    refused = await wrong.send(SmsRequest("13800000009", "1", {}))
    assert (refused.result.outcome.value, refused.result.code) == ("retryable", "sms_auth")
    assert "AuthFailure.SignatureFailure" in refused.result.detail
    assert tencent.signature_failures == 1 and not tencent.calls
    accepted = await right.send(SmsRequest("13800000009", "1", {"a": "委员 会议"}))
    assert accepted.result.outcome.value == "sent" and accepted.message_id
    assert tencent.calls[0].params == ["委员 会议"]

    aliyun = await FakeAliyunSms().start()
    try:
        good = AliyunSms(
            access_key_id=aliyun.key_id,
            access_key_secret=aliyun.key_secret,
            sign_name="某某区政协",
            base_url=aliyun.base_url,
            timeout=5,
        )
        bad = AliyunSms(
            access_key_id=aliyun.key_id,
            access_key_secret="nope",
            sign_name="某某区政协",
            base_url=aliyun.base_url,
            timeout=5,
        )
        assert (await bad.send(SmsRequest("13800000009", "SMS_1", {}))).result.code == "sms_auth"
        assert aliyun.signature_failures == 1 and not aliyun.calls
        sent = await good.send(SmsRequest("13800000009", "SMS_1", {"title": "会议 *~改期"}, outbox_id=5))
        assert sent.result.outcome.value == "sent" and sent.message_id
        assert aliyun.calls[0].params == {"title": "会议 *~改期"} and aliyun.calls[0].context == "outbox:5"
    finally:
        await aliyun.stop()


async def test_a_member_with_only_a_phone_gets_the_activity_notice_by_sms(db, clock, registry, tencent, sms):
    qq = registry("qq")
    phone_only = await factories.member("周海燕", phone="13912345678")
    chat = await factories.member("林建国", phone="13900000001", qq="10001")
    nothing = await factories.member("王立", phone=None)
    activity = await factories.activity(
        title="全体委员会议", starts_in=timedelta(days=2), member_ids=[phone_only.id, chat.id, nothing.id]
    )
    await Dispatcher().drain()

    [call] = tencent.delivered()
    assert call.phone == "13912345678" and call.template == "2010001" and call.sign_name == "某某区政协"
    assert call.params[0] == "全体委员会议" and call.params[2] == "区政协会议室"
    assert call.params[1].endswith(":00") and "月" in call.params[1]
    row = await OutboxMessage.get(dedupe_key=f"notice:{activity.id}:{phone_only.id}")
    assert (row.status, row.channel) == (OutboxStatus.SENT, "sms")
    assert call.context == f"outbox:{row.id}"
    send = await SmsSend.get(message_id=call.message_id)
    assert (send.outbox_id, send.phone, send.provider) == (row.id, "13912345678", "tencent")
    # the member bound on QQ gets it there, not by SMS as well; the one with neither is unreachable
    assert [address for _, address, _ in qq.sent] == ["10001"]
    unreachable = await OutboxMessage.get(dedupe_key=f"notice:{activity.id}:{nothing.id}")
    assert unreachable.status == OutboxStatus.UNREACHABLE
    assert await routing.unreachable_members([phone_only.id, chat.id, nothing.id]) == [nothing.id]


async def test_a_kind_without_an_sms_template_is_not_sent_by_sms(db, clock, registry, tencent, sms):
    member = await factories.member("周海燕", phone="13912345678")
    await outbox.enqueue(
        key="bday",
        recipient=MemberRecipient(member.id),
        template="notices/text.j2",
        context={"text": "生日快乐"},
        kind="birthday",
        batch="B1",
    )
    await Dispatcher().drain()
    assert tencent.requests == 0
    row = await OutboxMessage.get(dedupe_key="bday")
    assert row.status == OutboxStatus.FAILED and "no SMS template for birthday" in row.last_error
    status = await delivery_report.batch_status("B1")
    assert [p.name for p in status.failed] == ["周海燕"] and not status.unreachable


async def test_an_invalid_number_leaves_the_member_unreachable(db, clock, registry, tencent, sms):
    member = await factories.member("周海燕", phone="13912345678")
    tencent.refuse("13912345678", "InvalidParameterValue.IncorrectPhoneNumber")
    await _notice("B2", member.id)
    await Dispatcher().drain()
    row = await OutboxMessage.get(dedupe_key=f"B2:{member.id}")
    assert row.status == OutboxStatus.UNREACHABLE and "IncorrectPhoneNumber" in row.last_error


async def _notice(batch: str, *member_ids: int) -> None:
    for member_id in member_ids:
        await outbox.enqueue(
            key=f"{batch}:{member_id}",
            recipient=MemberRecipient(member_id),
            template="notices/text.j2",
            context={
                "text": "通知",
                "title": "会议改期",
                "start_at": "2026-06-02T01:00:00+00:00",
                "place": "二楼",
            },
            kind="activity_notice",
            batch=batch,
        )


async def _drain_over_time(clock, rounds: int) -> None:
    dispatcher = Dispatcher()
    for _ in range(rounds):
        await dispatcher.drain()
        clock.advance(hours=1)


async def test_an_outage_leaves_rows_retrying_then_failed_none_lost_or_sent_twice(
    db, clock, registry, tencent, sms, configure
):
    configure(delivery_max_attempts=3, delivery_retry_base_seconds=60)
    first = await factories.member("周海燕", phone="13912345678")
    second = await factories.member("李明", phone="13912345679")
    tencent.down(2)  # the first try of each fails at the gateway
    await _notice("B3", first.id, second.id)
    await Dispatcher().drain()
    rows = await OutboxMessage.filter(batch="B3").order_by("id")
    assert [(r.status, r.attempts) for r in rows] == [(OutboxStatus.PENDING, 1)] * 2
    assert all("503" in r.last_error or "ServerNetworkError" in r.last_error for r in rows)
    await _drain_over_time(clock, 3)
    assert sorted(c.phone for c in tencent.delivered()) == ["13912345678", "13912345679"]  # once each
    assert {r.status for r in await OutboxMessage.filter(batch="B3")} == {OutboxStatus.SENT}
    report = render("delivery/status.j2", s=await delivery_report.batch_status("B3"))
    assert "已送达 2（短信 2）" in report, report

    third = await factories.member("王芳", phone="13912345670")
    tencent.down(99)  # a long outage: every try fails, the row ends failed with the reason
    await _notice("B4", third.id)
    await _drain_over_time(clock, 5)
    row = await OutboxMessage.get(dedupe_key=f"B4:{third.id}")
    assert (row.status, row.attempts) == (OutboxStatus.FAILED, 3)
    assert "ServerNetworkError" in row.last_error
    assert tencent.delivered("13912345670") == []


@pytest.fixture
async def receipt_client(configure) -> AsyncIterator[httpx.AsyncClient]:
    configure(sms_receipt_token="receipt-secret-123", sms_receipt_max_body_bytes=2048)
    app = FastAPI()
    app.add_middleware(BodyLimit, path=sms_receipts.PATH, limit=2048)
    app.include_router(sms_receipts.router)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bot") as client:
        yield client


async def test_receipts_update_the_outbox_row_and_refuse_forged_or_oversized_pushes(
    db, clock, registry, tencent, sms, receipt_client
):
    first = await factories.member("周海燕", phone="13912345678")
    second = await factories.member("李明", phone="13912345679")
    await _notice("B5", first.id, second.id)
    await Dispatcher().drain()
    by_phone = {call.phone: call.message_id for call in tencent.delivered()}
    push = [
        {
            "user_receive_time": "2026-06-01 09:00:05",
            "nationcode": "86",
            "mobile": "13912345678",
            "report_status": "SUCCESS",
            "errmsg": "DELIVRD",
            "description": "用户短信送达成功",
            "sid": by_phone["13912345678"],
        },
        {
            "user_receive_time": "2026-06-01 09:00:06",
            "nationcode": "86",
            "mobile": "13912345679",
            "report_status": "FAIL",
            "errmsg": "MK:0001",
            "description": "空号",
            "sid": by_phone["13912345679"],
        },
    ]
    forged = await receipt_client.post("/sms/receipt?token=receipt-secret-12", json=push)
    assert forged.status_code == 403 and forged.json()["result"] != 0
    huge = await receipt_client.post(
        "/sms/receipt?token=receipt-secret-123", content=b"[" + b" " * 4096 + b"]"
    )
    assert huge.status_code == 413
    assert {r.status for r in await OutboxMessage.filter(batch="B5")} == {OutboxStatus.SENT}

    answer = await receipt_client.post("/sms/receipt?token=receipt-secret-123", json=push)
    assert answer.status_code == 200 and answer.json() == {"result": 0, "errmsg": "OK"}
    delivered = await OutboxMessage.get(dedupe_key=f"B5:{first.id}")
    failed = await OutboxMessage.get(dedupe_key=f"B5:{second.id}")
    assert delivered.status == OutboxStatus.SENT
    assert failed.status == OutboxStatus.FAILED and "MK:0001" in failed.last_error
    assert (await SmsSend.get(message_id=by_phone["13912345678"])).status == "DELIVRD"
    report = render("delivery/status.j2", s=await delivery_report.batch_status("B5"))
    assert "失败：李明（短信未送达（MK:0001））" in report, report
    again = await receipt_client.post("/sms/receipt?token=receipt-secret-123", json=push)  # a retried push
    assert (
        again.status_code == 200
        and await OutboxMessage.filter(batch="B5", status=OutboxStatus.FAILED).count() == 1
    )


async def test_the_monthly_budget_and_the_daily_cap_stop_sms_and_tell_staff(
    db, clock, registry, tencent, sms, configure, monkeypatch
):
    configure(sms_monthly_budget_yuan=0.09, sms_price_yuan=0.045, sms_daily_cap=10)  # two SMS a month
    monkeypatch.setattr(dispatcher, "_cap_hooks", [])
    dispatcher.on_cap_reached(delivery_report.notify_capped)
    qq = registry("qq")
    await factories.member("张主任", role=Role.STAFF, qq="90001")
    members = [await factories.member(f"委员{n}", phone=f"1391234560{n}") for n in range(3)]
    await _notice("B6", *(m.id for m in members))
    await Dispatcher().drain()

    assert len(tencent.delivered()) == 2
    held = await OutboxMessage.get(dedupe_key=f"B6:{members[2].id}")
    assert (held.status, held.last_error) == (OutboxStatus.PENDING, "monthly budget")
    assert to_local(held.due_at).strftime("%m-%d %H:%M") == "07-01 00:00"
    [(_, staff_qq, text)] = qq.sent
    assert staff_qq == "90001" and "短信本月预算已用完" in text and "7月1日" in text

    configure(sms_monthly_budget_yuan=0, sms_daily_cap=2)  # no budget now, two SMS a day
    clock.set(held.due_at + timedelta(hours=9))  # 1 July, 09:00
    await _notice("B7", members[0].id, members[1].id)
    await Dispatcher().drain()
    assert len(tencent.delivered()) == 4  # the held one first, then one of the new ones
    [capped] = await OutboxMessage.filter(status=OutboxStatus.PENDING)
    assert (
        capped.last_error == "daily cap" and to_local(capped.due_at).strftime("%m-%d %H:%M") == "07-02 00:00"
    )
    assert "短信今日发送量已达上限" in qq.sent[-1][2] and len(qq.sent) == 2


async def test_an_urgent_notice_also_goes_by_sms_once_to_members_on_chat(db, clock, registry, tencent, sms):
    qq = registry("qq")
    chat = await factories.member("林建国", phone="13900000001", qq="10001")
    phone_only = await factories.member("周海燕", phone="13912345678")
    chat_only = await factories.member("王立", qq="10003")
    activity = await factories.activity(  # starts today: the notice is urgent
        title="会议改到下午", starts_in=timedelta(hours=3), member_ids=[chat.id, phone_only.id, chat_only.id]
    )
    await Dispatcher().drain()
    await Dispatcher().drain()

    assert sorted(address for _, address, _ in qq.sent) == ["10001", "10003"]
    assert sorted(call.phone for call in tencent.delivered()) == ["13900000001", "13912345678"]  # once each
    extra = await OutboxMessage.filter(dedupe_key__startswith="urgent-sms:").values_list("status", "channel")
    assert extra == [(OutboxStatus.SENT, "sms")]
    main = await OutboxMessage.get(dedupe_key=f"notice:{activity.id}:{chat.id}")
    assert (main.status, main.channel) == (OutboxStatus.SENT, "qq")


def test_a_trailing_urgent_word_marks_a_notice_urgent():
    plan = broadcasts.parse_notice("全体 会议改到下午三点，地点不变\u3000紧急")
    assert (plan.urgent, plan.content) == (True, "会议改到下午三点，地点不变")
    assert broadcasts.parse_notice("全体 情况紧急").urgent is False  # part of the text, not a mark
    assert broadcasts.parse_notice("名单 张三、李四 明天开会").urgent is False


async def test_an_urgent_broadcast_reaches_chat_members_by_sms_too(
    db, clock, registry, tencent, sms, configure
):
    configure(
        sms_templates=json.dumps({"notice": {"template": "2010009", "params": {"text": "{{ content }}"}}})
    )
    qq = registry("qq")
    staff = await factories.member("张主任", role=Role.STAFF, qq="90001")
    member = await factories.member("林建国", phone="13900000001", qq="10001")
    clock.advance(hours=14)  # 23:00 local, in quiet hours: urgent goes anyway
    plan = broadcasts.parse_notice("名单 林建国 会议改到明早八点 紧急")
    batch, _ = await broadcasts.send(factories.private("90001"), plan)
    await Dispatcher().drain()
    assert [address for _, address, _ in qq.sent] == ["10001"]
    [call] = tencent.delivered()
    assert (call.phone, call.template, call.params) == ("13900000001", "2010009", ["会议改到明早八点"])
    report = render("delivery/status.j2", s=await delivery_report.batch_status(batch))
    assert "已送达 2（QQ 1，短信 1）" in report, report
    assert staff.id != member.id


async def test_alibaba_cloud_sends_the_same_notice_with_named_parameters(db, clock, registry, configure):
    aliyun = await FakeAliyunSms().start()
    try:
        configure(
            sms_provider="aliyun",
            sms_access_key_id=aliyun.key_id,
            sms_access_key_secret=aliyun.key_secret,
            sms_sign_name="某某区政协",
            sms_api_base=aliyun.base_url,
            sms_interval_seconds=0,
            sms_templates=json.dumps({"activity_notice": {**NOTICE_TEMPLATE, "template": "SMS_480001"}}),
            delivery_order=["qq", "sms"],
        )
        channels.register(SmsChannel())
        member = await factories.member("周海燕", phone="13912345678")
        aliyun.refuse("13912345678", "isv.BUSINESS_LIMIT_CONTROL")  # rate limit: tried again later
        await _notice("B8", member.id)
        await _drain_over_time(clock, 2)
        [call] = aliyun.delivered()
        assert (call.phone, call.template, call.sign_name) == ("13912345678", "SMS_480001", "某某区政协")
        assert call.params == {"title": "会议改期", "time": "6月2日 09:00", "place": "二楼"}
        row = await OutboxMessage.get(dedupe_key=f"B8:{member.id}")
        assert (row.status, row.channel, row.attempts) == (OutboxStatus.SENT, "sms", 2)
        assert (await SmsSend.get(outbox_id=row.id)).provider == "aliyun"
    finally:
        await aliyun.stop()


async def test_quiet_hours_hold_a_non_urgent_sms_until_morning(db, clock, registry, tencent, sms):
    member = await factories.member("周海燕", phone="13912345678")
    clock.advance(hours=14)  # 23:00 local
    await _notice("B9", member.id)
    await Dispatcher().drain()
    row = await OutboxMessage.get(dedupe_key=f"B9:{member.id}")
    assert tencent.requests == 0 and row.status == OutboxStatus.PENDING
    assert to_local(row.due_at).strftime("%H:%M") == "07:30"
    clock.set(row.due_at)
    await Dispatcher().drain()
    assert [call.phone for call in tencent.delivered()] == ["13912345678"]


async def test_a_meeting_moved_off_today_is_urgent_and_goes_by_sms_too(db, clock, registry, tencent, sms):
    qq = registry("qq")
    member = await factories.member("林建国", phone="13900000001", qq="10001")
    activity = await factories.activity(
        title="全体委员会议", starts_in=timedelta(hours=3), member_ids=[member.id]
    )
    await Dispatcher().drain()
    qq.sent.clear()
    tencent.calls.clear()
    draft = activity_edit.draft_of(activity, [member.id])
    draft.start_at = activity.start_at + timedelta(days=1)  # moved to tomorrow
    draft.end_at = activity.end_at + timedelta(days=1)
    await activity_edit.update(activity.id, draft, "member:9")
    await Dispatcher().drain()
    changed = await OutboxMessage.filter(dedupe_key__startswith=f"activity-changed:{activity.id}:").first()
    assert changed is not None and changed.urgent
    assert [address for _, address, _ in qq.sent] == ["10001"]
    assert [call.phone for call in tencent.delivered()] == ["13900000001"]

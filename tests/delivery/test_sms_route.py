"""SMS through the real providers' SDKs against local fakes that check their signatures: a member with
only a phone number gets an activity notice by SMS, a kind without a template is not sent by SMS,
the unreachable report counts SMS, and an outage leaves rows retrying, then failed with the reason."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from bot.delivery import channels, outbox, routing
from bot.delivery.channels.sms import SmsChannel
from bot.delivery.dispatcher import Dispatcher
from bot.delivery.recipients import MemberRecipient
from bot.delivery.sms import SmsRequest
from bot.delivery.sms.aliyun import AliyunSms
from bot.delivery.sms.tencent import TencentSms
from bot.render import render
from bot.services import delivery_report
from models import OutboxMessage, OutboxStatus, SmsSend
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
        sms_templates=f'{{"activity_notice": {__import__("json").dumps(NOTICE_TEMPLATE)}}}',
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
    assert (refused.result.outcome.value, refused.result.code) == ("retryable", "auth")
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
        assert (await bad.send(SmsRequest("13800000009", "SMS_1", {}))).result.code == "auth"
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

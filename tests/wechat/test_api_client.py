"""The async WeChat API client and the WeChat channel, against the local fake over loopback HTTP,
with the token kept in the test database (SQLite, then PostgreSQL)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from bot.adapters.wechat_oa.api import ErrorKind, WechatApi, WechatApiError
from bot.delivery.channels import SendOutcome
from bot.delivery.channels.wechat import WechatChannel
from bot.services import followers
from models import OutboxMessage, OutboxStatus, WechatTemplateSend, WechatToken
from tests.wechat.conftest import free_port
from tests.wechat.fake_api import FakeWechat

CUSTOM = "cgi-bin/message/custom/send"


@pytest.fixture
async def fake() -> AsyncIterator[FakeWechat]:
    server = await FakeWechat().start()
    yield server
    await server.stop()


def client_for(fake: FakeWechat, timeout: float = 2.0) -> WechatApi:
    return WechatApi(app_id="wx-test", app_secret="s3cret", base_url=fake.base_url, timeout=timeout)


async def test_token_is_fetched_once_and_reused_after_a_restart(db, clock, fake):
    async with client_for(fake) as api:
        await api.send_text("o-1", "一")
        await api.send_text("o-1", "二")
    async with client_for(fake) as restarted:
        await restarted.send_text("o-1", "三")
    assert fake.paths().count("cgi-bin/stable_token") == 1
    assert fake.calls[0].body == {
        "grant_type": "client_credential",
        "appid": "wx-test",
        "secret": "s3cret",
        "force_refresh": False,
    }
    assert fake.sent_texts() == ["一", "二", "三"]
    assert await WechatToken.filter(app_id="wx-test").count() == 1


async def test_token_is_refreshed_before_it_expires(db, clock, fake):
    async with client_for(fake) as api:
        await api.send_text("o-1", "一")
        clock.advance(seconds=7200 - 299)  # inside the 300 s refresh margin
        fake.current_token = None  # WeChat hands out a new token once the old one is near its end
        await api.send_text("o-1", "二")
    assert fake.paths() == ["cgi-bin/stable_token", CUSTOM, "cgi-bin/stable_token", CUSTOM]
    assert fake.calls[1].query["access_token"] != fake.calls[3].query["access_token"]


async def test_token_expiring_mid_call_refreshes_once_and_retries_once(db, clock, fake):
    async with client_for(fake) as api:
        await api.send_text("o-1", "预热")
        fake.reset()
        fake.expire_token()
        await api.send_text("o-1", "正文")
    assert fake.paths() == [CUSTOM, "cgi-bin/stable_token", CUSTOM]
    assert [call.answer.get("errcode") for call in fake.calls] == [42001, None, 0]
    row = await WechatToken.get(app_id="wx-test")
    assert row.token == fake.calls[2].query["access_token"]


async def test_a_token_refused_twice_is_an_error_not_a_loop(db, clock, fake):
    async with client_for(fake) as api:
        await api.send_text("o-1", "预热")
        fake.reset()
        fake.fail_next(CUSTOM, 40001, times=2)
        with pytest.raises(WechatApiError) as caught:
            await api.send_text("o-1", "正文")
    assert caught.value.kind == ErrorKind.TOKEN
    assert fake.paths() == [CUSTOM, "cgi-bin/stable_token", CUSTOM]


async def test_concurrent_calls_share_one_token_fetch(db, clock, fake):
    async with client_for(fake) as api:
        await asyncio.gather(*(api.send_text(f"o-{n}", "并发") for n in range(10)))
    assert fake.paths().count("cgi-bin/stable_token") == 1
    assert len(fake.sent_texts()) == 10


@pytest.mark.parametrize(
    ("errcode", "kind", "outcome", "detail"),
    [
        (45015, ErrorKind.WINDOW_CLOSED, SendOutcome.REJECTED, "45015 customer-service window closed"),
        (45047, ErrorKind.WINDOW_QUOTA, SendOutcome.REJECTED, "45047 customer-service window quota used"),
        (43101, ErrorKind.USER_REFUSED, SendOutcome.REJECTED, "43101 user refused template messages"),
        (45009, ErrorKind.API_QUOTA, SendOutcome.RETRYABLE, "45009 API daily quota used"),
        (-1, ErrorKind.BUSY, SendOutcome.RETRYABLE, "-1 system busy"),
        (40003, ErrorKind.OTHER, SendOutcome.REJECTED, "40003 scripted"),
    ],
)
async def test_errors_are_classified(db, clock, fake, errcode, kind, outcome, detail):
    api = client_for(fake)
    fake.fail_next(CUSTOM, errcode)
    with pytest.raises(WechatApiError) as caught:
        await api.send_text("o-1", "消息")
    assert (caught.value.kind, caught.value.errcode) == (kind, errcode)
    fake.fail_next(CUSTOM, errcode)
    result = await WechatChannel(api).send_to_account("o-1", "消息")
    assert (result.outcome, result.detail) == (outcome, detail)
    await api.close()


async def test_timeout_is_an_unknown_outcome(db, clock, fake):
    api = client_for(fake, timeout=0.3)
    await api.access_token()
    fake.delay(CUSTOM, 1.0)
    result = await WechatChannel(api).send_to_account("o-1", "可能已送达")
    assert result.outcome == SendOutcome.UNKNOWN
    await api.close()


async def test_unreachable_api_is_retryable(db, clock):
    api = WechatApi(app_id="wx-test", app_secret="s", base_url=f"http://127.0.0.1:{free_port()}", timeout=1)
    result = await WechatChannel(api).send_to_account("o-1", "消息")
    assert result.outcome == SendOutcome.RETRYABLE
    await api.close()


async def test_long_text_goes_out_in_pieces_within_the_byte_limit(db, clock, fake):
    text = "\n".join(f"第{i}项：" + "履职情况" * 15 for i in range(40))
    async with client_for(fake) as api:
        result = await WechatChannel(api).send_to_account("o-1", text)
    assert result.outcome == SendOutcome.SENT
    sent = fake.sent_texts("o-1")
    assert len(sent) > 1 and all(len(piece.encode()) <= 2000 for piece in sent)
    assert "\n".join(sent) == text


async def test_group_sends_are_refused(db, clock, fake):
    result = await WechatChannel(client_for(fake)).send_to_group("g-1", "群消息")
    assert result.outcome == SendOutcome.REJECTED


async def test_template_send_and_its_receipt(db, clock, fake, monkeypatch):
    from bot import config

    monkeypatch.setenv("WECHAT_TEMPLATE_IDS", '{"activity": "TPL-ACT-1"}')
    config.reset_settings_cache()
    row = await OutboxMessage.create(
        dedupe_key="notice:1",
        recipient={"type": "member", "member_id": 1},
        template="wechat/text.j2",
        context={"text": "x"},
        due_at=clock(),
        status=OutboxStatus.SENT,
    )
    async with client_for(fake) as api:
        channel = WechatChannel(api)
        result = await channel.send_template(
            "o-1", "activity", {"first": "会议通知", "keyword1": "全体会议"}, outbox_id=row.id
        )
        missing = await channel.send_template("o-1", "birthday", {"first": "生日快乐"})
    assert result.outcome == SendOutcome.SENT
    assert missing.outcome == SendOutcome.REJECTED and "birthday" in missing.detail
    [call] = [c for c in fake.calls if c.path == "cgi-bin/message/template/send"]
    assert call.body == {
        "touser": "o-1",
        "template_id": "TPL-ACT-1",
        "data": {"first": {"value": "会议通知"}, "keyword1": {"value": "全体会议"}},
    }
    send = await WechatTemplateSend.get(outbox_id=row.id)
    assert send.msgid == str(call.answer["msgid"])

    assert await followers.template_receipt(send.msgid, "failed:user block")
    assert not await followers.template_receipt("123456", "success")
    await send.refresh_from_db()
    await row.refresh_from_db()
    assert send.status == "failed:user block" and send.finished_at is not None
    assert (row.status, row.last_error) == (OutboxStatus.FAILED, "wechat template: failed:user block")


async def test_outside_the_window_a_notice_falls_back_to_its_template(db, clock, fake, monkeypatch):
    from bot import config
    from bot.delivery.channels.base import NO_FALLBACK, WINDOW_CLOSED, OutgoingText

    monkeypatch.setenv("WECHAT_TEMPLATE_IDS", '{"activity_notice": "TPL-ACT-1"}')
    config.reset_settings_cache()
    fake.fail_next("cgi-bin/message/custom/send", 45015)
    notice = OutgoingText(
        text="会议通知：全体委员会议\n12月1日 09:00，区政协二楼",
        template="t",
        context={},
        kind="activity_notice",
    )
    async with client_for(fake) as api:
        channel = WechatChannel(api)
        refused = await channel.send_to_account("o-1", notice.text)
        fallback = await channel.send_fallback("o-1", notice)
        reply = OutgoingText(text="收到", template="t", context={}, kind="wechat_reply")
        nothing = await channel.send_fallback("o-1", reply)
    assert (refused.outcome, refused.code) == (SendOutcome.REJECTED, WINDOW_CLOSED)
    assert fallback.outcome == SendOutcome.SENT
    [call] = [c for c in fake.calls if c.path == "cgi-bin/message/template/send"]
    assert call.body["template_id"] == "TPL-ACT-1"
    assert call.body["data"] == {
        "first": {"value": "会议通知：全体委员会议"},
        "remark": {"value": "12月1日 09:00，区政协二楼"},
    }
    assert (nothing.outcome, nothing.code) == (SendOutcome.REJECTED, NO_FALLBACK)


async def test_menu_and_qr_scene(db, clock, fake):
    menu = {"button": [{"type": "click", "name": "签到", "key": "cmd:签到"}]}
    async with client_for(fake) as api:
        await api.create_menu(menu)
        ticket = await api.create_qr_scene("checkin:12", expire_seconds=86400)
    assert fake.calls[1].body == menu
    assert fake.calls[2].body == {
        "action_name": "QR_STR_SCENE",
        "expire_seconds": 86400,
        "action_info": {"scene": {"scene_str": "checkin:12"}},
    }
    assert (ticket.ticket, ticket.url, ticket.expire_seconds) == (
        "TICKET-checkin:12",
        "http://weixin.qq.com/q/fake-checkin:12",
        86400,
    )

"""Hostile or broken webhook requests are refused with 4xx, store nothing and leak no traceback;
late answers go out by customer-service messages, with the token refreshed once when it expires."""

from __future__ import annotations

import asyncio
import base64
import os
import time

import pytest

from tests.support.big_post import big_post
from tests.wechat.conftest import SLOW, AppProcess
from tests.wechat.fake_api import FakeWechat
from tests.wechat.wechat_side import TOKEN, WechatSide, envelope, sign, text_xml

STORED_TABLES = ("wechat_inbound", "record", "outbox", "identity")


def snapshot(app: AppProcess) -> dict[str, int]:
    return {table: app.count(table) for table in STORED_TABLES}


def assert_refused(reply, status: int) -> None:
    assert reply.status == status, reply.body
    assert "Traceback" not in reply.body and "File " not in reply.body
    assert len(reply.body) < 100


def _record_command(openid: str) -> str:
    return text_xml(openid, "好事 帮社区老人修理路灯")


def _with_encrypt(query: dict[str, str], encrypt: str) -> tuple[str, dict[str, str]]:
    body = envelope(encrypt)
    signed = {
        **query,
        "encrypt_type": "aes",
        "msg_signature": sign(TOKEN, query["timestamp"], query["nonce"], encrypt),
    }
    return body, signed


async def test_forged_signature(wechat_app: AppProcess, side: WechatSide):
    before = snapshot(wechat_app)
    body, query = side.encrypt(_record_command("o-evil-1"), side.query())
    assert_refused(await side.post_raw(body, {**query, "signature": "f" * 40}), 403)
    assert_refused(await side.post_raw(body, {k: v for k, v in query.items() if k != "signature"}), 403)
    assert snapshot(wechat_app) == before


async def test_forged_message_signature(wechat_app: AppProcess, side: WechatSide):
    before = snapshot(wechat_app)
    body, query = side.encrypt(_record_command("o-evil-2"), side.query())
    assert_refused(await side.post_raw(body, {**query, "msg_signature": "0" * 40}), 403)
    assert snapshot(wechat_app) == before


@pytest.mark.parametrize("age", [301, -301, 86400])
async def test_stale_or_future_timestamp(wechat_app: AppProcess, side: WechatSide, age: int):
    before = snapshot(wechat_app)
    query = side.query(timestamp=int(time.time()) - age)
    body, query = side.encrypt(_record_command("o-evil-3"), query)
    assert_refused(await side.post_raw(body, query), 403)
    assert snapshot(wechat_app) == before


async def test_wrong_appid(wechat_app: AppProcess, side: WechatSide):
    before = snapshot(wechat_app)
    other = WechatSide(wechat_app.url, side.session, app_id="wx_someone_else00")
    reply = await other.post(_record_command("o-evil-4"))
    assert_refused(reply, 400)
    assert snapshot(wechat_app) == before


@pytest.mark.parametrize(
    "encrypt",
    [
        "not*base64*at*all",
        base64.b64encode(os.urandom(48)).decode(),  # decodes, but is not a WeChat ciphertext
        base64.b64encode(os.urandom(13)).decode(),  # not a whole number of AES blocks
        "",
    ],
)
async def test_corrupt_ciphertext(wechat_app: AppProcess, side: WechatSide, encrypt: str):
    before = snapshot(wechat_app)
    body, query = _with_encrypt(side.query(), encrypt)
    assert_refused(await side.post_raw(body, query), 400)
    assert snapshot(wechat_app) == before


ENTITY_BODY = (
    '<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY boom "boomboomboomboom">'
    '<!ENTITY lol "&boom;&boom;&boom;&boom;">]>'
    "<xml><ToUserName>gh_weiyuan</ToUserName><FromUserName>o-evil-5</FromUserName>"
    "<CreateTime>1</CreateTime><MsgType>text</MsgType><Content>&lol;</Content><MsgId>5</MsgId></xml>"
)


async def test_entity_declarations_refused_plain_and_encrypted(wechat_app: AppProcess, side: WechatSide):
    before = snapshot(wechat_app)
    assert_refused(await side.post_raw(ENTITY_BODY, side.query()), 400)
    assert_refused(await side.post(ENTITY_BODY), 400)  # the same inside the ciphertext
    assert snapshot(wechat_app) == before


async def test_malformed_xml_refused(wechat_app: AppProcess, side: WechatSide):
    before = snapshot(wechat_app)
    assert_refused(await side.post_raw("<xml><Content>unclosed", side.query()), 400)
    assert_refused(await side.post_raw("not xml at all", side.query()), 400)
    assert snapshot(wechat_app) == before


async def test_oversized_body_refused_with_and_without_length(wechat_app: AppProcess, side: WechatSide):
    before = snapshot(wechat_app)
    port = int(side.url.split(":")[2].split("/")[0])
    target = "/wechat/oa?" + "&".join(f"{k}={v}" for k, v in side.query().items())
    for chunked in (False, True):  # 90 KiB against a 64 KiB cap, in 4 KiB steps the server keeps up with
        result = await big_post(
            "127.0.0.1", port, target, total=90 << 10, chunked=chunked, chunk=4096, pause=0.01
        )
        assert result.status == 413, (chunked, result)
        assert result.sent < (90 << 10)  # refused before the whole body was sent
    assert snapshot(wechat_app) == before


async def test_late_answer_after_token_expiry_refreshes_once_and_retries_once(
    wechat_app: AppProcess, side: WechatSide, fake_wechat: FakeWechat
):
    openid = "o-token-1"
    assert (await side.say(openid, SLOW)).body == "success"
    await fake_wechat.wait_for(lambda: fake_wechat.sent_texts(openid))  # a token exists now
    fake_wechat.reset()
    fake_wechat.expire_token()
    assert (await side.say(openid, SLOW)).body == "success"
    await fake_wechat.wait_for(lambda: fake_wechat.sent_texts(openid))
    assert fake_wechat.sent_texts(openid) == [f"慢查询完成：{SLOW.split()[1]}"]
    assert fake_wechat.paths() == [
        "cgi-bin/message/custom/send",
        "cgi-bin/stable_token",
        "cgi-bin/message/custom/send",
    ]
    assert [call.answer.get("errcode") for call in fake_wechat.calls] == [42001, None, 0]
    first, retry = fake_wechat.calls[0], fake_wechat.calls[2]
    assert first.query["access_token"] != retry.query["access_token"]


async def test_window_closed_is_classified_and_not_retried(
    wechat_app: AppProcess, side: WechatSide, fake_wechat: FakeWechat
):
    openid = "o-window-1"
    fake_wechat.fail_next("cgi-bin/message/custom/send", 45015)
    assert (await side.say(openid, SLOW)).body == "success"

    def failed_rows():
        # final states only: a row still pending, claimed or sending has not been decided yet
        return wechat_app.query(
            "SELECT status, last_error, attempts FROM outbox WHERE recipient LIKE ?"
            " AND status IN ('sent', 'failed', 'unknown', 'unreachable')",
            f'%"{openid}"%',
        )

    for _ in range(600):  # up to 30 s on a loaded machine
        if failed_rows():
            break
        await asyncio.sleep(0.05)
    # no template message is configured for replies, so nothing else can be tried: the reason stays
    reason = "45015 customer-service window closed; no template configured for 'wechat_reply'"
    assert failed_rows() == [("failed", reason, 1)]
    await asyncio.sleep(0.5)  # a retry, if one were wrongly scheduled, would be due by now
    assert fake_wechat.paths().count("cgi-bin/message/custom/send") == 1

"""Hostile or broken 企业微信 callbacks against the running app: refused with 4xx, nothing stored, no
traceback; a forged or replayed one, and an oversized one, before its body is read."""

from __future__ import annotations

import time

import pytest

from tests.support.big_post import big_post
from tests.wechat.conftest import AppProcess
from tests.wecom.conftest import PATH
from tests.wecom.wecom_side import WecomSide, envelope, text_xml

STORED_TABLES = ("wechat_inbound", "record", "outbox", "identity")
BIG = 8 << 20  # far more than the server would take, sent slowly: a server that read it would stall


def snapshot(app: AppProcess) -> dict[str, int]:
    return {table: app.count(table) for table in STORED_TABLES}


def assert_refused(reply, status: int) -> None:
    assert reply.status == status, reply.body
    assert "Traceback" not in reply.body and "File " not in reply.body
    assert len(reply.body) < 100


def _record(user: str) -> str:
    return text_xml(user, "好事 帮社区老人修理路灯")


def _target(query: dict[str, str]) -> str:
    return PATH + "?" + "&".join(f"{key}={value}" for key, value in query.items())


def _port(side: WecomSide) -> int:
    return int(side.url.split(":")[2].split("/")[0])


@pytest.mark.parametrize(
    "forge",
    [
        lambda q: {k: v for k, v in q.items() if k != "msg_signature"},  # unsigned
        lambda q: {**q, "msg_signature": "not-a-signature"},
        lambda q: {**q, "timestamp": str(int(time.time()) - 3600)},  # replayed an hour later
        lambda q: {**q, "timestamp": "soon"},
    ],
    ids=["unsigned", "malformed-signature", "replayed", "bad-timestamp"],
)
async def test_forged_or_replayed_callback_is_refused_before_its_body_is_read(
    wecom_app: AppProcess, side: WecomSide, forge
):
    before = snapshot(wecom_app)
    _, query = side.encrypt(_record("EvilUser1"), side.query())
    for chunked in (False, True):
        result = await big_post(
            "127.0.0.1",
            _port(side),
            _target(forge(query)),
            total=BIG,
            chunked=chunked,
            chunk=64 << 10,
            pause=0.01,
        )
        assert result.status == 403, (chunked, result)
        assert result.sent < BIG // 4  # answered long before the body was sent
    assert snapshot(wecom_app) == before


async def test_oversized_callback_is_refused_before_it_is_read(wecom_app: AppProcess, side: WecomSide):
    before = snapshot(wecom_app)
    _, query = side.encrypt(_record("EvilUser2"), side.query())
    for chunked in (False, True):  # 90 KiB against a 64 KiB cap, in 4 KiB steps the server keeps up with
        result = await big_post(
            "127.0.0.1", _port(side), _target(query), total=90 << 10, chunked=chunked, chunk=4096, pause=0.01
        )
        assert result.status == 413, (chunked, result)
        assert result.sent < (90 << 10)
    assert snapshot(wecom_app) == before


async def test_forged_message_signature_over_the_ciphertext(wecom_app: AppProcess, side: WecomSide):
    before = snapshot(wecom_app)
    body, query = side.encrypt(_record("EvilUser3"), side.query())
    assert_refused(await side.post_raw(body, {**query, "msg_signature": "0" * 40}), 403)
    assert snapshot(wecom_app) == before


async def test_another_corp_or_agent_is_refused(wecom_app: AppProcess, side: WecomSide):
    before = snapshot(wecom_app)
    other_corp = WecomSide(wecom_app.url, side.session, corp_id="ww_someone_else_00")
    assert_refused(await other_corp.post(_record("EvilUser4")), 400)
    assert_refused(await side.post(text_xml("EvilUser4", "好事 修路灯", agent_id=1000099)), 400)
    assert snapshot(wecom_app) == before


ENTITY_XML = (
    '<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY boom "boomboomboomboom">'
    '<!ENTITY lol "&boom;&boom;&boom;&boom;">]>'
    "<xml><ToUserName>ww</ToUserName><FromUserName>EvilUser5</FromUserName>"
    "<CreateTime>1</CreateTime><MsgType>text</MsgType><Content>&lol;</Content><MsgId>5</MsgId></xml>"
)


async def test_entity_declarations_are_refused_outside_and_inside_the_ciphertext(
    wecom_app: AppProcess, side: WecomSide
):
    before = snapshot(wecom_app)
    assert_refused(await side.post(ENTITY_XML), 400)
    query = side.query()
    outside = ENTITY_XML.replace("<Content>&lol;</Content>", "<Encrypt>&lol;</Encrypt>")
    assert_refused(await side.post_raw(outside, side.signed(query, "x")), 400)
    assert snapshot(wecom_app) == before


@pytest.mark.parametrize("encrypt", ["not*base64*at*all", "QUJD", ""])
async def test_corrupt_ciphertext(wecom_app: AppProcess, side: WecomSide, encrypt: str):
    before = snapshot(wecom_app)
    query = side.query()
    assert_refused(await side.post_raw(envelope(encrypt), side.signed(query, encrypt)), 400)
    assert snapshot(wecom_app) == before

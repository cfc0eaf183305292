"""The WeChat side of the webhook: builds requests signed (and encrypted) the way WeChat does,
with wechatpy's WeChatCrypto, and reads the replies."""

from __future__ import annotations

import hashlib
import itertools
import secrets
import time
from dataclasses import dataclass
from typing import Any

import aiohttp
import xmltodict
from wechatpy.crypto import WeChatCrypto

TOKEN = "weiyuan-test-token"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
APP_ID = "wx0123456789abcdef"
OA_ID = "gh_weiyuan"

_msg_ids = itertools.count(int(time.time() * 1000))


def sign(*parts: str) -> str:
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()


def text_xml(openid: str, text: str, msg_id: int | None = None, create_time: int | None = None) -> str:
    msg_id = msg_id if msg_id is not None else next(_msg_ids)
    return (
        f"<xml><ToUserName><![CDATA[{OA_ID}]]></ToUserName><FromUserName><![CDATA[{openid}]]></FromUserName>"
        f"<CreateTime>{create_time or int(time.time())}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
        f"<Content><![CDATA[{text}]]></Content><MsgId>{msg_id}</MsgId></xml>"
    )


def event_xml(
    openid: str, event: str, key: str | None = None, create_time: int | None = None, **extra: Any
) -> str:
    parts = [
        f"<ToUserName><![CDATA[{OA_ID}]]></ToUserName><FromUserName><![CDATA[{openid}]]></FromUserName>",
        f"<CreateTime>{create_time or int(time.time())}</CreateTime><MsgType><![CDATA[event]]></MsgType>",
        f"<Event><![CDATA[{event}]]></Event>",
    ]
    if key is not None:
        parts.append(f"<EventKey><![CDATA[{key}]]></EventKey>")
    parts.extend(f"<{name}>{value}</{name}>" for name, value in extra.items())
    return "<xml>" + "".join(parts) + "</xml>"


def envelope(encrypt: str) -> str:
    """The body WeChat posts in safe mode: the account id and the ciphertext."""
    return f"<xml><ToUserName><![CDATA[{OA_ID}]]></ToUserName><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>"


@dataclass
class Reply:
    status: int
    body: str
    elapsed: float
    xml: dict[str, Any] | None = None

    @property
    def text(self) -> str | None:
        return self.xml.get("Content") if self.xml else None


class WechatSide:
    def __init__(self, url: str, session: aiohttp.ClientSession, *, app_id: str = APP_ID) -> None:
        self.url = url
        self.session = session
        self.crypto = WeChatCrypto(TOKEN, AES_KEY, app_id)

    def query(self, *, timestamp: int | None = None, nonce: str | None = None) -> dict[str, str]:
        ts = str(timestamp if timestamp is not None else int(time.time()))
        nonce = nonce or secrets.token_hex(5)
        return {"signature": sign(TOKEN, ts, nonce), "timestamp": ts, "nonce": nonce, "openid": "x"}

    def encrypt(self, xml: str, query: dict[str, str]) -> tuple[str, dict[str, str]]:
        wrapped = xmltodict.parse(self.crypto.encrypt_message(xml, query["nonce"], query["timestamp"]))["xml"]
        return envelope(wrapped["Encrypt"]), {
            **query,
            "encrypt_type": "aes",
            "msg_signature": wrapped["MsgSignature"],
        }

    async def post_raw(self, body: bytes | str, query: dict[str, str]) -> Reply:
        started = time.perf_counter()
        async with self.session.post(
            self.url, params=query, data=body, headers={"Content-Type": "text/xml"}
        ) as r:
            content = await r.text()
            return Reply(r.status, content, time.perf_counter() - started)

    async def post(self, xml: str, *, encrypted: bool = True, query: dict[str, str] | None = None) -> Reply:
        query = query or self.query()
        if encrypted:
            body, query = self.encrypt(xml, query)
        else:
            body = xml
        reply = await self.post_raw(body, query)
        if reply.status == 200 and reply.body.startswith("<xml>"):
            document = xmltodict.parse(reply.body)["xml"]
            if "Encrypt" in document:
                plain = self.crypto.decrypt_message(
                    reply.body, document["MsgSignature"], document["TimeStamp"], document["Nonce"]
                )
                document = xmltodict.parse(plain)["xml"]
            reply.xml = document
        return reply

    async def say(self, openid: str, text: str, **kwargs: Any) -> Reply:
        return await self.post(text_xml(openid, text), **kwargs)

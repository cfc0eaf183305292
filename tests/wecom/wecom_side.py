"""The 企业微信 side of the callback: requests signed and encrypted the way the platform does it,
with wechatpy's WeCom crypto (`wechatpy.enterprise.crypto.WeChatCrypto`), and the replies read back."""

from __future__ import annotations

import itertools
import secrets
import time
from dataclasses import dataclass
from typing import Any

import aiohttp
import xmltodict
from wechatpy.enterprise.crypto import WeChatCrypto

from tests.wechat.wechat_side import sign

CORP_ID = "ww0123456789abcdef"
AGENT_ID = 1000002
TOKEN = "weiyuan-wecom-token"
AES_KEY = "ZYXWVUTSRQPONMLKJIHGFEDCBA9876543210zyxwvut"
SECRET = "wecom-app-secret"

_msg_ids = itertools.count(int(time.time() * 1000) + 7_000_000)


def text_xml(user: str, text: str, msg_id: int | None = None, agent_id: int = AGENT_ID) -> str:
    msg_id = msg_id if msg_id is not None else next(_msg_ids)
    return (
        f"<xml><ToUserName><![CDATA[{CORP_ID}]]></ToUserName><FromUserName><![CDATA[{user}]]></FromUserName>"
        f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
        f"<Content><![CDATA[{text}]]></Content><MsgId>{msg_id}</MsgId><AgentID>{agent_id}</AgentID></xml>"
    )


def event_xml(user: str, event: str, key: str | None = None) -> str:
    key_part = f"<EventKey><![CDATA[{key}]]></EventKey>" if key is not None else ""
    return (
        f"<xml><ToUserName><![CDATA[{CORP_ID}]]></ToUserName><FromUserName><![CDATA[{user}]]></FromUserName>"
        f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[event]]></MsgType>"
        f"<Event><![CDATA[{event}]]></Event>{key_part}<AgentID>{AGENT_ID}</AgentID></xml>"
    )


def envelope(encrypt: str) -> str:
    """The body 企业微信 posts: the CorpID, the AgentID and the ciphertext."""
    return (
        f"<xml><ToUserName><![CDATA[{CORP_ID}]]></ToUserName><AgentID><![CDATA[{AGENT_ID}]]></AgentID>"
        f"<Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>"
    )


@dataclass
class Reply:
    status: int
    body: str
    elapsed: float
    xml: dict[str, Any] | None = None

    @property
    def text(self) -> str | None:
        return self.xml.get("Content") if self.xml else None


class WecomSide:
    def __init__(self, url: str, session: aiohttp.ClientSession | None, *, corp_id: str = CORP_ID) -> None:
        self.url = url
        self.session = session
        self.crypto = WeChatCrypto(TOKEN, AES_KEY, corp_id)

    @staticmethod
    def query(*, timestamp: int | None = None, nonce: str | None = None) -> dict[str, str]:
        """Timestamp and nonce; `msg_signature` is added once the signed content is known."""
        ts = str(timestamp if timestamp is not None else int(time.time()))
        return {"timestamp": ts, "nonce": nonce or secrets.token_hex(5)}

    def verification(self, echo: str, **kwargs: Any) -> dict[str, str]:
        """The GET the admin console sends when the callback URL is saved: `echostr` encrypted."""
        query = self.query(**kwargs)
        wrapped = xmltodict.parse(self.crypto.encrypt_message(echo, query["nonce"], query["timestamp"]))[
            "xml"
        ]
        return {**query, "echostr": wrapped["Encrypt"], "msg_signature": wrapped["MsgSignature"]}

    def encrypt(self, xml: str, query: dict[str, str]) -> tuple[str, dict[str, str]]:
        wrapped = xmltodict.parse(self.crypto.encrypt_message(xml, query["nonce"], query["timestamp"]))["xml"]
        return envelope(wrapped["Encrypt"]), {**query, "msg_signature": wrapped["MsgSignature"]}

    @staticmethod
    def signed(query: dict[str, str], encrypt: str) -> dict[str, str]:
        return {**query, "msg_signature": sign(TOKEN, query["timestamp"], query["nonce"], encrypt)}

    async def post_raw(self, body: bytes | str, query: dict[str, str]) -> Reply:
        assert self.session is not None
        started = time.perf_counter()
        async with self.session.post(
            self.url, params=query, data=body, headers={"Content-Type": "text/xml"}
        ) as response:
            content = await response.text()
            return Reply(response.status, content, time.perf_counter() - started)

    async def post(self, xml: str, *, query: dict[str, str] | None = None) -> Reply:
        body, signed = self.encrypt(xml, query or self.query())
        reply = await self.post_raw(body, signed)
        if reply.status == 200 and reply.body.startswith("<xml>"):
            document = xmltodict.parse(reply.body)["xml"]
            plain = self.crypto.decrypt_message(
                reply.body, document["MsgSignature"], document["TimeStamp"], document["Nonce"]
            )
            reply.xml = xmltodict.parse(plain)["xml"]
        return reply

    async def say(self, user: str, text: str, **kwargs: Any) -> Reply:
        return await self.post(text_xml(user, text), **kwargs)

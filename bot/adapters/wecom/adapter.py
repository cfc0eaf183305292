"""The 企业微信 / 政务微信 app adapter: callback routes, checks, retries, passive or late replies.

企业微信 signs every callback with `msg_signature` over the token, timestamp, nonce and the
ciphertext, and always encrypts (AES with the EncodingAESKey; the CorpID inside the plaintext).

GET (URL verification, when the callback URL is saved in the admin console): timestamp age →
signature over `echostr` → decrypt it (CorpID checked) → answer the plaintext.

POST order: in front of the server (`bot.adapters.webhook.guard`) the query is checked — signature
parameters present, timestamp fresh — before the body is touched, then the body is capped → here
again the cap and the query → declarations refused → parse the envelope → signature over the
ciphertext (constant time) → decrypt (CorpID checked) → parse → AgentID checked → the shared intake
(`bot.adapters.webhook.intake`): claim the key once, hand the event to NoneBot, and answer within
`wecom_passive_reply_seconds` of the request's arrival whatever the database is doing. In time, the
answer is the passive reply (encrypted); later answers go to the outbox and out by the app's
message API. A request that passed the checks is always answered 200, never a 5xx (which the
platform would resend).
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import secrets
import time
import uuid
from typing import Any

from loguru import logger
from nonebot.adapters import Adapter as BaseAdapter
from nonebot.drivers import ASGIMixin, Driver, HTTPServerSetup, Request, Response
from nonebot.exception import ApiNotAvailable
from nonebot.message import handle_event
from typing_extensions import override
from wechatpy.replies import TextReply
from yarl import URL

from bot import clock
from bot.adapters.webhook import inbox
from bot.adapters.webhook.checks import Cipher, Refused, check_fresh, parse_xml, safe_cdata
from bot.adapters.webhook.guard import install_body_limit
from bot.adapters.webhook.intake import Intake
from bot.adapters.webhook.keys import dedupe_key
from bot.adapters.wecom.api import close_shared, shared_api
from bot.adapters.wecom.bot import Bot
from bot.adapters.wecom.event import WecomMessageEvent, convert, parse
from bot.config import Settings, get_settings

PASSIVE_REPLY_BYTES = 2000  # a text message holds 2048 bytes
ADAPTER_NAME = "WeCom"
KEY_PREFIX = "wecom:"  # keeps this adapter's dedupe keys apart from the Official Account's
EMPTY = Response(200, content="", headers={"Content-Type": "text/plain"})
_SIGNATURE = re.compile(r"[0-9a-fA-F]{40}")


def check_query(query: dict[str, str], now: float, tolerance: int) -> None:
    """What can be checked before the body is read: a well-formed signature, a nonce, a fresh time."""
    if not _SIGNATURE.fullmatch(query.get("msg_signature", "")) or not query.get("nonce"):
        raise Refused(403, "invalid signature")
    check_fresh(query.get("timestamp", ""), now, tolerance)


class Adapter(BaseAdapter):
    def __init__(self, driver: Driver, /, **kwargs: Any) -> None:
        super().__init__(driver, **kwargs)
        self.settings: Settings = get_settings()
        s = self.settings
        self.cipher = Cipher(s.wecom_token, s.wecom_aes_key, s.wecom_corp_id, corp=True)
        self.bot = Bot(self, f"wecom-{s.wecom_agent_id}")
        self.intake = Intake(
            "wecom",
            window=s.wecom_passive_reply_seconds,
            passive_bytes=PASSIVE_REPLY_BYTES,
            late=self.enqueue_text,
        )
        self._setup()

    @classmethod
    @override
    def get_name(cls) -> str:
        return ADAPTER_NAME

    def _setup(self) -> None:
        if not isinstance(self.driver, ASGIMixin):
            raise RuntimeError("the WeCom adapter needs a server driver (DRIVER=~fastapi+~aiohttp)")
        path = URL(self.settings.wecom_path)
        self.setup_http_server(HTTPServerSetup(path, "GET", "wecom_verify", self._handle_get))
        self.setup_http_server(HTTPServerSetup(path, "POST", "wecom_message", self._handle_post))
        install_body_limit(
            self.driver, self.settings.wecom_path, self.settings.wecom_max_body_bytes, precheck=self._precheck
        )
        self.driver.on_startup(self._startup)
        self.on_ready(self._ready)
        self.driver.on_shutdown(self._shutdown)

    async def _startup(self) -> None:
        self.bot_connect(self.bot)

    async def _ready(self) -> None:
        self.intake.spawn(inbox.prune_forever(self.settings.wechat_dedupe_days))

    async def _shutdown(self) -> None:
        await self.intake.close()
        with contextlib.suppress(RuntimeError):
            self.bot_disconnect(self.bot)
        await close_shared()

    # --- HTTP ------------------------------------------------------------------------------------

    def _precheck(self, query: dict[str, str]) -> None:
        check_query(query, clock.now().timestamp(), self.settings.wecom_timestamp_tolerance_seconds)

    def _query(self, request: Request) -> dict[str, str]:
        query = {key: value for key, value in request.url.query.items()}
        self._precheck(query)
        return query

    async def _handle_get(self, request: Request) -> Response:
        try:
            query = self._query(request)
            echo = self.cipher.open(query.get("echostr", ""), query)
        except Refused as refusal:
            logger.warning("wecom: GET refused: {}", refusal.reason)
            return Response(refusal.status, content=refusal.reason)
        return Response(200, content=echo, headers={"Content-Type": "text/plain"})

    def _event(self, request: Request) -> tuple[WecomMessageEvent | None, dict[str, str]]:
        """Every check, then the event (None for kinds the product ignores)."""
        content = request.content
        body = content.encode() if isinstance(content, str) else bytes(content or b"")
        if len(body) > self.settings.wecom_max_body_bytes:
            raise Refused(413, "payload too large")
        query = self._query(request)
        root = parse_xml(self.cipher.decrypt(parse_xml(body), query))
        agent = self.settings.wecom_agent_id
        if agent and str(root.get("AgentID", "")).strip() not in ("", str(agent)):
            raise Refused(400, "wrong agentid")
        return convert(parse(root), dedupe_key(root, KEY_PREFIX)), query

    async def _handle_post(self, request: Request) -> Response:
        arrived = asyncio.get_running_loop().time()
        try:
            event, query = self._event(request)
        except Refused as refusal:
            logger.warning("wecom: POST refused ({}): {}", refusal.status, refusal.reason)
            return Response(refusal.status, content=refusal.reason)
        except Exception:
            logger.exception("wecom: unreadable request")
            return Response(400, content="bad request")
        if event is None:
            return EMPTY
        try:
            reply = await self.intake.take(
                event.dedupe_key, event.from_user, lambda: handle_event(self.bot, event), arrived=arrived
            )
            return self._response(event, reply, query)
        except Exception:  # taken in: a 5xx would make the platform send it again
            logger.exception("wecom: answering {} failed", event.dedupe_key)
            return EMPTY

    def _response(self, event: WecomMessageEvent, reply: str | None, query: dict[str, str]) -> Response:
        if not reply:
            return EMPTY
        now = int(time.time())
        xml = TextReply(source=event.to_user, target=event.from_user, content=safe_cdata(reply), time=now)
        nonce = query.get("nonce") or secrets.token_hex(5)
        rendered = self.cipher.encrypt(xml.render(), nonce, str(now))
        return Response(200, content=rendered, headers={"Content-Type": "application/xml"})

    # --- NoneBot ---------------------------------------------------------------------------------

    async def deliver(self, event: WecomMessageEvent, text: str) -> None:
        """A handler's answer: into the open callback response, or (too late for it) into the outbox."""
        await self.intake.deliver(event.dedupe_key, event.from_user, text)

    async def enqueue_text(self, user_id: str, text: str, key_hint: str) -> None:
        from bot.delivery import dispatcher, outbox
        from bot.delivery.recipients import AccountRecipient

        await outbox.enqueue(
            key=f"wecom:reply:{key_hint}:{uuid.uuid4().hex}",
            recipient=AccountRecipient("wecom", user_id),
            template="wechat/text.j2",
            context={"text": text},
            kind="wecom_reply",
            urgent=True,  # the answer to what the member has just asked: never held for quiet hours
        )
        dispatcher.wake()

    @override
    async def _call_api(self, bot: Any, api: str, /, **data: Any) -> Any:  # type: ignore[override]
        if api != "send_text":
            raise ApiNotAvailable(self.get_name(), f"the WeCom app has no API {api!r}")
        return await shared_api().send_text(**data)

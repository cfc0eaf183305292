"""The WeChat Official Account adapter: webhook routes, checks, retries, passive or late replies.

POST order: size cap (an ASGI guard in front of the driver, and again here) → URL signature and
timestamp age (constant time) → encryption mode → declarations refused → parse → (safe mode)
message signature, AppID and decryption → parse → the shared intake (`bot.adapters.webhook.intake`):
claim the key once, hand the event to NoneBot, and answer within `wechat_passive_reply_seconds` of
the request's arrival whatever the database is doing. In time, the answer is the passive reply;
later answers go to the outbox and out by the customer-service API. A request that passed the checks
is always answered 200 (never a 5xx, which WeChat would resend).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from loguru import logger
from nonebot.adapters import Adapter as BaseAdapter
from nonebot.drivers import ASGIMixin, Driver, HTTPServerSetup, Request, Response
from nonebot.exception import ApiNotAvailable
from nonebot.message import handle_event
from typing_extensions import override
from wechatpy.events import EVENT_TYPES
from wechatpy.messages import MESSAGE_TYPES, UnknownMessage
from wechatpy.replies import TextReply
from yarl import URL

from bot import clock
from bot.adapters.webhook import inbox
from bot.adapters.webhook.checks import safe_cdata
from bot.adapters.webhook.guard import install_body_limit
from bot.adapters.webhook.intake import Intake
from bot.adapters.webhook.keys import dedupe_key
from bot.adapters.wechat_oa.api import close_shared, shared_api
from bot.adapters.wechat_oa.bot import Bot
from bot.adapters.wechat_oa.event import WechatEvent, convert
from bot.adapters.wechat_oa.security import Cipher, Refused, check_url_signature, decode_body
from bot.config import Settings, get_settings

PASSIVE_REPLY_BYTES = 2000  # WeChat cuts a passive text reply at 2048 bytes
ADAPTER_NAME = "WeChat OA"
SUCCESS = Response(200, content="success", headers={"Content-Type": "text/plain"})


def wechatpy_message(root: dict[str, Any]) -> Any:
    """wechatpy's `parse_message`, on an already parsed (and checked) document."""
    message_type = str(root.get("MsgType", "")).lower()
    if message_type == "event":
        event_type = str(root.get("Event", "")).lower()
        key = root.get("EventKey") or ""
        if event_type == "subscribe" and isinstance(key, str) and key.startswith("qrscene_"):
            event_type = "subscribe_scan"
            root = {**root, "Event": event_type, "EventKey": key[len("qrscene_") :]}
        return EVENT_TYPES.get(event_type, UnknownMessage)(root)
    return MESSAGE_TYPES.get(message_type, UnknownMessage)(root)


class Adapter(BaseAdapter):
    def __init__(self, driver: Driver, /, **kwargs: Any) -> None:
        super().__init__(driver, **kwargs)
        self.settings: Settings = get_settings()
        s = self.settings
        self.cipher = Cipher(s.wechat_token, s.wechat_aes_key, s.wechat_app_id) if s.wechat_aes_key else None
        self.bot = Bot(self, s.wechat_app_id or "wechat-oa")
        self.intake = Intake(
            "wechat",
            window=s.wechat_passive_reply_seconds,
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
            raise RuntimeError("the WeChat adapter needs a server driver (DRIVER=~fastapi+~aiohttp)")
        path = URL(self.settings.wechat_path)
        self.setup_http_server(HTTPServerSetup(path, "GET", "wechat_oa_verify", self._handle_get))
        self.setup_http_server(HTTPServerSetup(path, "POST", "wechat_oa_message", self._handle_post))
        install_body_limit(self.driver, self.settings.wechat_path, self.settings.wechat_max_body_bytes)
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

    def _check(self, request: Request) -> dict[str, str]:
        query = {key: value for key, value in request.url.query.items()}
        check_url_signature(
            self.settings.wechat_token,
            query,
            clock.now().timestamp(),
            self.settings.wechat_timestamp_tolerance_seconds,
        )
        return query

    async def _handle_get(self, request: Request) -> Response:
        try:
            query = self._check(request)
        except Refused as refusal:
            logger.warning("wechat: GET refused: {}", refusal.reason)
            return Response(refusal.status, content=refusal.reason)
        return Response(200, content=query.get("echostr", ""), headers={"Content-Type": "text/plain"})

    def _body(self, request: Request) -> bytes:
        content = request.content
        body = content.encode() if isinstance(content, str) else bytes(content or b"")
        if len(body) > self.settings.wechat_max_body_bytes:
            raise Refused(413, "payload too large")
        return body

    def _event(self, request: Request) -> tuple[WechatEvent | None, dict[str, str], bool]:
        """Every check, then the event (None for kinds the product ignores)."""
        body = self._body(request)
        query = self._check(request)
        root, encrypted = decode_body(body, query, self.settings.wechat_encoding_mode, self.cipher)
        return convert(wechatpy_message(root), dedupe_key(root)), query, encrypted

    async def _handle_post(self, request: Request) -> Response:
        arrived = asyncio.get_running_loop().time()
        try:
            event, query, encrypted = self._event(request)
        except Refused as refusal:
            logger.warning("wechat: POST refused ({}): {}", refusal.status, refusal.reason)
            return Response(refusal.status, content=refusal.reason)
        except Exception:
            logger.exception("wechat: unreadable request")
            return Response(400, content="bad request")
        if event is None:
            return SUCCESS
        try:
            reply = await self.intake.take(
                event.dedupe_key, event.from_user, lambda: handle_event(self.bot, event), arrived=arrived
            )
            return self._response(event, reply, query, encrypted)
        except Exception:  # taken in: a 5xx would make WeChat send it again
            logger.exception("wechat: answering {} failed", event.dedupe_key)
            return SUCCESS

    def _response(
        self, event: WechatEvent, reply: str | None, query: dict[str, str], encrypted: bool
    ) -> Response:
        if not reply:
            return SUCCESS
        now = int(time.time())
        xml = TextReply(source=event.to_user, target=event.from_user, content=safe_cdata(reply), time=now)
        rendered = xml.render()
        if encrypted:
            assert self.cipher is not None
            rendered = self.cipher.encrypt(rendered, query.get("nonce", ""), str(now))
        return Response(200, content=rendered, headers={"Content-Type": "application/xml"})

    # --- NoneBot ---------------------------------------------------------------------------------

    async def deliver(self, event: WechatEvent, text: str) -> None:
        """A handler's answer: into the open webhook response, or (too late for it) into the outbox."""
        await self.intake.deliver(event.dedupe_key, event.from_user, text)

    async def enqueue_text(self, openid: str, text: str, key_hint: str) -> None:
        from bot.delivery import dispatcher, outbox
        from bot.delivery.recipients import AccountRecipient

        await outbox.enqueue(
            key=f"wechat:reply:{key_hint}:{uuid.uuid4().hex}",
            recipient=AccountRecipient("wechat", openid),
            template="wechat/text.j2",
            context={"text": text},
            kind="wechat_reply",
            # the answer to what the member has just asked: it never waits for quiet hours
            urgent=True,
        )
        dispatcher.wake()

    @override
    async def _call_api(self, bot: Any, api: str, /, **data: Any) -> Any:  # type: ignore[override]
        # Positional-only so that no API parameter can collide with `bot` or `api`; NoneBot calls it
        # positionally (`self._call_api(bot, api, **data)`), which the base signature also allows.
        client = shared_api()
        calls: dict[str, Callable[..., Awaitable[Any]]] = {
            "send_text": client.send_text,
            "send_template": client.send_template,
            "create_menu": client.create_menu,
            "create_qr_scene": client.create_qr_scene,
        }
        if api not in calls:
            raise ApiNotAvailable(self.get_name(), f"the Official Account has no API {api!r}")
        return await calls[api](**data)

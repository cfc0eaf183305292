"""The WeChat Official Account adapter: webhook routes, checks, retries, passive or late replies.

POST order: size cap (an ASGI guard in front of the driver, and again here) → URL signature and
timestamp age (constant time) → encryption mode → declarations refused → parse → (safe mode)
message signature, AppID and decryption → parse → drop a retry seen before → hand the event to
NoneBot and wait up to `wechat_passive_reply_seconds` for its answer. In time, the answer is the
passive reply; later answers go to the outbox and out by the customer-service API.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from dataclasses import dataclass, field
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
from bot.adapters.wechat_oa import inbox
from bot.adapters.wechat_oa.api import shared_api
from bot.adapters.wechat_oa.bot import Bot
from bot.adapters.wechat_oa.event import WechatEvent, convert
from bot.adapters.wechat_oa.limits import BodyLimit
from bot.adapters.wechat_oa.message import split_text
from bot.adapters.wechat_oa.security import Cipher, Refused, check_url_signature, decode_body
from bot.config import Settings, get_settings

PASSIVE_REPLY_BYTES = 2000  # WeChat cuts a passive text reply at 2048 bytes
PRUNE_INTERVAL_SECONDS = 3600
ADAPTER_NAME = "WeChat OA"


@dataclass
class _Pending:
    texts: list[str] = field(default_factory=list)


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


def _safe_cdata(text: str) -> str:
    return text.replace("]]>", "]]]]><![CDATA[>")


class Adapter(BaseAdapter):
    def __init__(self, driver: Driver, /, **kwargs: Any) -> None:
        super().__init__(driver, **kwargs)
        self.settings: Settings = get_settings()
        s = self.settings
        self.cipher = Cipher(s.wechat_token, s.wechat_aes_key, s.wechat_app_id) if s.wechat_aes_key else None
        self.bot = Bot(self, s.wechat_app_id or "wechat-oa")
        self._pending: dict[str, _Pending] = {}
        self._inflight: dict[str, asyncio.Future[str | None]] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
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
        if self.driver.type == "fastapi":
            self.driver.server_app.add_middleware(  # type: ignore[attr-defined]
                BodyLimit, path=self.settings.wechat_path, limit=self.settings.wechat_max_body_bytes
            )
        self.driver.on_startup(self._startup)
        self.on_ready(self._ready)
        self.driver.on_shutdown(self._shutdown)

    async def _startup(self) -> None:
        self.bot_connect(self.bot)

    async def _ready(self) -> None:
        self._spawn(self._prune_forever())

    async def _shutdown(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        with contextlib.suppress(RuntimeError):
            self.bot_disconnect(self.bot)
        from bot.adapters.wechat_oa.api import close_shared

        await close_shared()

    def _spawn(self, coro: Any) -> asyncio.Task[Any]:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def _prune_forever(self) -> None:
        while True:
            try:
                await inbox.prune(self.settings.wechat_dedupe_days)
            except Exception:
                logger.exception("wechat: pruning message ids failed")
            await asyncio.sleep(PRUNE_INTERVAL_SECONDS)

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

    async def _handle_post(self, request: Request) -> Response:
        try:
            return await self._handle_message(request)
        except Refused as refusal:
            logger.warning("wechat: POST refused ({}): {}", refusal.status, refusal.reason)
            return Response(refusal.status, content=refusal.reason)
        except Exception:
            logger.exception("wechat: webhook failed")
            return Response(500, content="error")

    def _body(self, request: Request) -> bytes:
        content = request.content
        body = content.encode() if isinstance(content, str) else bytes(content or b"")
        if len(body) > self.settings.wechat_max_body_bytes:
            raise Refused(413, "payload too large")
        return body

    async def _handle_message(self, request: Request) -> Response:
        body = self._body(request)
        query = self._check(request)
        root, encrypted = decode_body(body, query, self.settings.wechat_encoding_mode, self.cipher)
        event = convert(wechatpy_message(root))
        if event is None:
            return Response(200, content="success")
        return self._response(event, await self._take_in(event), query, encrypted)

    async def _take_in(self, event: WechatEvent) -> str | None:
        """Handle an event once: a retry gets the first answer (or nothing when it went out later).

        In this process a key stays in `_inflight` from arrival until its row is written; across
        restarts the row answers. The row is written after the response, off the reply's path.
        """
        key = event.dedupe_key
        earlier = self._inflight.get(key)
        if earlier is not None:
            logger.info("wechat: retry of {} while it is handled", key)
            with contextlib.suppress(TimeoutError):
                return await asyncio.wait_for(
                    asyncio.shield(earlier), timeout=self.settings.wechat_passive_reply_seconds
                )
            return None
        future: asyncio.Future[str | None] = asyncio.get_running_loop().create_future()
        self._inflight[key] = future
        reply: str | None = None
        record = False
        try:
            seen, reply = await inbox.seen(key)
            if seen:
                logger.info("wechat: retry of {} dropped", key)
            else:
                reply = await self._dispatch(event)
                record = True  # only once handled: a failure above leaves WeChat's retry to us
        finally:
            future.set_result(reply)
            if record:
                self._spawn(self._record(key, event.from_user, reply))
            else:
                self._inflight.pop(key, None)
        return reply

    async def _record(self, key: str, openid: str, reply: str | None) -> None:
        try:
            await inbox.record(key, openid, reply)
        except Exception:
            logger.exception("wechat: could not record message {}", key)
        finally:
            self._inflight.pop(key, None)

    def _response(
        self, event: WechatEvent, reply: str | None, query: dict[str, str], encrypted: bool
    ) -> Response:
        if not reply:
            return Response(200, content="success", headers={"Content-Type": "text/plain"})
        now = int(time.time())
        xml = TextReply(source=event.to_user, target=event.from_user, content=_safe_cdata(reply), time=now)
        rendered = xml.render()
        if encrypted:
            assert self.cipher is not None
            rendered = self.cipher.encrypt(rendered, query.get("nonce", ""), str(now))
        return Response(200, content=rendered, headers={"Content-Type": "application/xml"})

    # --- NoneBot ---------------------------------------------------------------------------------

    async def _run(self, event: WechatEvent) -> None:
        try:
            await handle_event(self.bot, event)
        except Exception:
            logger.exception("wechat: handling {} failed", event.dedupe_key)

    async def _dispatch(self, event: WechatEvent) -> str | None:
        """Run NoneBot on the event; what it says within the window is the passive reply."""
        key = event.dedupe_key
        pending = self._pending[key] = _Pending()
        try:
            task = self._spawn(self._run(event))
            await asyncio.wait({task}, timeout=self.settings.wechat_passive_reply_seconds)
        finally:
            self._pending.pop(key, None)
        if not pending.texts:
            return None
        first, *rest = split_text("\n\n".join(pending.texts), PASSIVE_REPLY_BYTES)
        if rest:
            await self.enqueue_text(event.from_user, "\n\n".join(rest), key)
        return first

    async def deliver(self, event: WechatEvent, text: str) -> None:
        """A handler's answer: into the open webhook response, or (too late for it) into the outbox."""
        pending = self._pending.get(event.dedupe_key)
        if pending is not None:
            pending.texts.append(text)
            return
        await self.enqueue_text(event.from_user, text, event.dedupe_key)

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
    async def _call_api(self, bot: Any, api: str, /, **data: Any) -> Any:
        client = shared_api()
        calls = {
            "send_text": client.send_text,
            "send_template": client.send_template,
            "create_menu": client.create_menu,
            "create_qr_scene": client.create_qr_scene,
        }
        if api not in calls:
            raise ApiNotAvailable
        return await calls[api](**data)

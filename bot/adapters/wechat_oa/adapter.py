"""The WeChat Official Account adapter: webhook routes, checks, retries, passive or late replies.

POST order: size cap (an ASGI guard in front of the driver, and again here) → URL signature and
timestamp age (constant time) → encryption mode → declarations refused → parse → (safe mode)
message signature, AppID and decryption → parse → what every callback adapter does
(`bot.adapters.webhook.adapter`): answer within `wechat_passive_reply_seconds`, later answers by the
customer-service API.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

from loguru import logger
from nonebot.drivers import Driver, Request, Response
from nonebot.exception import ApiNotAvailable
from typing_extensions import override
from wechatpy.events import EVENT_TYPES
from wechatpy.messages import MESSAGE_TYPES, UnknownMessage
from wechatpy.replies import TextReply

from bot import clock
from bot.adapters.webhook.adapter import CallbackAdapter, CallbackRoute
from bot.adapters.webhook.checks import safe_cdata
from bot.adapters.webhook.event import CallbackEvent
from bot.adapters.webhook.keys import dedupe_key
from bot.adapters.wechat_oa.api import close_shared, shared_api
from bot.adapters.wechat_oa.bot import Bot
from bot.adapters.wechat_oa.event import WechatEvent, convert
from bot.adapters.wechat_oa.security import Cipher, Refused, check_url_signature, decode_body
from bot.config import Settings, get_settings

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


class Adapter(CallbackAdapter):
    platform = "wechat"
    route_name = "wechat_oa"
    no_reply = SUCCESS

    def __init__(self, driver: Driver, /, **kwargs: Any) -> None:
        self.settings: Settings = get_settings()
        s = self.settings
        self.cipher = Cipher(s.wechat_token, s.wechat_aes_key, s.wechat_app_id) if s.wechat_aes_key else None
        self.bot = Bot(self, s.wechat_app_id or "wechat-oa")
        super().__init__(
            driver,
            CallbackRoute(
                path=s.wechat_path,
                max_body=s.wechat_max_body_bytes,
                window=s.wechat_passive_reply_seconds,
                dedupe_days=s.wechat_dedupe_days,
            ),
            **kwargs,
        )

    @classmethod
    @override
    def get_name(cls) -> str:
        return ADAPTER_NAME

    async def _close_api(self) -> None:
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

    def _event(self, request: Request) -> tuple[WechatEvent | None, tuple[dict[str, str], bool]]:
        """Every check, then the event (None for kinds the product ignores)."""
        body = self._body(request)
        query = self._check(request)
        root, encrypted = decode_body(body, query, self.settings.wechat_encoding_mode, self.cipher)
        return convert(wechatpy_message(root), dedupe_key(root)), (query, encrypted)

    def _response(self, event: CallbackEvent, reply: str, context: tuple[dict[str, str], bool]) -> Response:
        query, encrypted = context
        now = int(time.time())
        xml = TextReply(source=event.to_user, target=event.from_user, content=safe_cdata(reply), time=now)
        rendered = xml.render()
        if encrypted:
            assert self.cipher is not None
            rendered = self.cipher.encrypt(rendered, query.get("nonce", ""), str(now))
        return Response(200, content=rendered, headers={"Content-Type": "application/xml"})

    # --- NoneBot ---------------------------------------------------------------------------------

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

"""The 企业微信 / 政务微信 app adapter: callback routes, checks, retries, passive or late replies.

企业微信 signs every callback with `msg_signature` over the token, timestamp, nonce and the
ciphertext, and always encrypts (AES with the EncodingAESKey; the CorpID inside the plaintext).

GET (URL verification, when the callback URL is saved in the admin console): timestamp age →
signature over `echostr` → decrypt it (CorpID checked) → answer the plaintext.

POST order: in front of the server (`bot.adapters.webhook.guard`) the query is checked — signature
parameters present, timestamp fresh — before the body is touched, then the body is capped → here
again the cap and the query → declarations refused → parse the envelope → signature over the
ciphertext (constant time) → decrypt (CorpID checked) → parse → AgentID checked → what every
callback adapter does (`bot.adapters.webhook.adapter`): answer within `wecom_passive_reply_seconds`
(an encrypted passive reply, or an empty answer), later answers by the app's message API.
"""

from __future__ import annotations

import re
import secrets
import time
from typing import Any

from loguru import logger
from nonebot.drivers import Driver, Request, Response
from nonebot.exception import ApiNotAvailable
from typing_extensions import override
from wechatpy.replies import TextReply

from bot import clock
from bot.adapters.webhook.adapter import CallbackAdapter, CallbackRoute
from bot.adapters.webhook.checks import Cipher, Refused, check_fresh, parse_xml, safe_cdata
from bot.adapters.webhook.event import CallbackEvent
from bot.adapters.webhook.keys import dedupe_key
from bot.adapters.wecom.api import close_shared, shared_api
from bot.adapters.wecom.bot import Bot
from bot.adapters.wecom.event import WecomMessageEvent, convert, parse
from bot.config import Settings, get_settings

ADAPTER_NAME = "WeCom"
KEY_PREFIX = "wecom:"  # keeps this adapter's dedupe keys apart from the Official Account's
EMPTY = Response(200, content="", headers={"Content-Type": "text/plain"})
_SIGNATURE = re.compile(r"[0-9a-fA-F]{40}")


def check_query(query: dict[str, str], now: float, tolerance: int) -> None:
    """What can be checked before the body is read: a well-formed signature, a nonce, a fresh time."""
    if not _SIGNATURE.fullmatch(query.get("msg_signature", "")) or not query.get("nonce"):
        raise Refused(403, "invalid signature")
    check_fresh(query.get("timestamp", ""), now, tolerance)


class Adapter(CallbackAdapter):
    platform = "wecom"
    route_name = "wecom"
    no_reply = EMPTY

    def __init__(self, driver: Driver, /, **kwargs: Any) -> None:
        self.settings: Settings = get_settings()
        s = self.settings
        self.cipher = Cipher(s.wecom_token, s.wecom_aes_key, s.wecom_corp_id, corp=True)
        self.bot = Bot(self, f"wecom-{s.wecom_agent_id}")
        super().__init__(
            driver,
            CallbackRoute(
                path=s.wecom_path,
                max_body=s.wecom_max_body_bytes,
                window=s.wecom_passive_reply_seconds,
                dedupe_days=s.wechat_dedupe_days,
                precheck=self._precheck,
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
        body = self._body(request)
        query = self._query(request)
        root = parse_xml(self.cipher.decrypt(parse_xml(body), query))
        agent = self.settings.wecom_agent_id
        if agent and str(root.get("AgentID", "")).strip() not in ("", str(agent)):
            raise Refused(400, "wrong agentid")
        return convert(parse(root), dedupe_key(root, KEY_PREFIX)), query

    def _response(self, event: CallbackEvent, reply: str, context: dict[str, str]) -> Response:
        now = int(time.time())
        xml = TextReply(source=event.to_user, target=event.from_user, content=safe_cdata(reply), time=now)
        nonce = context.get("nonce") or secrets.token_hex(5)
        rendered = self.cipher.encrypt(xml.render(), nonce, str(now))
        return Response(200, content=rendered, headers={"Content-Type": "application/xml"})

    # --- NoneBot ---------------------------------------------------------------------------------

    @override
    async def _call_api(self, bot: Any, api: str, /, **data: Any) -> Any:  # type: ignore[override]
        if api != "send_text":
            raise ApiNotAvailable(self.get_name(), f"the WeCom app has no API {api!r}")
        return await shared_api().send_text(**data)

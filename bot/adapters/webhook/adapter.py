"""A WeChat-family callback adapter (Official Account, 企业微信 / 政务微信): its routes, the body guard,
its lifecycle and the POST handling all of them share.

POST: `_event` runs every check of the platform and returns the event (None for kinds the product
ignores) — a `Refused` becomes its 4xx, anything else a 400, never a traceback. The event goes to the
shared intake (`bot.adapters.webhook.intake`): claimed once, handed to NoneBot, answered within the
window of the request's arrival whatever the database is doing; `_response` renders the passive
reply. A request that passed the checks is always answered 200 (a 5xx would make the platform
resend it). Answers too late for the passive reply go to the outbox (`enqueue_text`) and out by the
platform's message API.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from abc import abstractmethod
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, ClassVar

from loguru import logger
from nonebot.adapters import Adapter as BaseAdapter
from nonebot.adapters import Bot
from nonebot.drivers import ASGIMixin, Driver, HTTPServerSetup, Request, Response
from nonebot.message import handle_event
from yarl import URL

from bot.adapters.webhook import inbox
from bot.adapters.webhook.checks import Refused
from bot.adapters.webhook.event import CallbackEvent
from bot.adapters.webhook.guard import Precheck, install_body_limit
from bot.adapters.webhook.intake import Intake

PASSIVE_REPLY_BYTES = 2000  # a passive text reply holds 2048 bytes


@dataclass(frozen=True, slots=True)
class CallbackRoute:
    """Where a platform's callbacks arrive and how they are taken in."""

    path: str
    max_body: int  # larger bodies get 413 before they are read
    window: float  # seconds from arrival to the answer at the latest
    dedupe_days: int  # how long callback keys are kept
    precheck: Precheck | None = None  # checks of the query before the body is read


class CallbackAdapter(BaseAdapter):
    platform: ClassVar[str]  # the delivery platform late answers go out on
    route_name: ClassVar[str]  # prefix of the HTTP routes' names
    no_reply: ClassVar[Response]  # the answer when there is nothing to say
    bot: Bot

    def __init__(self, driver: Driver, route: CallbackRoute, /, **kwargs: Any) -> None:
        super().__init__(driver, **kwargs)
        self.route = route
        self.intake = Intake(
            self.platform, window=route.window, passive_bytes=PASSIVE_REPLY_BYTES, late=self.enqueue_text
        )
        if not isinstance(self.driver, ASGIMixin):
            raise RuntimeError(
                f"the {self.get_name()} adapter needs a server driver (DRIVER=~fastapi+~aiohttp)"
            )
        url = URL(route.path)
        self.setup_http_server(HTTPServerSetup(url, "GET", f"{self.route_name}_verify", self._handle_get))
        self.setup_http_server(HTTPServerSetup(url, "POST", f"{self.route_name}_message", self._handle_post))
        install_body_limit(self.driver, route.path, route.max_body, precheck=route.precheck)
        self.driver.on_startup(self._startup)
        self.on_ready(self._ready)
        self.driver.on_shutdown(self._shutdown)

    # --- what each platform says -----------------------------------------------------------------

    @abstractmethod
    async def _handle_get(self, request: Request) -> Response:
        """URL verification."""

    @abstractmethod
    def _event(self, request: Request) -> tuple[CallbackEvent | None, Any]:
        """Every check, then the event and what `_response` needs to answer it."""

    @abstractmethod
    def _response(self, event: CallbackEvent, reply: str, context: Any) -> Response:
        """The passive reply carrying `reply`."""

    @abstractmethod
    async def _close_api(self) -> None:
        """Close the platform's API client at shutdown."""

    # --- lifecycle -------------------------------------------------------------------------------

    async def _startup(self) -> None:
        self.bot_connect(self.bot)

    async def _ready(self) -> None:
        self.intake.spawn(inbox.prune_forever(self.route.dedupe_days))

    async def _shutdown(self) -> None:
        await self.intake.close()
        with contextlib.suppress(RuntimeError):
            self.bot_disconnect(self.bot)
        await self._close_api()

    # --- HTTP ------------------------------------------------------------------------------------

    def _body(self, request: Request) -> bytes:
        content = request.content
        body = content.encode() if isinstance(content, str) else bytes(content or b"")
        if len(body) > self.route.max_body:
            raise Refused(413, "payload too large")
        return body

    async def _handle_post(self, request: Request) -> Response:
        arrived = asyncio.get_running_loop().time()
        try:
            event, context = self._event(request)
        except Refused as refusal:
            logger.warning("{}: POST refused ({}): {}", self.platform, refusal.status, refusal.reason)
            return Response(refusal.status, content=refusal.reason)
        except Exception:
            logger.exception("{}: unreadable request", self.platform)
            return Response(400, content="bad request")
        if event is None:
            return self.no_reply
        run: Callable[[], Awaitable[None]] = lambda: handle_event(self.bot, event)  # noqa: E731
        try:
            reply = await self.intake.take(event.dedupe_key, event.from_user, run, arrived=arrived)
            return self._response(event, reply, context) if reply else self.no_reply
        except Exception:  # taken in: a 5xx would make the platform send it again
            logger.exception("{}: answering {} failed", self.platform, event.dedupe_key)
            return self.no_reply

    # --- NoneBot ---------------------------------------------------------------------------------

    async def deliver(self, event: CallbackEvent, text: str) -> None:
        """A handler's answer: into the open callback response, or (too late for it) into the outbox."""
        await self.intake.deliver(event.dedupe_key, event.from_user, text)

    async def enqueue_text(self, account: str, text: str, key_hint: str) -> None:
        from bot.delivery import dispatcher, outbox
        from bot.delivery.recipients import AccountRecipient

        await outbox.enqueue(
            key=f"{self.platform}:reply:{key_hint}:{uuid.uuid4().hex}",
            recipient=AccountRecipient(self.platform, account),
            template="wechat/text.j2",
            context={"text": text},
            kind=f"{self.platform}_reply",
            urgent=True,  # the answer to what the member has just asked: never held for quiet hours
        )
        dispatcher.wake()

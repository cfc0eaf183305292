"""An ASGI guard that refuses an oversized webhook body with 413 before reading more of it.

NoneBot's FastAPI driver reads the whole body (and parses JSON or forms) before an adapter's handler
runs, so the size cap has to sit in front of it: the guard reads at most `limit` + 1 bytes, then
either answers 413 or replays what it read to the application. `install_body_limit` puts it in front
of whatever server driver runs (the bot runs `fastapi+aiohttp`, a combined driver whose type is not
"fastapi"); a driver it cannot guard stops start-up rather than leaving the route unguarded.

A `precheck` on the URL's query (its signature parameters and timestamp age) runs before even the
length is looked at: a forged or replayed request is refused before one byte of its body is read.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import parse_qsl

from nonebot.drivers import Driver

from bot.adapters.webhook.checks import Refused

_DIGITS = re.compile(rb"[0-9]+")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]
Precheck = Callable[[dict[str, str]], None]  # raises Refused


async def _refuse(send: Send, status: int, reason: bytes) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"text/plain"),
                (b"content-length", str(len(reason)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": reason})


class BodyLimit:
    def __init__(self, app: ASGIApp, path: str, limit: int, precheck: Precheck | None = None) -> None:
        self.app = app
        self.path = path.rstrip("/") or "/"
        self.limit = limit
        self.precheck = precheck

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope.get("method") != "POST"
            or (scope.get("path", "").rstrip("/") or "/") != self.path
        ):
            await self.app(scope, receive, send)
            return
        if self.precheck is not None:
            query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
            try:
                self.precheck(query)
            except Refused as refusal:
                await _refuse(send, refusal.status, refusal.reason.encode())
                return
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                if not _DIGITS.fullmatch(value):
                    await _refuse(send, 400, b"bad content-length")
                    return
                if int(value) > self.limit:
                    await _refuse(send, 413, b"payload too large")
                    return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.limit:
                await _refuse(send, 413, b"payload too large")
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


def install_body_limit(driver: Driver, path: str, limit: int, precheck: Precheck | None = None) -> None:
    """Cap POST bodies on `path` at `limit` bytes (after `precheck` on the query, if given), in front
    of the driver's ASGI application."""
    app = getattr(driver, "server_app", None)
    add_middleware = getattr(app, "add_middleware", None)
    if add_middleware is None:
        raise RuntimeError(
            f"cannot cap webhook bodies on the {driver.type} driver: run DRIVER=~fastapi+~aiohttp"
        )
    add_middleware(BodyLimit, path=path, limit=limit, precheck=precheck)

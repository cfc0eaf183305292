"""A local fake of WeChat's HTTP API: records every call, answers any errcode it is told to.

Tokens come from `cgi-bin/stable_token`; a call with an unknown token gets 40001. `expire_token()`
makes the next authenticated call fail with 42001 and retires the current token (as WeChat does
when a token expires in the middle of a conversation).
"""

from __future__ import annotations

import asyncio
import itertools
import json
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


@dataclass
class Call:
    path: str
    query: dict[str, str]
    body: dict[str, Any]
    answer: dict[str, Any] = field(default_factory=dict)


class FakeWechat:
    def __init__(self) -> None:
        self.calls: list[Call] = []
        self._tokens = itertools.count(1)
        self.current_token: str | None = None
        self.valid_tokens: set[str] = set()
        self._scripted: dict[str, list[int]] = defaultdict(list)
        self._delays: dict[str, float] = {}
        self._expire_next = False
        self._msgids = itertools.count(9000001)
        self.runner: web.AppRunner | None = None
        self.port = 0

    # --- steering ---
    def fail_next(self, path: str, errcode: int, times: int = 1) -> None:
        self._scripted[path].extend([errcode] * times)

    def delay(self, path: str, seconds: float) -> None:
        self._delays[path] = seconds

    def expire_token(self) -> None:
        self._expire_next = True

    def reset(self) -> None:
        self.calls.clear()
        self._scripted.clear()
        self._delays.clear()
        self._expire_next = False

    def paths(self) -> list[str]:
        return [call.path for call in self.calls]

    def sent_texts(self, openid: str | None = None) -> list[str]:
        return [
            call.body["text"]["content"]
            for call in self.calls
            if call.path == "cgi-bin/message/custom/send"
            and call.answer.get("errcode") == 0
            and (openid is None or call.body.get("touser") == openid)
        ]

    async def wait_for(self, predicate: Any, within: float = 15.0) -> None:
        deadline = asyncio.get_running_loop().time() + within
        while not predicate():
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"fake WeChat never saw the expected call; calls: {self.paths()}")
            await asyncio.sleep(0.05)

    # --- server ---
    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> FakeWechat:
        app = web.Application()
        app.router.add_post("/{path:.*}", self._handle)
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()

    def _issue_token(self) -> str:
        if self.current_token is None:
            self.current_token = f"TOKEN-{next(self._tokens)}"
            self.valid_tokens.add(self.current_token)
        return self.current_token

    async def _handle(self, request: web.Request) -> web.Response:
        path = request.match_info["path"]
        try:
            body = json.loads(await request.read() or b"{}")
        except ValueError:
            body = {"_raw": "not json"}
        call = Call(path, dict(request.query), body)
        self.calls.append(call)
        if path in self._delays:
            await asyncio.sleep(self._delays[path])
        call.answer = self._answer(path, request.query.get("access_token", ""), body)
        return web.json_response(call.answer)

    def _answer(self, path: str, token: str, body: dict[str, Any]) -> dict[str, Any]:
        if path == "cgi-bin/stable_token":
            if self._scripted[path]:
                return {"errcode": self._scripted[path].pop(0), "errmsg": "scripted"}
            return {"access_token": self._issue_token(), "expires_in": 7200}
        if token not in self.valid_tokens:
            return {"errcode": 40001, "errmsg": "invalid credential"}
        if self._expire_next:
            self._expire_next = False
            self.valid_tokens.discard(token)
            self.current_token = None
            return {"errcode": 42001, "errmsg": "access_token expired"}
        if self._scripted[path]:
            return {"errcode": self._scripted[path].pop(0), "errmsg": "scripted"}
        if path == "cgi-bin/message/template/send":
            return {"errcode": 0, "errmsg": "ok", "msgid": next(self._msgids)}
        if path == "cgi-bin/qrcode/create":
            scene = body.get("action_info", {}).get("scene", {}).get("scene_str", "")
            return {
                "errcode": 0,
                "ticket": f"TICKET-{scene}",
                "expire_seconds": body.get("expire_seconds"),
                "url": f"http://weixin.qq.com/q/fake-{scene}",
            }
        return {"errcode": 0, "errmsg": "ok"}

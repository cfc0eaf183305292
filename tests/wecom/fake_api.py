"""A local fake of the 企业微信 API: gettoken, the app's message/send and group robots' webhook/send.

It checks what the real one checks — the CorpID and Secret for a token, the token and AgentID of a
message, a robot's key — records every call, and answers with the platform's real error codes:
40001 wrong secret, 40014 unknown token, 42001 expired token (`expire_token()`), 81013 for a UserID
outside the app (`invalid_users`), 93000 for an unknown robot key, 45009 when a robot gets more than
20 messages in a minute; any code can be scripted for the next calls of a path (`fail_next`).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.wecom.wecom_side import AGENT_ID, CORP_ID, SECRET

ROBOT_PER_MINUTE = 20


@dataclass
class Call:
    path: str
    query: dict[str, str]
    body: dict[str, Any]
    answer: dict[str, Any] = field(default_factory=dict)


class FakeWecom:
    def __init__(
        self, robot_keys: dict[str, str] | None = None, monotonic: Callable[[], float] = time.monotonic
    ) -> None:
        self.robot_keys = dict(robot_keys or {})  # key → group name
        self.monotonic = monotonic  # the robots' minute is measured on this clock
        self.invalid_users: set[str] = set()  # errcode 81013
        self.listed_invalid: set[str] = set()  # errcode 0, but named in `invaliduser`
        self.calls: list[Call] = []
        self._tokens = itertools.count(1)
        self.current_token: str | None = None
        self.valid_tokens: set[str] = set()
        self._scripted: dict[str, list[int]] = defaultdict(list)
        self._delays: dict[str, float] = {}
        self._expire_next = False
        self._robot_times: dict[str, deque[float]] = defaultdict(deque)
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
        self._robot_times.clear()

    def paths(self) -> list[str]:
        return [call.path for call in self.calls]

    def app_texts(self, user: str | None = None) -> list[str]:
        """Texts the app delivered (errcode 0), to `user` if given."""
        return [
            call.body["text"]["content"]
            for call in self.calls
            if call.path == "cgi-bin/message/send"
            and call.answer.get("errcode") == 0
            and (user is None or call.body.get("touser") == user)
        ]

    def robot_posts(self, group: str | None = None) -> list[dict[str, Any]]:
        """Bodies robots posted (errcode 0), in the group named `group` if given."""
        return [
            call.body
            for call in self.calls
            if call.path == "cgi-bin/webhook/send"
            and call.answer.get("errcode") == 0
            and (group is None or self.robot_keys.get(call.query.get("key", "")) == group)
        ]

    async def wait_for(self, predicate: Any, within: float = 15.0) -> None:
        deadline = asyncio.get_running_loop().time() + within
        while not predicate():
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"the fake 企业微信 never saw the expected call; calls: {self.paths()}")
            await asyncio.sleep(0.05)

    # --- server ---
    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> FakeWecom:
        app = web.Application()
        app.router.add_route("*", "/{path:.*}", self._handle)
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()

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
        call.answer = self._answer(path, call.query, body)
        return web.json_response(call.answer)

    def _token(self, query: dict[str, str]) -> dict[str, Any]:
        if query.get("corpid") != CORP_ID:
            return {"errcode": 40013, "errmsg": "invalid corpid"}
        if query.get("corpsecret") != SECRET:
            return {"errcode": 40001, "errmsg": "invalid credential"}
        if self.current_token is None:
            self.current_token = f"WECOM-TOKEN-{next(self._tokens)}"
            self.valid_tokens.add(self.current_token)
        return {"errcode": 0, "errmsg": "ok", "access_token": self.current_token, "expires_in": 7200}

    def _robot(self, key: str, body: dict[str, Any]) -> dict[str, Any]:
        if key not in self.robot_keys:
            return {"errcode": 93000, "errmsg": "invalid webhook url"}
        msgtype = body.get("msgtype")
        if msgtype not in ("text", "markdown") or not body.get(msgtype, {}).get("content"):
            return {"errcode": 40008, "errmsg": "invalid message type"}
        now, times = self.monotonic(), self._robot_times[key]
        while times and now - times[0] > 60:
            times.popleft()
        if len(times) >= ROBOT_PER_MINUTE:
            return {"errcode": 45009, "errmsg": "api freq out of limit"}
        times.append(now)
        return {"errcode": 0, "errmsg": "ok"}

    def _answer(self, path: str, query: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
        if self._scripted[path]:
            return {"errcode": self._scripted[path].pop(0), "errmsg": "scripted"}
        if path == "cgi-bin/gettoken":
            return self._token(query)
        if path == "cgi-bin/webhook/send":
            return self._robot(query.get("key", ""), body)
        token = query.get("access_token", "")
        if token not in self.valid_tokens:
            return {"errcode": 40014, "errmsg": "invalid access_token"}
        if self._expire_next:
            self._expire_next = False
            self.valid_tokens.discard(token)
            self.current_token = None
            return {"errcode": 42001, "errmsg": "access_token expired"}
        if path != "cgi-bin/message/send":
            return {"errcode": 404, "errmsg": "no such API in the fake"}
        if body.get("agentid") != AGENT_ID:
            return {"errcode": 40056, "errmsg": "invalid agentid"}
        if body.get("touser") in self.invalid_users:
            return {"errcode": 81013, "errmsg": "user & party & tag all invalid"}
        invalid = body.get("touser") if body.get("touser") in self.listed_invalid else ""
        return {"errcode": 0, "errmsg": "ok", "invaliduser": invalid, "msgid": f"MSG{len(self.calls)}"}

"""A small OneBot V11 implementation for end-to-end tests: it connects to the app's reverse WebSocket
like go-cqhttp / NapCat would, answers every action, and records what it was asked to do.

    peer = OneBotPeer(app.ws_url, token)
    peer.reply("send_private_msg", lambda params: Reply.failed(1200) if params["user_id"] == 3 else Reply())
    await peer.connect()                      # retries until the app accepts (= the app is ready)
    await peer.wait_for(lambda p: p.count("send_private_msg") >= 10)
    await peer.send_event(private_message(10001, "签到"))
    await peer.close()

A reply may be delayed (`Reply(delay=2)`) or never sent (`Reply(drop=True)`) to make the app's call
time out. Actions are kept across reconnects, so a test can restart the app and count everything.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed


def _text(text: str) -> list[dict[str, Any]]:
    return [{"type": "text", "data": {"text": text}}]


@dataclass(frozen=True, slots=True)
class Reply:
    """How the peer answers one action."""

    retcode: int = 0
    status: str = "ok"
    data: Any = None  # None: {"message_id": <next id>}
    msg: str = ""
    wording: str = ""
    delay: float = 0.0
    drop: bool = False  # never answer (the app's call times out)

    @classmethod
    def failed(cls, retcode: int, wording: str = "", msg: str = "") -> Reply:
        return cls(retcode=retcode, status="failed", msg=msg or "FAILED", wording=wording)


@dataclass(frozen=True, slots=True)
class Action:
    action: str
    params: dict[str, Any]
    echo: Any
    at: float = field(default_factory=time.monotonic)
    connection: int = 0

    @property
    def text(self) -> str:
        """The plain text of a send action's message (segments or a string)."""
        message = self.params.get("message", "")
        if isinstance(message, str):
            return message
        return "".join(
            str(seg.get("data", {}).get("text", "")) for seg in message if seg.get("type") == "text"
        )

    @property
    def target(self) -> tuple[str, int]:
        """Where a send action goes: ('group', id) or ('private', id)."""
        if self.params.get("message_type") == "group" or "group_id" in self.params:
            return "group", int(self.params["group_id"])
        return "private", int(self.params.get("user_id", 0))


Responder = Reply | Callable[[dict[str, Any]], Reply]


class OneBotPeer:
    def __init__(self, url: str, token: str, self_id: int = 10000) -> None:
        self.url = url
        self.token = token
        self.self_id = self_id
        self.actions: list[Action] = []
        self._responders: dict[str, Responder] = {}
        self._ids = itertools.count(1)
        self._ws: ClientConnection | None = None
        self._reader: asyncio.Task[None] | None = None
        self._connections = 0
        self._changed = asyncio.Event()
        self._pending: set[asyncio.Task[None]] = set()
        self._waiters: list[tuple[Callable[[Action], bool], asyncio.Future[Action]]] = []

    # -- configuration ---------------------------------------------------------------------------
    def reply(self, action: str, responder: Responder) -> None:
        """Answer `action` with a fixed Reply, or with `responder(params)`; default: ok."""
        self._responders[action] = responder

    # -- connection ------------------------------------------------------------------------------
    @property
    def headers(self) -> dict[str, str]:
        return {
            "X-Self-ID": str(self.self_id),
            "X-Client-Role": "Universal",
            "Authorization": f"Bearer {self.token}",
        }

    @property
    def connected(self) -> bool:
        return self._reader is not None and not self._reader.done()

    async def connect(self, within: float = 30.0) -> None:
        """Connect, retrying until the app accepts: returns when the app has the bot registered."""
        deadline = time.monotonic() + within
        last: Exception | None = None
        while time.monotonic() < deadline:
            try:
                self._ws = await connect(self.url, additional_headers=self.headers, open_timeout=5)
            except (OSError, TimeoutError, Exception) as exc:  # refused while the app starts
                last = exc
                await asyncio.sleep(0.2)
                continue
            self._connections += 1
            self._reader = asyncio.create_task(self._read(self._ws, self._connections))
            await asyncio.sleep(0.2)  # let the app finish registering the bot
            return
        raise TimeoutError(f"the app did not accept a OneBot connection at {self.url}: {last!r}")

    async def close(self) -> None:
        if self._ws is not None:
            with contextlib.suppress(Exception):
                await self._ws.close()
        if self._reader is not None:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await asyncio.wait_for(self._reader, 5)
        for task in list(self._pending):
            task.cancel()
        self._ws = self._reader = None

    async def _read(self, ws: ClientConnection, connection: int) -> None:
        try:
            async for raw in ws:
                frame = json.loads(raw)
                if "action" not in frame:
                    continue
                action = Action(
                    frame["action"], frame.get("params") or {}, frame.get("echo"), connection=connection
                )
                self.actions.append(action)
                self._changed.set()
                self._resolve_waiters(action)
                task = asyncio.create_task(self._answer(ws, action))
                self._pending.add(task)
                task.add_done_callback(self._pending.discard)
        except ConnectionClosed:
            pass
        finally:
            self._changed.set()

    async def _answer(self, ws: ClientConnection, action: Action) -> None:
        responder = self._responders.get(action.action, Reply())
        reply = responder(action.params) if callable(responder) else responder
        if reply.drop:
            return
        if reply.delay:
            await asyncio.sleep(reply.delay)
        data = reply.data
        if data is None and reply.status == "ok":
            data = {"message_id": next(self._ids)}
        body = {"status": reply.status, "retcode": reply.retcode, "data": data, "echo": action.echo}
        if reply.status != "ok":
            body.update(msg=reply.msg, wording=reply.wording)
        with contextlib.suppress(ConnectionClosed):
            await ws.send(json.dumps(body, ensure_ascii=False))

    def _resolve_waiters(self, action: Action) -> None:
        for waiter in list(self._waiters):
            match, future = waiter
            if future.done():
                self._waiters.remove(waiter)
            elif match(action):
                future.set_result(action)
                self._waiters.remove(waiter)

    def expect(self, match: Callable[[Action], bool]) -> asyncio.Future[Action]:
        """A future for the next action that `match` accepts (register it before causing it)."""
        future: asyncio.Future[Action] = asyncio.get_running_loop().create_future()
        self._waiters.append((match, future))
        return future

    async def say(self, user_id: int, text: str, group_id: int | None = None, within: float = 10.0) -> str:
        """Send a message as `user_id` (in `group_id`, else privately); return the bot's reply text.

        Like a person it waits a moment after the reply before the next message: NoneBot-side
        conversation steps open once the prompt has been sent.
        """
        target = ("private", user_id) if group_id is None else ("group", group_id)
        # a reply to an event goes out as `send_msg`; what the bot sends on its own (notices from
        # the outbox) as send_private_msg / send_group_msg, and is not the answer
        reply = self.expect(lambda a: a.action == "send_msg" and a.target == target)
        message_id = next(self._ids)
        if group_id is None:
            await self.send_event(self.private_message(user_id, text, message_id))
        else:
            await self.send_event(self.group_message(user_id, group_id, text, message_id))
        answer = (await asyncio.wait_for(reply, within)).text
        await asyncio.sleep(0.1)
        return answer

    # -- events to the app -----------------------------------------------------------------------
    async def send_event(self, event: dict[str, Any]) -> None:
        assert self._ws is not None, "connect() first"
        await self._ws.send(
            json.dumps({"self_id": self.self_id, "time": int(time.time()), **event}, ensure_ascii=False)
        )

    def private_message(self, user_id: int, text: str, message_id: int | None = None) -> dict[str, Any]:
        """A private message event; each with a message id of its own unless one is given."""
        return {
            "post_type": "message",
            "message_type": "private",
            "sub_type": "friend",
            "message_id": next(self._ids) if message_id is None else message_id,
            "user_id": user_id,
            "message": _text(text),
            "raw_message": text,
            "font": 0,
            "sender": {"user_id": user_id, "nickname": str(user_id)},
        }

    def group_message(
        self, user_id: int, group_id: int, text: str, message_id: int | None = None
    ) -> dict[str, Any]:
        return {
            "post_type": "message",
            "message_type": "group",
            "sub_type": "normal",
            "group_id": group_id,
            "message_id": next(self._ids) if message_id is None else message_id,
            "user_id": user_id,
            "message": _text(text),
            "raw_message": text,
            "font": 0,
            "sender": {"user_id": user_id, "nickname": str(user_id)},
        }

    # -- what happened ---------------------------------------------------------------------------
    def calls(self, *names: str, text: str | None = None) -> list[Action]:
        """Actions of these names (all when none), optionally only those whose text contains `text`."""
        return [
            a for a in self.actions if (not names or a.action in names) and (text is None or text in a.text)
        ]

    def count(self, *names: str, text: str | None = None) -> int:
        return len(self.calls(*names, text=text))

    def per_target(self, *names: str, key: str = "user_id", text: str | None = None) -> Counter[int]:
        """How many actions each user (or group, key="group_id") received."""
        return Counter(int(a.params[key]) for a in self.calls(*names, text=text) if key in a.params)

    async def wait_for(self, predicate: Callable[[OneBotPeer], bool], within: float = 30.0) -> None:
        deadline = time.monotonic() + within
        while not predicate(self):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"peer condition not met in {within}s ({len(self.actions)} actions)")
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), min(remaining, 0.5))

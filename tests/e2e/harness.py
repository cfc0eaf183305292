"""End-to-end harness: the real bot as a child process, and a OneBot V11 peer over a real WebSocket.

The peer plays the QQ side (as NapCat or Lagrange would): it connects to the bot's reverse
WebSocket with the access token, pushes message events, and answers every action the bot calls
with `{"status": "ok", "retcode": 0, ...}` while recording it.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import websockets

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SELF_ID = 10000


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class BotProcess:
    """`python -m bot` on a loopback port, with its own environment; stopped by `stop()`."""

    database_url: str
    token: str
    workdir: Path
    extra_env: dict[str, str] = field(default_factory=dict)
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "NONEBOT"))}
        env.update(
            {
                "PYTHONPATH": str(PROJECT_ROOT),
                "WEIYUAN_ENV_FILE": os.devnull,
                "DATABASE_URL": self.database_url,
                "HOST": "127.0.0.1",
                "PORT": str(self.port),
                "ENABLE_ONEBOT": "true",
                "ENABLE_CONSOLE": "false",
                "ONEBOT_ACCESS_TOKEN": self.token,
                "LOG_LEVEL": "WARNING",
                "DISPATCH_INTERVAL_SECONDS": "0.2",
                # no pacing and no quiet hours: the tests read notices as soon as they are due
                "QQ_PRIVATE_INTERVAL_SECONDS": "0",
                "QQ_PRIVATE_JITTER_SECONDS": "0",
                "QQ_GROUP_INTERVAL_SECONDS": "0",
                "QQ_GROUP_JITTER_SECONDS": "0",
                "QUIET_HOURS_START": "00:00",
                "QUIET_HOURS_END": "00:00",
                "DELIVERY_OFFLINE_RETRY_SECONDS": "0.5",
            }
        )
        env.update(self.extra_env)
        return env

    def start(self) -> None:
        log = (self.workdir / f"bot-{self.port}.log").open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot"],
            cwd=self.workdir,
            env=self.env(),
            stdout=log,
            stderr=subprocess.STDOUT,
        )

    async def wait_ready(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process and self.process.poll() is not None:
                raise RuntimeError(f"bot exited early with {self.process.returncode}: {self.log_tail()}")
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", self.port)
            except OSError:
                await asyncio.sleep(0.1)
                continue
            writer.close()
            return
        raise TimeoutError(f"bot did not listen on {self.port}: {self.log_tail()}")

    def log_tail(self, lines: int = 30) -> str:
        path = self.workdir / f"bot-{self.port}.log"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()


def text_of(message: Any) -> str:
    """The visible text of an outgoing OneBot message (array of segments or a string)."""
    if isinstance(message, str):
        return message
    return "".join(seg["data"].get("text", "") for seg in message if seg.get("type") == "text")


@dataclass
class Action:
    name: str
    params: dict[str, Any]
    at: float

    @property
    def text(self) -> str:
        return text_of(self.params.get("message", ""))

    @property
    def target(self) -> tuple[str, int]:
        """('group', id) or ('private', id)."""
        if self.params.get("message_type") == "group" or "group_id" in self.params:
            return "group", int(self.params["group_id"])
        return "private", int(self.params["user_id"])


class OneBotPeer:
    """A OneBot V11 implementation's side of a reverse WebSocket."""

    def __init__(self, port: int, token: str | None, self_id: int = SELF_ID) -> None:
        self.url = f"ws://127.0.0.1:{port}/onebot/v11/ws"
        self.token = token
        self.self_id = self_id
        self.actions: list[Action] = []
        self._ids = itertools.count(1)
        self._socket: Any = None
        self._reader: asyncio.Task[None] | None = None
        self._waiters: list[tuple[Callable[[Action], bool], asyncio.Future[Action]]] = []
        self.respond: Callable[[Action], dict[str, Any]] = lambda action: {
            "status": "ok",
            "retcode": 0,
            "data": {"message_id": next(self._ids)},
        }

    async def connect(self) -> None:
        headers = {"X-Self-ID": str(self.self_id), "X-Client-Role": "Universal"}
        if self.token is not None:
            headers["Authorization"] = f"Bearer {self.token}"
        self._socket = await websockets.connect(self.url, additional_headers=headers, max_size=None)
        self._reader = asyncio.create_task(self._read())
        await self.push({"post_type": "meta_event", "meta_event_type": "lifecycle", "sub_type": "connect"})

    async def close(self) -> None:
        if self._reader:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._reader
        if self._socket is not None:
            await self._socket.close()

    async def _read(self) -> None:
        async for raw in self._socket:
            frame = json.loads(raw)
            if "action" not in frame:
                continue
            action = Action(frame["action"], frame.get("params", {}), time.perf_counter())
            self.actions.append(action)
            reply = {**self.respond(action), "echo": frame.get("echo")}
            await self._socket.send(json.dumps(reply))
            for waiter in list(self._waiters):
                match, future = waiter
                if not future.done() and match(action):
                    future.set_result(action)
                    self._waiters.remove(waiter)

    async def push(self, event: dict[str, Any]) -> None:
        await self._socket.send(json.dumps({"time": int(time.time()), "self_id": self.self_id, **event}))

    def _message(self, user_id: int, text: str, group_id: int | None) -> dict[str, Any]:
        event: dict[str, Any] = {
            "post_type": "message",
            "message_id": next(self._ids),
            "user_id": user_id,
            "message": [{"type": "text", "data": {"text": text}}],
            "raw_message": text,
            "font": 0,
            "sender": {"user_id": user_id, "nickname": f"u{user_id}", "role": "member"},
        }
        if group_id is None:
            event.update(message_type="private", sub_type="friend")
        else:
            event.update(message_type="group", sub_type="normal", group_id=group_id, anonymous=None)
        return event

    def expect(self, match: Callable[[Action], bool]) -> asyncio.Future[Action]:
        future: asyncio.Future[Action] = asyncio.get_running_loop().create_future()
        self._waiters.append((match, future))
        return future

    async def say(self, user_id: int, text: str, group_id: int | None = None, timeout: float = 10.0) -> str:
        """Send a message as `user_id` and return the text of the bot's reply in that chat.

        Like a person, it waits a moment after the reply before the next message: NoneBot opens a
        conversation's next step only after the prompt has been sent.
        """
        target = ("private", user_id) if group_id is None else ("group", group_id)
        reply = self.expect(lambda action: action.name.startswith("send_") and action.target == target)
        await self.push(self._message(user_id, text, group_id))
        text = (await asyncio.wait_for(reply, timeout)).text
        await asyncio.sleep(0.1)
        return text

    async def send_event(self, user_id: int, text: str, group_id: int | None = None) -> None:
        await self.push(self._message(user_id, text, group_id))

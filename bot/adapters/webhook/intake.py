"""The 5-second rule and retries, for every WeChat-family callback (Official Account, 企业微信).

WeChat waits 5 seconds for an answer, then resends the callback (three times in all). So:

- the webhook answers within `window` seconds of the request's arrival, whatever the database is
  doing: everything that touches the database (claiming the key, handling the event, recording the
  reply, queueing an overflow) runs in a background task, and the webhook only waits for that task
  until its deadline;
- what the handler says before the deadline is the passive reply (cut at `passive_bytes`; the rest
  goes to the outbox); anything later goes to the outbox, and out by the platform's message API;
- an event is handled once: a retry that arrives while it is handled gets the first answer, a retry
  that arrives later gets it from a memory of recent keys, and one that reaches another process (or
  this one after a restart) finds the key claimed in the database (`inbox`).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from loguru import logger

from bot.adapters.webhook import inbox
from bot.adapters.webhook.message import split_text

Late = Callable[[str, str, str], Awaitable[None]]  # (account, text, key): queue for the message API
Run = Callable[[], Awaitable[None]]  # hand the event to NoneBot

RECENT_KEYS = 10_000  # answered keys remembered in memory (WeChat's retries come within 15 s)
DATABASE_ATTEMPTS = 4  # tries of one database step (a locked SQLite waits its busy timeout each)
RETRY_PAUSE_SECONDS = 1.0


@dataclass(eq=False)
class _Handling:
    key: str
    account: str
    answer: asyncio.Future[str | None]  # the passive reply given (None: "success")
    texts: list[str] = field(default_factory=list)
    open: bool = True  # the webhook still waits: texts go into the passive reply
    settled: asyncio.Event = field(default_factory=asyncio.Event)


class Intake:
    def __init__(self, name: str, *, window: float, passive_bytes: int, late: Late) -> None:
        self.name = name
        self.window = window
        self.passive_bytes = passive_bytes
        self._late = late
        self._inflight: dict[str, _Handling] = {}
        self._recent: OrderedDict[str, str | None] = OrderedDict()
        self._tasks: set[asyncio.Task[Any]] = set()

    def spawn(self, coro: Awaitable[Any]) -> asyncio.Task[Any]:
        task: asyncio.Task[Any] = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    # --- the webhook's side ----------------------------------------------------------------------

    async def take(self, key: str, account: str, run: Run, *, arrived: float) -> str | None:
        """Handle one callback (once); return the passive reply, or None to answer `success`.

        `arrived` is the request's arrival on the event loop's clock; the answer is due `window`
        seconds later at the latest.
        """
        loop = asyncio.get_running_loop()
        deadline = arrived + self.window
        earlier = self._inflight.get(key)
        if earlier is not None:
            logger.info("{}: retry of {} while it is handled", self.name, key)
            left = max(0.0, deadline - loop.time())
            with contextlib.suppress(TimeoutError):
                return await asyncio.wait_for(asyncio.shield(earlier.answer), left)
            return None
        if key in self._recent:
            logger.info("{}: retry of {} answered again", self.name, key)
            self._recent.move_to_end(key)
            return self._recent[key]
        handling = _Handling(key, account, loop.create_future())
        self._inflight[key] = handling
        self.spawn(self._handle(handling, run))
        try:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(handling.settled.wait(), max(0.0, deadline - loop.time()))
        finally:
            reply = self._close(handling)
        return reply

    def _close(self, handling: _Handling) -> str | None:
        """The webhook answers now: what was said so far is the passive reply, the rest goes later."""
        if handling.answer.done():
            return handling.answer.result()
        handling.open = False
        texts, handling.texts = handling.texts, []
        reply: str | None = None
        if texts:
            reply, *rest = split_text("\n\n".join(texts), self.passive_bytes)
            if rest:
                self.spawn(self._send_late(handling.account, "\n".join(rest), handling.key))
        handling.answer.set_result(reply)
        return reply

    # --- the handler's side ----------------------------------------------------------------------

    async def deliver(self, key: str, account: str, text: str) -> None:
        """A handler's answer: into the waiting webhook response, or (too late for it) the outbox."""
        handling = self._inflight.get(key)
        if handling is not None and handling.open:
            handling.texts.append(text)
            return
        await self._send_late(account, text, key)

    async def _handle(self, handling: _Handling, run: Run) -> None:
        fresh = True
        try:
            fresh, earlier = await self._claim(handling)
            if not fresh:
                logger.info("{}: {} was handled before; not again", self.name, handling.key)
                if earlier and handling.open:
                    handling.texts = [earlier]
                return
            try:
                await run()
            except Exception:
                logger.exception("{}: handling {} failed", self.name, handling.key)
        finally:
            handling.settled.set()
            reply = await handling.answer
            self._remember(handling.key, reply)
            if fresh and reply:
                await self._retrying(lambda: inbox.answered(handling.key, reply), f"recording {handling.key}")

    async def _claim(self, handling: _Handling) -> tuple[bool, str | None]:
        async def claim() -> tuple[bool, str | None]:
            return await inbox.claim(handling.key, handling.account)

        result = await self._retrying(claim, f"claiming {handling.key}")
        if result is None:  # the database refused every try: answer the member rather than no one
            logger.error("{}: handling {} without a database claim", self.name, handling.key)
            return True, None
        return result

    def _remember(self, key: str, reply: str | None) -> None:
        self._recent[key] = reply
        self._recent.move_to_end(key)
        while len(self._recent) > RECENT_KEYS:
            self._recent.popitem(last=False)
        self._inflight.pop(key, None)

    async def _send_late(self, account: str, text: str, key: str) -> None:
        async def queue() -> bool:
            await self._late(account, text, key)
            return True

        if await self._retrying(queue, f"queueing the late answer to {key}") is None:
            logger.error("{}: the late answer to {} could not be queued", self.name, key)

    async def _retrying(self, step: Callable[[], Awaitable[Any]], what: str) -> Any:
        """Run a database step, trying again while the database refuses (e.g. a file locked for long)."""
        for attempt in range(1, DATABASE_ATTEMPTS + 1):
            try:
                return await step()
            except asyncio.CancelledError:
                raise
            except Exception as error:
                logger.warning("{}: {} failed (try {}): {!r}", self.name, what, attempt, error)
                if attempt < DATABASE_ATTEMPTS:
                    await asyncio.sleep(RETRY_PAUSE_SECONDS * attempt)
        return None

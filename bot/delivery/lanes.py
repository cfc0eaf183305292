"""A lane is one platform's group or private traffic: its own pacing, daily cap and worker.

Its queue is served by message class (personal, reminder, bulk), then due time (`classes`).

A lane sends its rows in chunks of the channel's `inflight` size: for each chunk it renders the
texts, records `sending` in one UPDATE, calls the platform, then records the outcomes in a few
UPDATEs. A crash between the two writes leaves at most `inflight` rows in `sending`, which end
`unknown` after the lease; rows merely claimed go back to pending and are sent once.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta

from loguru import logger

from bot import clock
from bot.delivery import sending, store
from bot.delivery.channels.base import ChannelLimits
from bot.delivery.classes import LaneQueue
from bot.delivery.pacing import Pacer
from bot.delivery.routing import Route
from bot.delivery.store import Job
from bot.render import render

Item = tuple[Job, list[Route]]


class DailyCap:
    """Messages per local day for one platform account, counted in the outbox (all processes)."""

    REFRESH_SECONDS = 10.0
    reason = "daily cap"

    def __init__(self, platform: str, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.platform = platform
        self._monotonic = monotonic
        self._period: object = None
        self._count = 0
        self._read_at = float("-inf")

    @staticmethod
    def period_start(local: datetime) -> datetime:
        return local.replace(hour=0, minute=0, second=0, microsecond=0)

    async def remaining(self, cap: int | None) -> int:
        if cap is None or (cap <= 0 and type(self) is DailyCap):  # a daily cap of 0 means none
            return 1 << 30
        start = self.period_start(clock.local_now())
        if self._period != start or self._monotonic() - self._read_at > self.REFRESH_SECONDS:
            self._count = await store.count_attempted(self.platform, start.astimezone(UTC))
            self._period, self._read_at = start, self._monotonic()
        return max(0, cap - self._count)

    def used(self, n: int) -> None:
        self._count += n

    def forget(self) -> None:
        """Count again from the outbox at the next look (the account was sent for elsewhere)."""
        self._read_at = float("-inf")

    @classmethod
    def next_period(cls) -> datetime:
        return (cls.period_start(clock.local_now()) + timedelta(days=1)).astimezone(UTC)

    @classmethod
    def next_day(cls) -> datetime:
        return DailyCap.next_period()


class MonthlyCap(DailyCap):
    """Messages per calendar month (local time): a budget, e.g. SMS. A cap of 0 stops everything."""

    reason = "monthly budget"

    @staticmethod
    def period_start(local: datetime) -> datetime:
        return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)

    @classmethod
    def next_period(cls) -> datetime:
        start = cls.period_start(clock.local_now())
        following = (start + timedelta(days=32)).replace(day=1)
        return following.astimezone(UTC)


CapHook = Callable[[str, str, datetime], Awaitable[object]]


class Lane:
    def __init__(
        self,
        key: str,
        platform: str,
        limits: ChannelLimits,
        pacer: Pacer,
        cap: DailyCap,
        owner: str,
        on_done: Callable[[Sequence[Job]], None],
        monthly: MonthlyCap | None = None,
        on_capped: CapHook | None = None,
        may_send: Callable[[str], bool] = lambda platform: True,
    ) -> None:
        self.key = key
        self.platform = platform
        self.limits = limits
        self.pacer = pacer
        self.cap = cap
        self.monthly = monthly or MonthlyCap(platform)
        self._on_capped = on_capped
        self.owner = owner
        self._on_done = on_done
        self.may_send = may_send  # this process sends for the platform's account now
        self.queue = LaneQueue()  # by class, then due time (`classes`)
        self._ready = asyncio.Event()
        self.task: asyncio.Task[None] | None = None
        self.seconds_per_send = 0.0  # measured (moving average), pauses and database writes included

    def capacity(self, claim_batch: int, lease_seconds: float) -> int:
        """How many rows may wait here: what the lane sends within half a lease."""
        per_send = max(self.pacer.expected_wait(1), self.seconds_per_send)
        if per_send <= 0:
            return 2 * claim_batch
        return max(1, min(2 * claim_batch, int(lease_seconds / 2 / per_send)))

    def push(self, items: Sequence[Item]) -> None:
        self.queue.extend(items)
        self._ready.set()

    async def process(self, items: Sequence[Item]) -> None:
        """Send these rows now, chunk by chunk (used directly by `dispatch_once`)."""
        size = max(1, self.limits.inflight)
        pending = list(items)
        while pending:
            if not self.may_send(self.platform):  # the account went to another process, or offline
                await store.release(self.owner, [j.id for j, _ in pending], await clock.shared_now())
                self._on_done([j for j, _ in pending])
                return
            chunk, pending = pending[:size], pending[size:]
            daily = await self.cap.remaining(self.limits.daily_cap)
            monthly = await self.monthly.remaining(self.limits.monthly_cap)
            left = min(daily, monthly)
            if left < len(chunk):
                over = chunk[left:] + pending
                chunk, pending = chunk[:left], []
                capped: type[DailyCap] = MonthlyCap if monthly < daily else DailyCap
                until = capped.next_period()
                await store.release(self.owner, [j.id for j, _ in over], until, capped.reason)
                self._on_done([j for j, _ in over])
                if self._on_capped is not None:
                    await self._on_capped(self.platform, capped.reason, until)
            if chunk:
                await self._send_chunk(chunk)

    async def _send_chunk(self, chunk: Sequence[Item]) -> None:
        started = time.monotonic()
        await self._send_chunk_now(chunk)
        took = (time.monotonic() - started) / max(1, len(chunk))
        previous = self.seconds_per_send
        self.seconds_per_send = took if not previous else 0.8 * previous + 0.2 * took

    async def _send_chunk_now(self, chunk: Sequence[Item]) -> None:
        texts: dict[int, str] = {}
        broken: list[tuple[Job, str]] = []
        for job, _ in chunk:
            try:
                texts[job.id] = render(job.template, **job.context)
            except Exception as exc:
                logger.warning("outbox row {}: template {} failed: {!r}", job.id, job.template, exc)
                broken.append((job, f"template: {type(exc).__name__}: {exc}"))
        if broken:
            await sending.fail_unsent(self.owner, broken)
        if not texts:
            self._on_done([job for job, _ in chunk])
            return
        await self.pacer.wait()
        marked = await store.mark_sending(self.owner, list(texts), self.platform, await clock.shared_now())
        self.cap.used(len(marked))
        self.monthly.used(len(marked))
        outcomes: list[sending.Outcome] = []
        first = True
        for job, routes in chunk:
            if job.id not in marked:
                continue
            marked.discard(job.id)  # the same row twice in a queue (re-claimed after a lease): once
            if not first:
                await self.pacer.wait()
            first = False
            outcomes.append(await sending.deliver(job, routes, texts[job.id], self.may_send))
        await sending.record(self.owner, outcomes, await clock.shared_now())
        self._on_done([job for job, _ in chunk])

    async def run(self) -> None:
        """Worker loop for `run_forever`: drain the queue as it fills."""
        size = max(1, self.limits.inflight)
        while True:
            if not self.queue:
                self._ready.clear()
                await self._ready.wait()
                continue
            chunk = [self.queue.popleft() for _ in range(min(size, len(self.queue)))]
            try:
                await self.process(chunk)
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("lane {} failed; its rows are recovered after the lease", self.key)
                await asyncio.sleep(1)

"""The dispatcher drains due outbox rows: claim, route, pace, send, and record one final state per row.

- Claim: up to `delivery_claim_batch` due rows in one statement (SKIP LOCKED on PostgreSQL, see
  `store`), urgent rows first. Several processes may dispatch on PostgreSQL; SQLite is one process.
- Plan: look up every member's bound identities in one query; rows with no bound channel end
  `unreachable` (staff are told, see `bot.services.delivery_report`); rows whose channels are all
  offline go back to pending for `delivery_offline_retry_seconds` (not an attempt); non-urgent private
  rows due in quiet hours wait for their end (`quiet`).
- Send: each lane (platform x group/private) has its own pacing, daily cap and worker, so a slow or
  paced lane never holds up another. A lane records `sending` before each platform call and the
  outcome after it (`lanes`), so that after a crash "never attempted" (re-sent once) and "in flight"
  (ends unknown, never resent) can be told apart.
- Recover: claims older than `delivery_lease_seconds` go back to pending; rows left `sending` that
  long end `unknown`.

`dispatch_once()` runs one claim to the end (tests, benchmarks); `run_forever()` is the service loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import socket
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta

from loguru import logger

from bot import clock
from bot.config import get_settings
from bot.delivery import channels, outbox, quiet, senders, sending, store, trail
from bot.delivery.channels.base import account_of, limits_of
from bot.delivery.classes import CLASSES, URGENT_CLASSES, LaneQueue
from bot.delivery.lanes import DailyCap, Item, Lane, MonthlyCap
from bot.delivery.pacing import Monotonic, Pacer, Sleep
from bot.delivery.routing import is_private, routes_for, urgent_sms
from bot.delivery.store import Job
from models import MessageClass, OutboxStatus

BatchHook = Callable[[str], Awaitable[object]]
CapHook = Callable[[str, str, datetime], Awaitable[object]]
_batch_hooks: list[BatchHook] = []
_cap_hooks: list[CapHook] = []
_wake = asyncio.Event()


def wake() -> None:
    """Ask the running dispatcher to look at the outbox now rather than at its next tick."""
    _wake.set()


def on_batch_finished(hook: BatchHook) -> None:
    """Call `hook(batch)` when the last open row of a broadcast batch reaches a final state."""
    if hook not in _batch_hooks:
        _batch_hooks.append(hook)


def on_cap_reached(hook: CapHook) -> None:
    """Call `hook(platform, reason, until)` when a channel's daily cap or monthly budget holds rows
    back ("daily cap" / "monthly budget"; `until`: when they go again)."""
    if hook not in _cap_hooks:
        _cap_hooks.append(hook)


async def _capped(platform: str, reason: str, until: datetime) -> None:
    for hook in list(_cap_hooks):
        try:
            await hook(platform, reason, until)
        except Exception:
            logger.exception("cap hook failed for {} ({})", platform, reason)


class Dispatcher:
    def __init__(
        self,
        *,
        owner: str | None = None,
        sleep: Sleep = asyncio.sleep,
        monotonic: Monotonic = time.monotonic,
        rand: Callable[[], float] = random.random,
    ) -> None:
        self.owner = owner or f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._sleep, self._monotonic, self._rand = sleep, monotonic, rand
        self.lanes: dict[str, Lane] = {}
        self._caps: dict[str, DailyCap] = {}
        self._monthly: dict[str, MonthlyCap] = {}
        self._touched: set[str] = set()
        self._recovered_at = float("-inf")
        self.senders = senders.this_process()

    # -- lanes ---------------------------------------------------------------------------------
    def lane(self, key: str) -> Lane:
        found = self.lanes.get(key)
        if found is None:
            platform, _, kind = key.partition(":")
            limits = limits_of(channels.get(platform))
            pace = limits.group if kind == "group" else limits.private
            pacer = Pacer(pace, sleep=self._sleep, monotonic=self._monotonic, rand=self._rand)
            cap = self._caps.setdefault(platform, DailyCap(platform, self._monotonic))
            monthly = self._monthly.setdefault(platform, MonthlyCap(platform, self._monotonic))
            found = Lane(
                key, platform, limits, pacer, cap, self.owner, self._done, monthly, _capped, self.may_send
            )
            self.lanes[key] = found
        return found

    def may_send(self, platform: str) -> bool:
        """This process is connected to the platform and no other process sends for it (`senders`)."""
        channel = channels.get(platform)
        if channel is None or not channel.available():
            return False
        return self.senders.holds(platform) or platform not in self.senders.up

    async def claimable_platforms(self) -> list[str]:
        """Campaign for the accounts this process can send with; the platforms whose rows it claims:
        those it sends for, rows not planned yet (''), and platforms nobody sends for now (a member's
        next channel may reach them, or nothing does and they are reported unreachable)."""
        wanted = {name: account_of(ch) for name, ch in channels.registered().items() if ch.available()}
        await self.senders.refresh(wanted)
        for platform in self.senders.take_gained():  # taken over: pace from now, count the day again
            for lane in self.lanes.values():
                if lane.platform == platform:
                    lane.pacer.hold_off()
            for caps in (self._caps, self._monthly):
                if platform in caps:
                    caps[platform].forget()
        known = set(channels.registered()) | set(get_settings().delivery_order)
        return sorted(set(self.senders.held) | {""} | (known - self.senders.up))

    def _done(self, jobs: Sequence[Job]) -> None:
        self._touched.update(job.batch for job in jobs if job.batch)

    # -- one round -----------------------------------------------------------------------------
    async def recover(self, force: bool = False) -> None:
        lease = get_settings().delivery_lease_seconds
        if not force and self._monotonic() - self._recovered_at < min(lease / 4, 30):
            return
        self._recovered_at = self._monotonic()
        requeued, unknown = await store.recover(await clock.shared_now(), timedelta(seconds=lease))
        if requeued or unknown:
            logger.warning(
                "outbox recovery: {} abandoned claims re-queued, {} in-flight rows unknown", requeued, unknown
            )

    async def claim_and_plan(
        self, limit: int, classes: Sequence[MessageClass] = CLASSES
    ) -> tuple[int, dict[str, list[Item]]]:
        """Claim due rows and settle those that are not to be sent now. Returns (claimed, per lane)."""
        platforms = await self.claimable_platforms()
        now = await clock.shared_now()
        jobs = await store.claim(self.owner, now, limit, classes, platforms)
        if not jobs:
            return 0, {}
        routes = await routes_for(jobs)
        extra = urgent_sms(jobs, routes)  # urgent: SMS as well as the chat channel
        if extra:
            await outbox.enqueue_many(extra)
        settings = get_settings()
        quiet_end = quiet.quiet_until(now)
        unreachable: list[int] = []
        refused: list[tuple[Job, str]] = []  # every channel the member has refused this message
        offline: list[int] = []
        held: list[int] = []
        elsewhere: dict[str, list[int]] = {}  # platform -> rows for the process that sends on it
        per_lane: dict[str, list[Item]] = {}
        for job in jobs:
            candidates = routes[job.id]
            if not candidates and trail.refused_platforms(job.route):
                refused.append((job, trail.reasons(job.route or [])))
                continue
            if not candidates:
                unreachable.append(job.id)
                continue
            if quiet_end is not None and quiet.holds(private=is_private(job), urgent=job.urgent):
                held.append(job.id)
                continue
            up = [r for r in candidates if self.may_send(r.platform) or r.platform in self.senders.up]
            if up and not self.may_send(up[0].platform):
                elsewhere.setdefault(up[0].platform, []).append(job.id)
                continue
            if not up:
                offline.append(job.id)
                continue
            per_lane.setdefault(up[0].lane, []).append((job, up))
        await store.finish(
            self.owner,
            unreachable,
            from_states=(OutboxStatus.CLAIMED,),
            status=OutboxStatus.UNREACHABLE,
            last_error="no bound channel",
        )
        if refused:
            await sending.fail_unsent(self.owner, refused)
        if held:
            await store.release(self.owner, held, quiet_end, "quiet hours")  # type: ignore[arg-type]
        if offline:
            delay = timedelta(seconds=settings.delivery_offline_retry_seconds)
            await store.release(self.owner, offline, now + delay, "channel offline")
        for platform, ids in elsewhere.items():
            await store.hand_off(self.owner, ids, platform)
        lost = set(unreachable) | {job.id for job, _ in refused}
        self._done([job for job in jobs if job.id in lost])
        return len(jobs), per_lane

    async def finish_batches(self) -> None:
        """Run the batch hooks for every touched batch that has no open row left."""
        touched, self._touched = self._touched, set()
        for batch in sorted(touched):
            if await store.batch_is_open(batch):
                continue
            for hook in list(_batch_hooks):
                try:
                    await hook(batch)
                except Exception:
                    logger.exception("batch hook failed for batch {}", batch)

    async def dispatch_once(self, limit: int | None = None) -> int:
        """Claim up to `limit` due rows and take each to a final (or later) state now."""
        self.senders.enter()
        try:
            return await self._dispatch_once(limit)
        finally:
            await self.senders.leave()

    async def _dispatch_once(self, limit: int | None = None) -> int:
        await self.recover()
        claimed, per_lane = await self.claim_and_plan(limit or get_settings().delivery_claim_batch)
        if per_lane:
            await asyncio.gather(
                *(self.lane(key).process(_by_class(items)) for key, items in per_lane.items())
            )
        await self.finish_batches()
        return claimed

    async def drain(self, max_rounds: int = 10_000) -> int:
        """Dispatch until nothing is due (tests and benchmarks). Returns rows handled."""
        total = 0
        self.senders.enter()
        try:
            for _ in range(max_rounds):
                handled = await self.dispatch_once()
                if not handled:
                    break
                total += handled
        finally:
            await self.senders.leave()
        return total

    # -- service loop --------------------------------------------------------------------------
    async def _feed(self, classes: Sequence[MessageClass] = CLASSES) -> int:
        """Claim for the lanes' room; rows for a full lane wait their turn in the table.

        Personal and reminder rows have a lane's room to themselves, whatever bulk waits there:
        they go to the front of its queue (`classes.LaneQueue`) and so never queue behind a broadcast."""
        settings = get_settings()
        batch, lease = settings.delivery_claim_batch, settings.delivery_lease_seconds
        claimed, per_lane = await self.claim_and_plan(batch, classes)
        for key, items in per_lane.items():
            lane = self.lane(key)
            if lane.task is None or lane.task.done():
                lane.task = asyncio.create_task(lane.run(), name=f"outbox-lane-{key}")
            capacity = lane.capacity(batch, lease)
            urgent = [item for item in items if item[0].message_class in URGENT_CLASSES]
            bulk = [item for item in items if item[0].message_class not in URGENT_CLASSES]
            room = max(0, capacity - lane.queue.waiting(*URGENT_CLASSES))
            taken, rest = urgent[:room], urgent[room:]
            room = max(0, capacity - len(lane.queue) - len(taken))
            taken, rest = taken + bulk[:room], rest + bulk[room:]
            lane.push(taken)
            if rest:
                later = await clock.shared_now() + timedelta(
                    seconds=lane.pacer.expected_wait(len(lane.queue))
                )
                await store.release(self.owner, [job.id for job, _ in rest], later)
        return claimed

    def _has_room(self) -> bool:
        """Some lane can take more rows (rows for a full lane are put back, due a little later)."""
        settings = get_settings()
        batch, lease = settings.delivery_claim_batch, settings.delivery_lease_seconds
        # Claim again once a lane is half empty, not after every send (fewer claims put back).
        return not self.lanes or any(
            len(lane.queue) <= lane.capacity(batch, lease) // 2 for lane in self.lanes.values()
        )

    async def run_forever(self) -> None:
        interval = get_settings().dispatch_interval_seconds
        self.senders.enter()
        try:
            while True:
                claimed = 0
                try:
                    await self.recover()
                    # Full lanes still take personal messages and reminders: they jump the queue.
                    claimed = await self._feed(CLASSES if self._has_room() else URGENT_CLASSES)
                    await self.finish_batches()
                except asyncio.CancelledError:
                    raise
                except Exception:
                    logger.exception("dispatcher tick failed")
                if claimed and self._has_room():
                    await asyncio.sleep(0)
                    continue
                _wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(_wake.wait(), timeout=interval)
        finally:
            await self.stop()
            with contextlib.suppress(Exception):
                await self.senders.leave()

    async def stop(self) -> None:
        tasks = [lane.task for lane in self.lanes.values() if lane.task is not None]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        for lane in self.lanes.values():
            lane.queue.clear()
            lane.task = None
        with contextlib.suppress(Exception):
            await store.release_all(self.owner)


def _by_class(items: Sequence[Item]) -> list[Item]:
    queue = LaneQueue()
    queue.extend(items)
    return queue.drain()


async def dispatch_once(limit: int = 100) -> int:
    """One claim with a fresh dispatcher (kept for callers of the original API)."""
    return await Dispatcher().dispatch_once(limit)


async def run_forever() -> None:
    await Dispatcher().run_forever()

"""Hand one rendered row to its channels, and record the outcomes of many rows at once."""

from __future__ import annotations

import json
import random
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from loguru import logger

from bot.config import get_settings
from bot.delivery import channels, trail
from bot.delivery.channels.base import (
    NEEDS_FALLBACK,
    NO_FALLBACK,
    UNREACHABLE_CODES,
    FallbackChannel,
    MessageChannel,
    OutgoingText,
    SendOutcome,
    SendResult,
)
from bot.delivery.recipients import MemberRecipient
from bot.delivery.routing import Route
from bot.delivery.store import Job, finish
from models import OutboxStatus

_IN_FLIGHT = (OutboxStatus.SENDING, OutboxStatus.UNKNOWN)  # unknown: a lease ran out meanwhile
HAND_OFF = "hand_off"  # refused here; the member's next channel is another process's


@dataclass(slots=True)
class Outcome:
    job: Job
    platform: str
    result: SendResult
    route: list[trail.Step] | None = None  # kept on the row when it says more than `platform`


def _outgoing(job: Job, text: str) -> OutgoingText:
    return OutgoingText(
        text=text, template=job.template, context=job.context, kind=job.kind, outbox_id=job.id
    )


async def _call(route: Route, job: Job, text: str) -> SendResult:
    channel = channels.get(route.platform)
    if channel is None:
        return SendResult(SendOutcome.REJECTED, f"channel {route.platform} not registered", "no_channel")
    try:
        if not route.group and isinstance(channel, MessageChannel):
            return await channel.send_message(route.address, _outgoing(job, text))
        if route.group:
            return await channel.send_to_group(route.address, text)
        return await channel.send_to_account(route.address, text)
    except Exception as exc:  # the call may have gone out: never resend blindly
        logger.exception("channel {} raised while sending", route.platform)
        return SendResult(SendOutcome.UNKNOWN, f"{type(exc).__name__}: {exc}", "error")


async def _fallback(route: Route, job: Job, text: str) -> SendResult | None:
    channel = channels.get(route.platform)
    if route.group or not isinstance(channel, FallbackChannel):
        return None
    try:
        return await channel.send_fallback(route.address, _outgoing(job, text))
    except Exception as exc:
        logger.exception("channel {} raised in its fallback", route.platform)
        return SendResult(SendOutcome.UNKNOWN, f"{type(exc).__name__}: {exc}", "error")


async def deliver(
    job: Job, routes: Sequence[Route], text: str, may_send: Callable[[str], bool] = lambda platform: True
) -> Outcome:
    """Try the routes in order. A channel that needs another way gets its fallback first; a member's
    message refused by a channel (fallback included) moves on to their next bound channel, handed
    to the process that sends on it when that is not this one (`HAND_OFF`)."""
    steps: list[trail.Step] = list(job.route or [])
    last: Outcome | None = None
    for route in routes:
        if last is not None and not may_send(route.platform):
            reason = f"handed to the process that sends on {route.platform}"
            last = Outcome(job, route.platform, SendResult(SendOutcome.RETRYABLE, reason, HAND_OFF))
            break
        result = await _call(route, job, text)
        steps.append(trail.step(route.platform, result, "text"))
        if result.outcome == SendOutcome.REJECTED and result.code in NEEDS_FALLBACK:
            fallback = await _fallback(route, job, text)
            if fallback is not None and fallback.code != NO_FALLBACK:
                steps.append(trail.step(route.platform, fallback, "fallback"))
                result = fallback
            elif fallback is not None:  # nothing else on this channel: staff read why the message failed
                result = SendResult(fallback.outcome, f"{result.detail}; {fallback.detail}", NO_FALLBACK)
                steps[-1] = trail.step(route.platform, result, "text")
        last = Outcome(job, route.platform, result)
        may_try_next = isinstance(job.recipient, MemberRecipient)
        if not (may_try_next and result.outcome == SendOutcome.REJECTED):
            break
    assert last is not None, "deliver() needs at least one route"
    if trail.worth_keeping(steps):
        last.route = steps
        if last.result.outcome == SendOutcome.REJECTED and len(steps) > 1:  # every way refused: every reason
            last.result = SendResult(last.result.outcome, trail.reasons(steps), last.result.code)
    return last


def backoff(attempts: int, rand: Callable[[], float] = random.random) -> timedelta:
    """Exponential backoff with jitter: base * 2^(n-1), times 0.8..1.2."""
    base = get_settings().delivery_retry_base_seconds * (2 ** (attempts - 1))
    return timedelta(seconds=base * (0.8 + 0.4 * rand()))


async def record(owner: str, outcomes: Sequence[Outcome], now: datetime) -> dict[OutboxStatus, int]:
    """Write the outcomes: one UPDATE per (state, platform, reason, route) group; retries row by row."""
    max_attempts = get_settings().delivery_max_attempts
    groups: dict[tuple[OutboxStatus, str, str, str], list[int]] = defaultdict(list)
    routes: dict[str, list[trail.Step] | None] = {"": None}
    counts: dict[OutboxStatus, int] = defaultdict(int)
    for item in outcomes:
        result = item.result
        detail = result.detail[:255]
        attempts = item.job.attempts + 1
        if result.code == HAND_OFF:  # pending again, due now, for the process that sends there
            await finish(
                owner,
                [item.job.id],
                from_states=_IN_FLIGHT,
                status=OutboxStatus.PENDING,
                claimed_by="",
                claimed_at=None,
                platform=item.platform,
                due_at=now,
                last_error=detail,
                route=item.route,
            )
            counts[OutboxStatus.PENDING] += 1
            continue
        if result.outcome == SendOutcome.SENT:
            status = OutboxStatus.SENT
        elif result.outcome == SendOutcome.UNKNOWN:
            status = OutboxStatus.UNKNOWN
        elif result.outcome == SendOutcome.RETRYABLE and attempts < max_attempts:
            await finish(
                owner,
                [item.job.id],
                from_states=_IN_FLIGHT,
                status=OutboxStatus.PENDING,
                claimed_by="",
                claimed_at=None,
                channel=item.platform,
                due_at=now + backoff(attempts),
                last_error=detail,
                route=item.route,
            )
            counts[OutboxStatus.PENDING] += 1
            continue
        elif result.code in UNREACHABLE_CODES and isinstance(item.job.recipient, MemberRecipient):
            status = OutboxStatus.UNREACHABLE  # the number or account does not reach them: staff are told
        else:
            status = OutboxStatus.FAILED
        route_key = json.dumps(item.route, ensure_ascii=False, sort_keys=True) if item.route else ""
        routes[route_key] = item.route
        groups[(status, item.platform, detail, route_key)].append(item.job.id)
        counts[status] += 1
    for (status, platform, detail, route_key), ids in groups.items():
        fields: dict[str, object] = {"status": status, "channel": platform, "last_error": detail}
        if status == OutboxStatus.SENT:
            fields["sent_at"] = now
        if route_key:
            fields["route"] = routes[route_key]
        await finish(owner, ids, from_states=_IN_FLIGHT, **fields)
    return dict(counts)


async def fail_unsent(owner: str, failures: Sequence[tuple[Job, str]]) -> None:
    """Rows that could not even be prepared (a broken template): failed, never attempted."""
    by_reason: dict[str, list[int]] = defaultdict(list)
    for job, reason in failures:
        by_reason[reason[:255]].append(job.id)
    for reason, ids in by_reason.items():
        await finish(
            owner, ids, from_states=(OutboxStatus.CLAIMED,), status=OutboxStatus.FAILED, last_error=reason
        )

"""The dispatcher drains due outbox rows: render, route, send, and record one final state per row."""

from __future__ import annotations

import asyncio
import contextlib
import random
from datetime import timedelta

from loguru import logger

from bot import clock
from bot.config import get_settings
from bot.delivery import channels, recipients
from bot.delivery.channels import SendOutcome, SendResult
from bot.delivery.recipients import AccountRecipient, GroupRecipient, MemberRecipient, Recipient
from bot.render import render
from models import Identity, OutboxMessage, OutboxStatus

_wake = asyncio.Event()


def wake() -> None:
    """Ask the running dispatcher to look at the outbox now rather than at its next tick."""
    _wake.set()


async def _send_to_member(recipient: MemberRecipient, text: str) -> tuple[str, SendResult | None]:
    identities = await Identity.filter(member_id=recipient.member_id, active=True)
    by_platform = {identity.platform: identity for identity in identities}
    for platform in get_settings().delivery_order:
        identity = by_platform.get(platform)
        channel = channels.get(platform)
        if identity is None or channel is None or not channel.available():
            continue
        return platform, await channel.send_to_account(identity.account_id, text)
    return "", None


async def send(recipient: Recipient, text: str) -> tuple[str, SendResult | None]:
    """Route one text; (platform, None) means no reachable channel for this recipient."""
    if isinstance(recipient, MemberRecipient):
        return await _send_to_member(recipient, text)
    channel = channels.get(recipient.platform)
    if channel is None or not channel.available():
        return recipient.platform, None
    if isinstance(recipient, GroupRecipient):
        return recipient.platform, await channel.send_to_group(recipient.group_id, text)
    assert isinstance(recipient, AccountRecipient)
    return recipient.platform, await channel.send_to_account(recipient.account_id, text)


def _backoff(attempts: int) -> timedelta:
    base = get_settings().delivery_retry_base_seconds * (2 ** (attempts - 1))
    return timedelta(seconds=base * random.uniform(0.8, 1.2))


async def _deliver(row: OutboxMessage) -> OutboxStatus:
    settings = get_settings()
    now = clock.now()
    try:
        text = render(row.template, **row.context)
        platform, result = await send(recipients.load(row.recipient), text)
    except Exception as exc:  # a broken template or recipient: record it, never crash the loop
        logger.exception("outbox row {} could not be delivered", row.id)
        platform, result = "", SendResult(SendOutcome.REJECTED, f"{type(exc).__name__}: {exc}")
    attempts = row.attempts + 1
    fields: dict[str, object] = {"attempts": attempts, "channel": platform, "claimed_at": None}
    if result is None:
        if attempts < settings.delivery_max_attempts:
            fields.update(
                status=OutboxStatus.PENDING, due_at=now + _backoff(attempts), last_error="no channel"
            )
        else:
            fields.update(status=OutboxStatus.UNREACHABLE, last_error="no reachable channel")
    elif result.outcome == SendOutcome.SENT:
        fields.update(status=OutboxStatus.SENT, sent_at=now, last_error="")
    elif result.outcome == SendOutcome.UNKNOWN:
        fields.update(status=OutboxStatus.UNKNOWN, last_error=result.detail[:255])
    elif result.outcome == SendOutcome.RETRYABLE and attempts < settings.delivery_max_attempts:
        fields.update(
            status=OutboxStatus.PENDING, due_at=now + _backoff(attempts), last_error=result.detail[:255]
        )
    else:
        fields.update(status=OutboxStatus.FAILED, last_error=result.detail[:255])
    await OutboxMessage.filter(id=row.id).update(**fields)
    return fields["status"]  # type: ignore[return-value]


async def dispatch_once(limit: int = 100) -> int:
    """Claim up to `limit` due rows in one statement and deliver them. Returns how many were handled."""
    now = clock.now()
    ids = (
        await OutboxMessage.filter(status=OutboxStatus.PENDING, due_at__lte=now)
        .order_by("id")
        .limit(limit)
        .values_list("id", flat=True)
    )
    if not ids:
        return 0
    await OutboxMessage.filter(id__in=list(ids), status=OutboxStatus.PENDING).update(
        status=OutboxStatus.SENDING, claimed_at=now
    )
    rows = await OutboxMessage.filter(id__in=list(ids), status=OutboxStatus.SENDING, claimed_at=now).order_by(
        "id"
    )
    for row in rows:
        await _deliver(row)
    return len(rows)


async def run_forever() -> None:
    interval = get_settings().dispatch_interval_seconds
    while True:
        try:
            handled = await dispatch_once()
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.exception("dispatcher tick failed")
            handled = 0
        if handled:
            continue
        _wake.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(_wake.wait(), timeout=interval)

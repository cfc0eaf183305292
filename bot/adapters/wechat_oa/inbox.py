"""Dropping WeChat's retries: each message id (or event key) is handled once, across restarts too."""

from __future__ import annotations

import contextlib
from datetime import timedelta

from loguru import logger
from tortoise.exceptions import IntegrityError

from bot import clock
from models import WechatInbound


async def seen(key: str) -> tuple[bool, str | None]:
    """Whether `key` was handled before, and the passive reply it got then."""
    rows = await WechatInbound.filter(key=key).limit(1).values_list("reply", flat=True)
    return (True, rows[0]) if rows else (False, None)


async def record(key: str, openid: str, reply: str | None) -> None:
    """Remember a handled `key` (a concurrent duplicate's row wins; that is fine)."""
    with contextlib.suppress(IntegrityError):
        await WechatInbound.create(key=key, openid=openid, reply=reply, created_at=clock.now())


async def prune(days: int) -> int:
    removed = await WechatInbound.filter(created_at__lt=clock.now() - timedelta(days=days)).delete()
    if removed:
        logger.info("wechat: pruned {} old message ids", removed)
    return removed

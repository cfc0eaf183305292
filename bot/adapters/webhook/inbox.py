"""Callbacks taken in, kept in the database: each key is handled once, across restarts and processes.

A key is claimed (one INSERT on a unique column) before its event is handled; whoever loses the race
gets the passive reply the winner gave, once it is recorded. A process killed while handling leaves
its claim: WeChat's retry is then dropped rather than handled a second time (the member may simply
send the message again). Rows older than a few days are pruned.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from loguru import logger
from tortoise.exceptions import IntegrityError

from bot import clock
from models import WechatInbound

PRUNE_INTERVAL_SECONDS = 3600


async def claim(key: str, account: str) -> tuple[bool, str | None]:
    """(True, None) when this call claimed `key`; else (False, the reply recorded for it, if any)."""
    try:
        await WechatInbound.create(key=key, openid=account[:64], reply=None, created_at=clock.now())
    except IntegrityError:
        rows = await WechatInbound.filter(key=key).limit(1).values_list("reply", flat=True)
        return False, rows[0] if rows else None
    return True, None


async def answered(key: str, reply: str) -> None:
    """Record the passive reply given for `key`, replayed to a retry that reaches another process."""
    await WechatInbound.filter(key=key).update(reply=reply)


async def prune(days: int) -> int:
    removed = await WechatInbound.filter(created_at__lt=clock.now() - timedelta(days=days)).delete()
    if removed:
        logger.info("webhook: pruned {} old callback keys", removed)
    return removed


async def prune_forever(days: int) -> None:
    while True:
        try:
            await prune(days)
        except Exception:
            logger.exception("webhook: pruning callback keys failed")
        await asyncio.sleep(PRUNE_INTERVAL_SECONDS)

"""Dropping WeChat's retries: each message id (or event key) is taken in once, across restarts."""

from __future__ import annotations

from datetime import timedelta

from loguru import logger
from tortoise.exceptions import IntegrityError

from bot import clock
from models import WechatInbound


async def claim(key: str, openid: str) -> bool:
    """Record `key`; False when it was seen before (a retry)."""
    try:
        await WechatInbound.create(key=key, openid=openid, created_at=clock.now())
    except IntegrityError:
        return False
    return True


async def stored_reply(key: str) -> str | None:
    row = await WechatInbound.filter(key=key).only("id", "reply").first()
    return row.reply if row else None


async def remember_reply(key: str, reply: str) -> None:
    await WechatInbound.filter(key=key).update(reply=reply)


async def prune(days: int) -> int:
    removed = await WechatInbound.filter(created_at__lt=clock.now() - timedelta(days=days)).delete()
    if removed:
        logger.info("wechat: pruned {} old message ids", removed)
    return removed

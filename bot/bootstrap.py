"""Start-up order: database → migrations → demo data → scheduler → dispatcher. Shutdown in reverse."""

from __future__ import annotations

import asyncio
import contextlib

from loguru import logger

import scheduler
from bot import db
from bot.config import get_settings
from bot.delivery import dispatcher

_tasks: list[asyncio.Task[None]] = []


async def startup() -> None:
    settings = get_settings()
    await db.connect(settings.database_url)
    db.use_database_clock()
    logger.info("database ready")
    if settings.demo:
        from bot.demo import seed

        await seed()
    await scheduler.start(settings)
    if settings.delivery_report_unreachable:
        from bot.services.delivery_report import notify_unreachable

        dispatcher.on_batch_finished(notify_unreachable)
    from bot.services.delivery_report import notify_capped

    dispatcher.on_cap_reached(notify_capped)
    _tasks.append(asyncio.create_task(dispatcher.run_forever(), name="outbox-dispatcher"))


async def shutdown() -> None:
    for task in _tasks:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task
    _tasks.clear()
    await scheduler.stop()
    await db.disconnect()

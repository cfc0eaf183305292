"""QQ events are handled once, whatever the number of bot processes they reach.

NapCat and Lagrange can open reverse WebSockets to several processes, which then all receive every
event: one `确认` would queue two broadcasts. Before any matcher runs, a message event is claimed in
the database under its account, message id and time (`bot.adapters.webhook.inbox`, like WeChat's
MsgId; pruned after WECHAT_DEDUPE_DAYS); the process that loses the claim drops the event.

The process that sends for the account (`bot.delivery.senders`) claims at once and the others a
moment later, so a member's conversation (a broadcast waiting for `确认`, a form) stays with one
process while it lives; when that process is gone, another one answers after the pause.
"""

from __future__ import annotations

import asyncio

import nonebot
from loguru import logger
from nonebot.adapters import Event
from nonebot.adapters.onebot.v11 import MessageEvent
from nonebot.exception import IgnoredException
from nonebot.message import event_preprocessor

from bot.adapters.webhook import inbox
from bot.config import get_settings
from bot.delivery import senders

OTHERS_WAIT_SECONDS = 1.0  # how long a process that does not send for the account lets the sender claim


def event_key(event: MessageEvent) -> str:
    return f"qq:{event.self_id}:{event.message_id}:{event.time}"


async def first_sighting(event: MessageEvent) -> bool:
    """Whether this process is the one to handle `event` (False: another process has it)."""
    view = senders.this_process()
    if "qq" in view.up and view.held.get("qq") != str(event.self_id):  # another process sends for it
        await asyncio.sleep(OTHERS_WAIT_SECONDS)
    claimed, _ = await inbox.claim(event_key(event), str(event.user_id))
    return claimed


async def drop_duplicates(event: Event) -> None:
    if not isinstance(event, MessageEvent):
        return
    try:
        first = await first_sighting(event)
    except Exception as error:  # the database is unreachable: answer rather than lose the message
        logger.warning("qq event {} not checked for duplicates: {!r}", event.message_id, error)
        return
    if not first:
        raise IgnoredException("handled by another process")


_installed: list[bool] = []
_tasks: set[asyncio.Task[None]] = set()


def install() -> None:
    """Check every QQ message event before the matchers, and prune old keys (once per process)."""
    if _installed:
        return
    _installed.append(True)
    event_preprocessor(drop_duplicates)

    async def prune() -> None:
        task = asyncio.create_task(inbox.prune_forever(get_settings().wechat_dedupe_days))
        _tasks.add(task)
        task.add_done_callback(_tasks.discard)

    nonebot.get_driver().on_startup(prune)

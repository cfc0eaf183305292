"""Sending a file to the person who asked, where the platform allows it.

OneBot V11 implementations (NapCat, Lagrange, go-cqhttp) offer the `upload_private_file` action with
a local path; others refuse it, and then the caller tells the person where the file was written.
"""

from __future__ import annotations

from pathlib import Path

from loguru import logger
from nonebot.adapters import Bot

from bot.sender import Sender


async def send_private_file(bot: Bot, sender: Sender, path: Path) -> bool:
    """Upload `path` to the sender's private chat. Returns False when the platform cannot or refused."""
    if not sender.is_private or bot.adapter.get_name() != "OneBot V11":
        return False
    try:
        await bot.call_api(
            "upload_private_file", user_id=int(sender.account_id), file=str(path), name=path.name
        )
    except Exception as exc:  # the implementation does not support it, or refused
        logger.warning("upload_private_file refused: {}", exc)
        return False
    return True

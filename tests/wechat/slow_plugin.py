"""Test-only: a command whose handler takes longer than the passive-reply window."""

import asyncio

from bot.chat import Request, router


@router.command("慢查询")
async def slow_answer(req: Request) -> str:
    await asyncio.sleep(float(req.args or 2.0))
    return f"慢查询完成：{req.args or 2.0}"

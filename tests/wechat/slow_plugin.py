"""Test-only: a command whose handler takes longer than the passive-reply window."""

import asyncio

from bot.chat import Request, router


@router.command("慢查询", usage="慢查询 [秒]", summary="测试用", doc="test only", listed=False)
async def slow_answer(req: Request) -> str:
    await asyncio.sleep(float(req.args or 2.0))
    return f"慢查询完成：{req.args or 2.0}"

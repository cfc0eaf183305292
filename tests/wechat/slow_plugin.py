"""Test-only: a command whose handler takes longer than the passive-reply window."""

import asyncio

from nonebot.plugin import on_message

from bot.chat import Args, answer, command

slow = on_message(rule=command("慢查询"), priority=10, block=True)


@slow.handle()
@answer
async def slow_answer(args: Args) -> str:
    await asyncio.sleep(float(args or 2.0))
    return f"慢查询完成：{args or 2.0}"

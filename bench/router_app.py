"""A NoneBot app whose 签到 replies "ok", routed one of three ways (run by bench/router.py):

    router     the product's Router: one on_message matcher, the command looked up in a dict
    one        one on_command("签到") — the framework's floor
    many       one on_command per command word of the product (every matcher checked per event)

Every variant knows the same command words (read from the plugins' registrations); only 签到 is sent.
Needs HOST, PORT and ONEBOT_ACCESS_TOKEN in the environment.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import nonebot
from nonebot.adapters import Bot, Event
from nonebot.adapters.onebot.v11 import Adapter
from nonebot.rule import Rule
from nonebot.typing import T_State

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def command_words() -> list[str]:
    """Every command word the product registers: `@router.command("名", "别名", usage=…)` and the
    review steps registered in a loop."""
    words: list[str] = []
    for path in sorted((ROOT / "plugins").rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        for head in re.findall(r"router\.command\(\s*((?:\"[^\"]+\",\s*)+)", text):
            words += re.findall(r'"([^"]+)"', head)
        words += re.findall(r'^\s+"(\S+)": \("\1 ', text, re.M)
    return list(dict.fromkeys(words))


def install_router(words: list[str]) -> None:
    from bot import adapters
    from bot.chat import Request, Router

    adapters.register_builtin(onebot=True, console=False, wechat=False)
    router = Router()

    async def ok(_: Request) -> str:
        return "ok"

    for word in words:
        router.command(word, usage=word, summary="-", doc="-")(ok)

    async def addressed(bot: Bot, event: Event, state: T_State) -> bool:
        request = router.route(bot, event)
        state["request"] = request
        return request is not None

    matcher = nonebot.on_message(rule=Rule(addressed), priority=10, block=True)

    @matcher.handle()
    async def _serve(state: T_State) -> None:
        request: Request = state["request"]
        reply = await router.handle(request)
        if reply:
            await request.bot.send(request.event, request.plain(reply))


def install_on_commands(words: list[str]) -> None:
    for word in words:
        matcher = nonebot.on_command(word, block=True)

        async def echo(matcher: type = matcher) -> None:  # type: ignore[assignment]
            await matcher.send("ok")  # type: ignore[attr-defined]

        matcher.handle()(echo)


def main(variant: str) -> None:
    nonebot.init(driver="~fastapi+~aiohttp", command_start=["/", ""])
    nonebot.get_driver().register_adapter(Adapter)
    words = command_words()
    if variant == "router":
        install_router(words)
    elif variant == "one":
        install_on_commands(["签到"])
    else:
        install_on_commands(words)
    nonebot.logger.warning(f"{variant}: {len(words)} command words")
    nonebot.run()


if __name__ == "__main__":
    main(sys.argv[1])

"""The framework's floor: a bare NoneBot app, OneBot V11 adapter, one `on_command` echo.

Run by bench/checkin_burst.py as a child process with HOST/PORT/ONEBOT_ACCESS_TOKEN set.
"""

from __future__ import annotations

import nonebot
from nonebot.adapters.onebot.v11 import Adapter

nonebot.init(driver="~fastapi+~aiohttp", command_start=["/", ""])
nonebot.get_driver().register_adapter(Adapter)

echo = nonebot.on_command("签到")


@echo.handle()
async def _() -> None:
    await echo.send("ok")


if __name__ == "__main__":
    nonebot.run()

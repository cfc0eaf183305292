"""The NoneBot plugin that installs 委员之家: adapters, delivery channels, start-up hooks and the command
matchers. `python -m bot` loads it (bot/app.py), and so does `nb run` (`[tool.nonebot.plugins]` in
pyproject.toml), so the bot starts the same way under either.

Loading it is the application's start-up: unusable or unsafe settings stop the process here with one
line per problem (exit 2), before anything listens or connects.
"""

from __future__ import annotations

import sys
from typing import NoReturn

from nonebot.plugin import PluginMetadata

from bot import app, chat, startup_report
from bot.config import SettingsError, get_settings


def _refuse(lines: list[str]) -> NoReturn:
    for line in lines:
        print(f"configuration error: {line}", file=sys.stderr)
    raise SystemExit(2)


try:
    settings = get_settings()
    app.check_settings(settings)
    app.check_driver(settings)
except SettingsError as error:
    _refuse(error.lines)
except app.ConfigurationError as error:
    _refuse(str(error).splitlines())

app.register_adapters(settings)
app.install_console(settings)
app.install_sms_receipts(settings)
app.install_hooks()
chat.install()
startup_report.install(settings)

__plugin_meta__ = PluginMetadata(
    name="委员之家",
    description="The command router, adapters, delivery and scheduler of 委员之家",
    usage="发送「帮助」查看可用的指令",
)

"""Runs the full app like `python -m bot`, plus test-only plugins named on the command line."""

from __future__ import annotations

import sys

import nonebot

from bot.app import create
from bot.config import reset_settings_cache


def main(extra_plugins: list[str]) -> None:
    reset_settings_cache()
    create()
    for name in extra_plugins:
        nonebot.load_plugin(name)
    nonebot.run()


if __name__ == "__main__":
    main(sys.argv[1:])

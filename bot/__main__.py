"""`python -m bot` runs the bot; `python -m bot --demo` runs the console demo on SQLite."""

from __future__ import annotations

import argparse
import os
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot", description="委员之家 bot")
    parser.add_argument(
        "--demo",
        action="store_true",
        help="console adapter, SQLite file data/demo.sqlite3, fictional roster, you are bound as staff",
    )
    args = parser.parse_args(argv)
    if args.demo:
        os.environ.update(
            {
                "DEMO": "true",
                "ENABLE_CONSOLE": "true",
                "ENABLE_ONEBOT": "false",
                "DATABASE_URL": os.environ.get("DEMO_DATABASE_URL", "sqlite://data/demo.sqlite3"),
                "LOG_LEVEL": os.environ.get("LOG_LEVEL", "WARNING"),
            }
        )
    import nonebot

    from bot.app import ConfigurationError, create
    from bot.config import reset_settings_cache

    reset_settings_cache()
    try:
        create()
    except ConfigurationError as exc:
        for line in str(exc).splitlines():
            print(f"configuration error: {line}", file=sys.stderr)
        return 2
    nonebot.run()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

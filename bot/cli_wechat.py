"""Operator commands for the WeChat Official Account.

    python -m bot.cli_wechat menu push [--file config/wechat_menu.json]
    python -m bot.cli_wechat qr <activity number> [--out FILE] [--days N]

`menu push` publishes the custom menu kept in the repository (a click key `cmd:<text>` acts as if
the member had typed <text>). `qr` asks WeChat for a temporary parametric QR code whose scene is
`checkin:<activity>` and writes it as a PNG to print or show at the venue: a follower who scans it
is checked in to that activity (the scan counts as the check-in code), a non-follower follows first
and is checked in by the same scan. `bot/cli.py` mounts these as `wechat …` through
`add_wechat_commands`: each command sets `run` to an async function that expects the database to
be connected (as `bot/cli.py` does); `main()` here connects it itself.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

from bot.adapters.wechat_oa.api import QrTicket, WechatApi, WechatApiError
from bot.config import PROJECT_ROOT, get_settings

MENU_FILE = PROJECT_ROOT / "config" / "wechat_menu.json"
QR_DIR = PROJECT_ROOT / "data" / "qr"
MAX_QR_SECONDS = 30 * 24 * 3600  # WeChat's limit for a temporary QR code


class CommandError(Exception):
    """A refusal the operator can act on (printed, exit status 2)."""


def check_menu(menu: dict[str, Any]) -> None:
    """WeChat's limits: 3 top-level buttons, 5 under each, click keys of at most 128 bytes."""
    buttons = menu.get("button")
    if not isinstance(buttons, list) or not 1 <= len(buttons) <= 3:
        raise CommandError("the menu needs 1 to 3 top-level buttons under 'button'")
    for button in buttons:
        subs = button.get("sub_button")
        if subs is not None and not 1 <= len(subs) <= 5:
            raise CommandError(f"'{button.get('name')}' needs 1 to 5 sub-buttons")
        for item in subs or [button]:
            if item.get("type") == "click" and not 0 < len(str(item.get("key", "")).encode()) <= 128:
                raise CommandError(f"'{item.get('name')}' needs a click key of at most 128 bytes")


def _api() -> WechatApi:
    settings = get_settings()
    if not (settings.wechat_app_id and settings.wechat_app_secret):
        raise CommandError("set WECHAT_APP_ID and WECHAT_APP_SECRET first")
    return WechatApi(
        app_id=settings.wechat_app_id,
        app_secret=settings.wechat_app_secret,
        base_url=settings.wechat_api_base,
        timeout=settings.wechat_api_timeout_seconds,
        refresh_margin=settings.wechat_token_refresh_margin_seconds,
    )


def load_menu(path: Path = MENU_FILE) -> dict[str, Any]:
    menu = json.loads(Path(path).read_text(encoding="utf-8"))
    check_menu(menu)
    return menu


async def push_menu(menu: dict[str, Any]) -> None:
    """Publish `menu` (the database must be connected: the access token is shared through it)."""
    check_menu(menu)
    async with _api() as api:
        await api.create_menu(menu)


async def checkin_ticket(activity_id: int, days: int | None = None) -> QrTicket:
    """Ask WeChat for the activity's check-in QR code (scene `checkin:<number>`); database connected."""
    from bot import clock
    from models import Activity
    from models.activity import ActivityStatus

    activity = await Activity.filter(id=activity_id).first()
    if activity is None:
        raise CommandError(f"no activity #{activity_id}")
    if activity.status != ActivityStatus.OPEN:
        raise CommandError(f"activity #{activity_id} is closed")
    if days is not None:
        seconds = days * 24 * 3600
    else:  # valid until a day after check-in closes
        seconds = int((activity.checkin_closes_at + timedelta(days=1) - clock.now()).total_seconds())
    seconds = max(60, min(seconds, MAX_QR_SECONDS))
    async with _api() as api:
        return await api.create_qr_scene(f"checkin:{activity.id}", expire_seconds=seconds)


def write_qr_png(content: str, target: Path) -> Path:
    """Draw `content` (the URL WeChat encodes in its QR codes) as a printable PNG."""
    import qrcode
    from qrcode.image.pure import PyPNGImage

    target.parent.mkdir(parents=True, exist_ok=True)
    image = qrcode.make(content, image_factory=PyPNGImage, box_size=12, border=4)
    with target.open("wb") as stream:
        image.save(stream)
    return target


async def _refusals(work: Any) -> int:
    try:
        return await work
    except CommandError as refusal:
        print(f"error: {refusal}", file=sys.stderr)
        return 2
    except WechatApiError as refusal:  # say what WeChat said, no traceback for the operator
        print(f"WeChat refused: {refusal}", file=sys.stderr)
        return 1


async def menu_push_command(args: argparse.Namespace) -> int:
    """`wechat menu push` (the database is connected by the caller)."""

    async def work() -> int:
        menu = await asyncio.to_thread(load_menu, Path(args.file))
        await push_menu(menu)
        print(f"menu published: {len(menu['button'])} top-level buttons")
        return 0

    return await _refusals(work())


async def qr_command(args: argparse.Namespace) -> int:
    """`wechat qr <activity>` (the database is connected by the caller)."""

    async def work() -> int:
        number = int(str(args.activity).lstrip("#＃"))
        ticket = await checkin_ticket(number, args.days)
        target = Path(args.out) if args.out else QR_DIR / f"checkin-{number}.png"
        await asyncio.to_thread(write_qr_png, ticket.url, target)
        print(f"check-in QR code for activity #{number} written to {target} (ticket {ticket.ticket})")
        return 0

    return await _refusals(work())


def _fill(parser: argparse.ArgumentParser) -> None:
    commands = parser.add_subparsers(dest="wechat_command", required=True, metavar="COMMAND")
    menu = commands.add_parser("menu", help="the Official Account's custom menu")
    menu_commands = menu.add_subparsers(dest="menu_command", required=True, metavar="ACTION")
    push = menu_commands.add_parser("push", help="publish the menu file to WeChat")
    push.add_argument("--file", default=str(MENU_FILE), help="menu JSON (default: config/wechat_menu.json)")
    push.set_defaults(run=menu_push_command)
    qr = commands.add_parser("qr", help="make an activity's check-in QR code (PNG)")
    qr.add_argument("activity", help="activity number, e.g. 12 or #12")
    qr.add_argument("--out", help="PNG file to write (default: data/qr/checkin-<number>.png)")
    qr.add_argument("--days", type=int, help="validity in days (default: until a day after check-in closes)")
    qr.set_defaults(run=qr_command)


def add_wechat_commands(subparsers: Any) -> argparse.ArgumentParser:
    """Mount `wechat menu push` and `wechat qr` on another CLI's sub-parsers."""
    parser = subparsers.add_parser("wechat", help="WeChat Official Account: menu and check-in QR codes")
    _fill(parser)
    return parser


def run(args: argparse.Namespace) -> int:
    """Run a parsed command on its own: connect the database around it."""
    from bot import db

    async def with_database() -> int:
        await db.connect()
        try:
            return await args.run(args)
        finally:
            await db.disconnect()

    return asyncio.run(with_database())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.cli_wechat", description="委员之家: WeChat OA tools")
    _fill(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    raise SystemExit(main())

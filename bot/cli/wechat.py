"""`wechat menu push` and `wechat qr`: the Official Account's menu and venue check-in QR codes.

`menu push` publishes the custom menu kept in the repository (a click key `cmd:<text>` acts as if the
member had typed <text>). `qr` asks WeChat for a temporary parametric QR code whose scene is
`checkin:<activity>` and writes it as a PNG to print or show at the venue: a follower who scans it
is checked in to that activity (the scan counts as the check-in code), a non-follower follows first
and is checked in by the same scan.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from bot.cli.runner import Refusal, error_line, input_file, output_file, run
from bot.config import PROJECT_ROOT, get_settings
from bot.render import render
from bot.services import followers
from bot.services.parsing import parse_number

if TYPE_CHECKING:
    from bot.adapters.wechat_oa.api import WechatApi

MENU_FILE = PROJECT_ROOT / "config" / "wechat_menu.json"
QR_DIR = PROJECT_ROOT / "data" / "qr"

wechat_app = typer.Typer(help="WeChat Official Account: menu and check-in QR codes", no_args_is_help=True)
menu_app = typer.Typer(help="the Official Account's custom menu", no_args_is_help=True)
wechat_app.add_typer(menu_app, name="menu")


class MenuError(ValueError):
    """The menu breaks one of WeChat's limits."""


def check_menu(menu: dict[str, Any]) -> None:
    """WeChat's limits: 3 top-level buttons, 5 under each, click keys of at most 128 bytes."""
    buttons = menu.get("button")
    if not isinstance(buttons, list) or not 1 <= len(buttons) <= 3:
        raise MenuError("the menu needs 1 to 3 top-level buttons under 'button'")
    for button in buttons:
        subs = button.get("sub_button")
        if subs is not None and not 1 <= len(subs) <= 5:
            raise MenuError(f"'{button.get('name')}' needs 1 to 5 sub-buttons")
        for item in subs or [button]:
            if item.get("type") == "click" and not 0 < len(str(item.get("key", "")).encode()) <= 128:
                raise MenuError(f"'{item.get('name')}' needs a click key of at most 128 bytes")


def load_menu(path: Path) -> dict[str, Any]:
    try:
        menu = json.loads(path.read_text(encoding="utf-8-sig"))  # with or without a byte-order mark
        check_menu(menu)
    except (ValueError, AttributeError) as exc:  # bad JSON or a broken limit
        raise Refusal(error_line("bad_menu", path=str(path), reason=exc)) from exc
    return menu


def _api() -> WechatApi:
    from bot.adapters.wechat_oa.api import WechatApi  # the adapter loads NoneBot: only when used

    settings = get_settings()
    if not (settings.wechat_app_id and settings.wechat_app_secret):
        raise Refusal(error_line("wechat_credentials"))
    return WechatApi(
        app_id=settings.wechat_app_id,
        app_secret=settings.wechat_app_secret,
        base_url=settings.wechat_api_base,
        timeout=settings.wechat_api_timeout_seconds,
        refresh_margin=settings.wechat_token_refresh_margin_seconds,
    )


async def push_menu(file: str) -> str:
    """Publish the menu file (the access token is shared through the database, so it is open)."""
    from bot.adapters.wechat_oa.api import WechatApiError

    menu = await asyncio.to_thread(load_menu, input_file(file))
    try:
        async with _api() as api:
            await api.create_menu(menu)
    except WechatApiError as refusal:
        raise Refusal(error_line("wechat", reason=refusal)) from refusal
    return render("cli/wechat_menu_pushed.j2", buttons=len(menu["button"]))


def write_qr_png(content: str, target: Path) -> Path:
    """Draw `content` (the URL WeChat encodes in its QR codes) as a printable PNG."""
    import qrcode
    from qrcode.image.pure import PyPNGImage

    image = qrcode.make(content, image_factory=PyPNGImage, box_size=12, border=4)
    with target.open("wb") as stream:
        image.save(stream)
    return target


async def checkin_qr_png(activity: str, out: str | None, days: int | None) -> str:
    from bot.adapters.wechat_oa.api import WechatApiError

    number = parse_number(activity, what="活动编号")
    target = output_file(out or str(QR_DIR / f"checkin-{number}.png"))
    wanted = await followers.checkin_qr(number, days)
    try:
        async with _api() as api:
            ticket = await api.create_qr_scene(wanted.scene, expire_seconds=wanted.expire_seconds)
    except WechatApiError as refusal:
        raise Refusal(error_line("wechat", reason=refusal)) from refusal
    await asyncio.to_thread(write_qr_png, ticket.url, target)
    return render("cli/wechat_qr_written.j2", number=wanted.activity_id, path=str(target), ticket=ticket)


@menu_app.command("push")
def menu_push(
    file: Annotated[str, typer.Option(help="menu JSON")] = str(MENU_FILE),
) -> None:
    """Publish the menu file to WeChat."""
    run(lambda: push_menu(file))


@wechat_app.command("qr")
def qr(
    activity: Annotated[str, typer.Argument(help="activity number, e.g. 12 or #12")],
    out: Annotated[
        str | None, typer.Option(help="PNG to write (default: data/qr/checkin-<number>.png)")
    ] = None,
    days: Annotated[
        int | None,
        typer.Option(min=1, max=30, help="validity in days (default: a day after check-in closes)"),
    ] = None,
) -> None:
    """Make an activity's check-in QR code (PNG)."""
    run(lambda: checkin_qr_png(activity, out, days))


def mount(app: typer.Typer) -> None:
    app.add_typer(wechat_app, name="wechat")

"""What the operator reads when the bot starts: one block saying what runs and what to do next, and a
warning every few minutes while no OneBot client (NapCat, Lagrange) has connected."""

from __future__ import annotations

import asyncio
import contextlib

import nonebot
from loguru import logger

from bot.config import Settings

ONEBOT_PATH = "/onebot/v11/ws"
_tasks: list[asyncio.Task[None]] = []


def _address(settings: Settings) -> str:
    host = "<this machine's address>" if settings.host in ("0.0.0.0", "::") else settings.host
    return f"{host}:{settings.port}"


def onebot_url(settings: Settings) -> str:
    return f"ws://{_address(settings)}{ONEBOT_PATH}"


def database_text(url: str) -> str:
    """The backend and where it is, never the password."""
    if url.startswith("sqlite://"):
        return f"SQLite {url.removeprefix('sqlite://').partition('?')[0]}"
    location = url.partition("://")[2].rpartition("@")[2].partition("?")[0]
    return f"PostgreSQL {location}"


def scheduler_text(settings: Settings) -> str:
    if not settings.scheduler_enabled:
        return "disabled here (SCHEDULER_ENABLED=false)"
    if settings.database_url.startswith("sqlite://"):
        return "runs in this process (SQLite: one bot process)"
    return (
        f"one process is elected by PostgreSQL advisory lock {settings.scheduler_lock_key}; "
        "'scheduler started' in this log means this one leads"
    )


def report(settings: Settings) -> str:
    """The start-up block (plain lines, no object reprs)."""
    channels = [
        name
        for name, enabled in (
            ("QQ (OneBot V11)", settings.enable_onebot),
            ("WeChat Official Account", settings.enable_wechat),
            ("企业微信 app", settings.enable_wecom),
            ("企业微信 group robots", settings.enable_wecom_robots),
            ("console", settings.enable_console),
            ("SMS", bool(settings.sms_provider)),
        )
        if enabled
    ]
    lines = ["委员之家 started", f"  channels:  {', '.join(channels)}"]
    if settings.enable_onebot:
        lines.append(
            f"  QQ:        point NapCat / Lagrange.OneBot's reverse WebSocket at {onebot_url(settings)} "
            "with the access token ONEBOT_ACCESS_TOKEN"
        )
    if settings.enable_wechat:
        lines.append(
            f"  WeChat:    server URL https://<your public host>{settings.wechat_path} "
            f"(an HTTPS proxy in front of {_address(settings)}), mode {settings.wechat_encoding_mode}, "
            "Token and EncodingAESKey as in .env"
        )
    if settings.enable_wecom:
        lines.append(
            f"  企业微信:  callback URL https://<your public host>{settings.wecom_path} (app 接收消息), "
            f"API {settings.wecom_api_base}; add this server's public IP to the app's 企业可信IP"
        )
    if settings.enable_wecom_robots:
        names = ", ".join(f"wecom_robot:{name}" for name in sorted(settings.wecom_robots))
        lines.append(f"  robots:    {names} (use these names in GREETING_GROUPS)")
    if settings.sms_provider:
        lines.append(
            f"  SMS:       {settings.sms_provider}, signature {settings.sms_sign_name or '?'}, "
            f"{len(settings.sms_templates)} notice kinds with a template; receipts at "
            "https://<your public host>/sms/receipt?token=SMS_RECEIPT_TOKEN"
        )
    lines.append(f"  database:  {database_text(settings.database_url)}")
    lines.append(f"  scheduler: {scheduler_text(settings)}")
    return "\n".join(lines)


def onebot_connected() -> bool:
    return any(bot.adapter.get_name() == "OneBot V11" for bot in nonebot.get_bots().values())


async def _watch_onebot(settings: Settings) -> None:
    """Warn every ONEBOT_WAIT_WARNING_SECONDS while no OneBot client is connected."""
    while True:
        await asyncio.sleep(settings.onebot_wait_warning_seconds)
        if not onebot_connected():
            logger.warning(
                "no OneBot client connected: QQ messages cannot arrive or leave. Point NapCat / "
                "Lagrange.OneBot's reverse WebSocket at {} with the access token ONEBOT_ACCESS_TOKEN",
                onebot_url(settings),
            )


def install(settings: Settings) -> None:
    driver = nonebot.get_driver()

    async def started() -> None:
        logger.opt(colors=False).info("\n" + report(settings))
        if settings.enable_onebot and settings.onebot_wait_warning_seconds > 0:
            _tasks.append(asyncio.create_task(_watch_onebot(settings), name="onebot-watch"))

    async def stopping() -> None:
        for task in _tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        _tasks.clear()

    driver.on_startup(started)
    driver.on_shutdown(stopping)

"""Application assembly: NoneBot, adapters, channels, plugins, and the start-up hooks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import nonebot

from bot import adapters, bootstrap
from bot.config import PROJECT_ROOT, Settings, SettingsError, get_settings, production_problems
from bot.delivery import channels

PLUGIN_DIR = PROJECT_ROOT / "plugins"


class ConfigurationError(RuntimeError):
    """The settings are unsafe or inconsistent; the bot refuses to start."""


def check_settings(settings: Settings) -> None:
    refused = production_problems(settings)
    if refused:
        raise ConfigurationError("\n".join(refused))
    insecure_allowed = settings.allow_insecure_onebot and not settings.production
    if settings.enable_onebot and not settings.onebot_access_token and not insecure_allowed:
        raise ConfigurationError(
            "ONEBOT_ACCESS_TOKEN is empty: without it anyone who can reach the WebSocket could "
            "inject QQ events. Set a long random token here and in the OneBot implementation "
            "(or, for local development only, ALLOW_INSECURE_ONEBOT=true)."
        )
    if settings.enable_wechat:
        check_wechat_settings(settings)
    if settings.sms_provider:
        check_sms_settings(settings)
    if settings.enable_wecom:
        check_wecom_settings(settings)
    if settings.enable_wecom_robots and not settings.wecom_robots:
        raise ConfigurationError("WECOM_ROBOTS is empty: name each group robot and its webhook key")
    if not (
        settings.enable_onebot or settings.enable_console or settings.enable_wechat or settings.enable_wecom
    ):
        raise ConfigurationError(
            "no channel enabled: set ENABLE_ONEBOT, ENABLE_WECHAT, ENABLE_WECOM and/or ENABLE_CONSOLE"
        )


def check_wechat_settings(settings: Settings) -> None:
    from bot.adapters.wechat_oa.security import valid_aes_key

    if not settings.wechat_token:
        raise ConfigurationError("WECHAT_TOKEN is empty: webhook signatures cannot be checked without it")
    if settings.wechat_encoding_mode != "plain" and not valid_aes_key(settings.wechat_aes_key):
        raise ConfigurationError("WECHAT_AES_KEY must be the 43-character EncodingAESKey in this mode")


def check_sms_settings(settings: Settings) -> None:
    needed = {
        "SMS_ACCESS_KEY_ID": settings.sms_access_key_id,
        "SMS_ACCESS_KEY_SECRET": settings.sms_access_key_secret,
        "SMS_SIGN_NAME": settings.sms_sign_name,
    }
    if settings.sms_provider == "tencent":
        needed["SMS_APP_ID"] = settings.sms_app_id
    missing = [name for name, value in needed.items() if not value]
    if missing:
        raise ConfigurationError(f"SMS_PROVIDER={settings.sms_provider} needs {', '.join(missing)}")


def check_wecom_settings(settings: Settings) -> None:
    from bot.adapters.webhook.checks import valid_aes_key

    if not (settings.wecom_corp_id and settings.wecom_token):
        raise ConfigurationError("WECOM_CORP_ID and WECOM_TOKEN are needed to check the app's callbacks")
    if not valid_aes_key(settings.wecom_aes_key):
        raise ConfigurationError(
            "WECOM_AES_KEY must be the 43-character EncodingAESKey of the app's callback"
        )


def serves_http(settings: Settings) -> bool:
    """Whether a channel needs the HTTP server (OneBot's WebSocket, a webhook, SMS receipts)."""
    chat = settings.enable_onebot or settings.enable_wechat or settings.enable_wecom
    return chat or bool(settings.sms_provider)


def nonebot_options(settings: Settings) -> dict[str, Any]:
    options: dict[str, Any] = {
        "host": settings.host,
        "port": settings.port,
        "log_level": settings.log_level,
        "driver": "~fastapi+~aiohttp" if serves_http(settings) else "~none",
        "command_start": ["/", ""],
        "onebot_access_token": settings.onebot_access_token or None,
    }
    return options


def register_adapters(settings: Settings) -> None:
    driver = nonebot.get_driver()
    adapters.register_builtin(
        onebot=settings.enable_onebot,
        console=settings.enable_console,
        wechat=settings.enable_wechat,
        wecom=settings.enable_wecom,
    )
    if settings.enable_onebot:
        from nonebot.adapters.onebot.v11 import Adapter as OneBotAdapter

        from bot import inbound
        from bot.delivery.channels.onebot import OneBotChannel

        driver.register_adapter(OneBotAdapter)
        channels.register(OneBotChannel())
        inbound.install()
    if settings.enable_console:
        from nonebot.adapters.console import Adapter as ConsoleAdapter

        from bot.delivery.channels.console import ConsoleChannel

        driver.register_adapter(ConsoleAdapter)
        channels.register(ConsoleChannel())
    if settings.enable_wechat:
        from bot.adapters.wechat_oa import Adapter as WechatAdapter
        from bot.delivery.channels.wechat import WechatChannel

        driver.register_adapter(WechatAdapter)
        channels.register(WechatChannel())
    if settings.enable_wecom:
        from bot.adapters.wecom import Adapter as WecomAdapter
        from bot.delivery.channels.wecom import WecomChannel

        driver.register_adapter(WecomAdapter)
        channels.register(WecomChannel())
    if settings.enable_wecom_robots:
        from bot.delivery.channels.wecom_robot import WecomRobotChannel

        channels.register(WecomRobotChannel())
    if settings.sms_provider:
        from bot.delivery.channels.sms import SmsChannel

        channels.register(SmsChannel())


def plugin_modules(plugin_dir: Path = PLUGIN_DIR) -> list[str]:
    """Every feature package under plugins/, as module names (works from any working directory)."""
    return sorted(
        f"plugins.{path.name}"
        for path in plugin_dir.iterdir()
        if path.is_dir() and (path / "__init__.py").exists()
    )


# Plugins that serve one channel's own events; without that channel they would only add matchers
# that NoneBot checks for every event.
CHANNEL_PLUGINS = {"plugins.wechat": "enable_wechat"}


def load_plugins(plugin_dir: Path = PLUGIN_DIR, settings: Settings | None = None) -> None:
    """Import the plugins (each registers its commands), then install the one command matcher.

    With `settings`, a channel's own plugin is left out while that channel is disabled.
    """
    from bot import chat

    nonebot.load_all_plugins(enabled_plugin_modules(settings, plugin_dir), [])
    chat.install()


def enabled_plugin_modules(settings: Settings | None, plugin_dir: Path = PLUGIN_DIR) -> list[str]:
    """Every plugin, less those of disabled channels (all of them when `settings` is None)."""
    return [
        module
        for module in plugin_modules(plugin_dir)
        if settings is None or getattr(settings, CHANNEL_PLUGINS.get(module, ""), True)
    ]


def install_console(settings: Settings) -> None:
    """The staff web console on the driver's FastAPI app (the combined driver's type is
    "fastapi+aiohttp", so look for "fastapi" in it rather than for equality)."""
    driver = nonebot.get_driver()
    if not settings.console_enabled or "fastapi" not in driver.type.split("+"):
        return
    from bot import console

    console.install(nonebot.get_app())


def install_sms_receipts(settings: Settings) -> None:
    """The SMS provider's delivery-receipt endpoint on the driver's FastAPI app (when SMS is on)."""
    driver = nonebot.get_driver()
    if not settings.sms_provider or "fastapi" not in driver.type.split("+"):
        return
    from bot.adapters import sms_receipts

    sms_receipts.install(nonebot.get_app(), driver)


def install_hooks() -> None:
    driver = nonebot.get_driver()
    driver.on_startup(bootstrap.startup)
    driver.on_shutdown(bootstrap.shutdown)


def check_driver(settings: Settings) -> None:
    """The NoneBot driver must serve HTTP/WebSocket for OneBot and WeChat, and make HTTP calls for
    WeChat's API (`nb run` takes it from DRIVER in .env, `python -m bot` sets it)."""
    from nonebot.drivers import ASGIMixin, HTTPClientMixin

    driver = nonebot.get_driver()
    serves = isinstance(driver, ASGIMixin) or not serves_http(settings)
    calls = isinstance(driver, HTTPClientMixin) or not (settings.enable_wechat or settings.enable_wecom)
    if not (serves and calls):
        raise ConfigurationError(
            f"DRIVER={driver.type!r}: expected ~fastapi+~aiohttp (set DRIVER=~fastapi+~aiohttp in .env)"
        )


def create(settings: Settings | None = None) -> None:
    """Initialise NoneBot with everything; `nonebot.run()` then serves.

    Raises ConfigurationError (one line per problem) when the settings are unusable or unsafe.
    """
    if settings is None:
        try:
            settings = get_settings()
        except SettingsError as error:
            raise ConfigurationError(str(error)) from None
    check_settings(settings)
    nonebot.init(**nonebot_options(settings))
    nonebot.load_plugin("bot.plugin")  # adapters, channels, start-up hooks, the command matchers
    nonebot.load_all_plugins(enabled_plugin_modules(settings), [])

"""Server side of bench/wechat_webhook.py: the full app (every plugin, the WeChat adapter) plus
(a) a bare route that only decrypts, parses and encrypts a constant reply with wechatpy, and
(b) an echo command handled through the adapter and NoneBot like every other command."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import nonebot  # noqa: E402
from fastapi import Request as HttpRequest  # noqa: E402
from fastapi import Response  # noqa: E402
from wechatpy import create_reply, parse_message  # noqa: E402
from wechatpy.crypto import WeChatCrypto  # noqa: E402

from bot.app import create  # noqa: E402
from bot.chat import Request, router  # noqa: E402
from bot.config import get_settings, reset_settings_cache  # noqa: E402

BARE_PATH = "/bench/bare"


def add_bare_route() -> None:
    settings = get_settings()
    crypto = WeChatCrypto(settings.wechat_token, settings.wechat_aes_key, settings.wechat_app_id)

    async def bare(request: HttpRequest) -> Response:
        query = request.query_params
        body = await request.body()
        xml = crypto.decrypt_message(body, query["msg_signature"], query["timestamp"], query["nonce"])
        reply = create_reply("收到", parse_message(xml)).render()
        sealed = crypto.encrypt_message(reply, query["nonce"], query["timestamp"])
        return Response(sealed, media_type="application/xml")

    nonebot.get_app().add_api_route(BARE_PATH, bare, methods=["POST"])


def add_echo_command() -> None:
    @router.command("回声", usage="回声 <文字>", summary="基准测试用", doc="benchmark only", listed=False)
    async def _echo(req: Request) -> str:
        return req.args


def profile_to(path: str) -> None:
    """BENCH_PROFILE=<file>: profile the server's CPU (cProfile) and dump the stats at shutdown."""
    import cProfile

    profiler = cProfile.Profile()
    profiler.enable()

    @nonebot.get_driver().on_shutdown
    async def _dump() -> None:
        profiler.disable()
        profiler.dump_stats(path)


def main() -> None:
    import os

    reset_settings_cache()
    create()
    add_bare_route()
    add_echo_command()
    if os.environ.get("BENCH_PROFILE"):
        profile_to(os.environ["BENCH_PROFILE"])
    nonebot.run()


if __name__ == "__main__":
    main()

"""The real app in a subprocess on loopback (FastAPI driver, every plugin, SQLite file), the fake
WeChat API in this process, and the WeChat side that signs and encrypts requests."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import sqlite3
import sys
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.wechat.fake_api import FakeWechat
from tests.wechat.wechat_side import AES_KEY, APP_ID, TOKEN, WechatSide

ROOT = Path(__file__).resolve().parents[2]
PASSIVE_WINDOW = 2.0  # generous: a loaded CI machine must still answer ordinary commands in time
SLOW = f"慢查询 {PASSIVE_WINDOW + 0.6}"  # the test-only command that outlasts the window


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class AppProcess:
    url: str
    db_path: Path
    db_url: str
    log_path: Path
    process: asyncio.subprocess.Process

    def query(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        with sqlite3.connect(self.db_path, timeout=10) as conn:
            return conn.execute(sql, params).fetchall()

    def count(self, table: str) -> int:
        return self.query(f'SELECT COUNT(*) FROM "{table}"')[0][0]

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    async def seed(self, *ops: dict[str, Any], env: dict[str, str] | None = None) -> list[dict[str, Any]]:
        return await seed(self.db_url, list(ops), env)


async def seed(
    db_url: str, ops: list[dict[str, Any]], env: dict[str, str] | None = None
) -> list[dict[str, Any]]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.wechat.seed",
        db_url,
        json.dumps(ops, ensure_ascii=False),
        cwd=ROOT,
        env={**os.environ, "WEIYUAN_ENV_FILE": os.devnull, "LOG_LEVEL": "WARNING", **(env or {})},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    if process.returncode != 0:
        raise RuntimeError(f"seeding failed: {err.decode(errors='replace')}")
    return json.loads(out.decode().strip().splitlines()[-1])


def wechat_settings(api_base: str) -> dict[str, str]:
    """The app's WeChat settings for these tests: safe-mode keys of `wechat_side`, the fake API."""
    return {
        "ENABLE_WECHAT": "true",
        "WECHAT_APP_ID": APP_ID,
        "WECHAT_APP_SECRET": "test-secret",
        "WECHAT_TOKEN": TOKEN,
        "WECHAT_AES_KEY": AES_KEY,
        "WECHAT_ENCODING_MODE": "compatible",
        "WECHAT_API_BASE": api_base,
        "WECHAT_API_TIMEOUT_SECONDS": "3",
        "WECHAT_PASSIVE_REPLY_SECONDS": str(PASSIVE_WINDOW),
        "WECHAT_MAX_BODY_BYTES": "65536",
    }


def app_env(fake: FakeWechat, db_url: str, port: int, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WECHAT_", "ONEBOT_", "ENABLE_"))}
    env.update(
        WEIYUAN_ENV_FILE=os.devnull,
        PYTHONPATH=str(ROOT),
        ENABLE_ONEBOT="false",
        ENABLE_CONSOLE="false",
        DATABASE_URL=db_url,
        HOST="127.0.0.1",
        PORT=str(port),
        LOG_LEVEL="INFO",
        DISPATCH_INTERVAL_SECONDS="0.2",
        DELIVERY_RETRY_BASE_SECONDS="0.2",
    )
    env.update(wechat_settings(fake.base_url))
    env.update(extra)
    return env


async def start_app(
    tmp: Path,
    env: dict[str, str],
    extra_plugins: list[str],
    port: int,
    wait_url: str,
    wait_params: Callable[[], dict[str, str]] | None = None,
) -> asyncio.subprocess.Process:
    """Start the app; ready once a signed GET of `wait_url` (with `wait_params()`) answers 200."""
    log = (tmp / "app.log").open("wb")
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.wechat.launcher",
        *extra_plugins,
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=asyncio.subprocess.STDOUT,
    )
    if wait_params is None:
        side_query = WechatSide(wait_url, None).query  # type: ignore[arg-type]

        def wait_params() -> dict[str, str]:
            return {**side_query(), "echostr": "up"}

    async with aiohttp.ClientSession() as session:
        for _ in range(300):
            if process.returncode is not None:
                break
            try:
                async with session.get(wait_url, params=wait_params()) as response:
                    if response.status == 200:
                        return process
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)
    if process.returncode is None:
        process.kill()
    raise RuntimeError("the app did not start:\n" + (tmp / "app.log").read_text(errors="replace")[-4000:])


@pytest.fixture(scope="module")
async def fake_wechat() -> AsyncIterator[FakeWechat]:
    fake = await FakeWechat().start()
    yield fake
    await fake.stop()


@pytest.fixture(scope="module")
async def wechat_app(
    tmp_path_factory: pytest.TempPathFactory, fake_wechat: FakeWechat
) -> AsyncIterator[AppProcess]:
    tmp = tmp_path_factory.mktemp("wechat-app")
    db_path = tmp / "app.sqlite3"
    db_url = f"sqlite://{db_path}"
    await seed(db_url, [])
    port = free_port()
    url = f"http://127.0.0.1:{port}/wechat/oa"
    process = await start_app(
        tmp, app_env(fake_wechat, db_url, port), ["tests.wechat.slow_plugin"], port, url
    )
    app = AppProcess(url, db_path, db_url, tmp / "app.log", process)
    yield app
    process.terminate()
    try:
        await asyncio.wait_for(process.wait(), 10)
    except TimeoutError:
        process.kill()


@pytest.fixture
async def side(wechat_app: AppProcess, fake_wechat: FakeWechat) -> AsyncIterator[WechatSide]:
    fake_wechat.reset()
    async with aiohttp.ClientSession() as session:
        yield WechatSide(wechat_app.url, session)

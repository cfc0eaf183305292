"""The real app in a subprocess on loopback with the 企业微信 app and group robots enabled (SQLite file,
every plugin), the fake 企业微信 API in this process, and the 企业微信 side that signs and encrypts."""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import AsyncIterator

import aiohttp
import pytest

from tests.delivery.conftest import configure, registry  # noqa: F401 (fixtures for these tests)
from tests.wechat.conftest import PASSIVE_WINDOW, ROOT, AppProcess, free_port, seed, start_app
from tests.wecom.fake_api import FakeWecom
from tests.wecom.wecom_side import AES_KEY, AGENT_ID, CORP_ID, SECRET, TOKEN, WecomSide

ROBOT_KEY = "c0ffee00-1111-4222-8333-robotkey0001"  # a secret: must never reach the app's log
ROBOT_GROUP = "office"
PATH = "/wecom/app"


def wecom_env(api_base: str, db_url: str, port: int) -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("WECHAT_", "WECOM_", "ONEBOT_", "ENABLE_"))
    }
    env.update(
        WEIYUAN_ENV_FILE=os.devnull,
        PYTHONPATH=str(ROOT),
        ENABLE_ONEBOT="false",
        ENABLE_CONSOLE="false",
        DATABASE_URL=db_url,
        HOST="127.0.0.1",
        PORT=str(port),
        LOG_LEVEL="DEBUG",  # the robot key must stay out of even the most talkative log
        DISPATCH_INTERVAL_SECONDS="0.2",
        DELIVERY_RETRY_BASE_SECONDS="0.2",
        QUIET_HOURS_START="00:00",
        QUIET_HOURS_END="00:00",
        ENABLE_WECOM="true",
        WECOM_CORP_ID=CORP_ID,
        WECOM_AGENT_ID=str(AGENT_ID),
        WECOM_SECRET=SECRET,
        WECOM_TOKEN=TOKEN,
        WECOM_AES_KEY=AES_KEY,
        WECOM_PATH=PATH,
        WECOM_API_BASE=api_base,
        WECOM_API_TIMEOUT_SECONDS="3",
        WECOM_PASSIVE_REPLY_SECONDS=str(PASSIVE_WINDOW),
        WECOM_MAX_BODY_BYTES="65536",
        WECOM_PRIVATE_INTERVAL_SECONDS="0",
        ENABLE_WECOM_ROBOTS="true",
        WECOM_ROBOTS=json.dumps({ROBOT_GROUP: ROBOT_KEY}),
        GREETING_GROUPS=json.dumps([f"wecom_robot:{ROBOT_GROUP}"]),
    )
    return env


@pytest.fixture(scope="module")
async def fake_wecom() -> AsyncIterator[FakeWecom]:
    fake = await FakeWecom({ROBOT_KEY: ROBOT_GROUP}).start()
    yield fake
    await fake.stop()


@pytest.fixture(scope="module")
async def wecom_app(
    tmp_path_factory: pytest.TempPathFactory, fake_wecom: FakeWecom
) -> AsyncIterator[AppProcess]:
    tmp = tmp_path_factory.mktemp("wecom-app")
    db_path = tmp / "app.sqlite3"
    db_url = f"sqlite://{db_path}"
    await seed(db_url, [])
    port = free_port()
    url = f"http://127.0.0.1:{port}{PATH}"
    side = WecomSide(url, None)
    process = await start_app(
        tmp,
        wecom_env(fake_wecom.base_url, db_url, port),
        ["tests.wechat.slow_plugin"],
        port,
        url,
        wait_params=lambda: side.verification("up"),
    )
    app = AppProcess(url, db_path, db_url, tmp / "app.log", process)
    yield app
    process.terminate()
    try:
        await asyncio.wait_for(process.wait(), 10)
    except TimeoutError:
        process.kill()


@pytest.fixture
async def side(wecom_app: AppProcess, fake_wecom: FakeWecom) -> AsyncIterator[WecomSide]:
    fake_wecom.reset()
    async with aiohttp.ClientSession() as session:
        yield WecomSide(wecom_app.url, session)

"""Test set-up: NoneBot (through nonebug) with every plugin, and a fresh database per test.

Database-backed tests take the `db` fixture, which runs on SQLite and, when a PostgreSQL server
is reachable, again on PostgreSQL (each session creates and drops its own database there).
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from nonebug import NONEBOT_INIT_KWARGS, NONEBOT_START_LIFESPAN

os.environ["WEIYUAN_ENV_FILE"] = os.devnull  # never read a developer's .env in tests
os.environ.setdefault("LOG_LEVEL", "WARNING")
# Tests drive the bot far faster than people type; the rate limit has its own tests.
os.environ.setdefault("RATE_LIMIT_BURST", "0")

PG_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
TEST_TOKEN = "test-onebot-token"
SUPERUSER = "qq:999000"


def pytest_configure(config: pytest.Config) -> None:
    config.stash[NONEBOT_INIT_KWARGS] = {
        "driver": "~fastapi+~aiohttp",
        "command_start": ["/", ""],
        "onebot_access_token": TEST_TOKEN,
        "log_level": "WARNING",
    }
    config.stash[NONEBOT_START_LIFESPAN] = False


def _on_postgres(item: pytest.Item) -> bool:
    return "[postgres" in item.nodeid or "-postgres" in item.nodeid


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark what `scripts/test.sh --fast` leaves out, then run every SQLite case before every
    PostgreSQL case (one backend switch per session).

    `postgres`: every case on the PostgreSQL backend; `e2e`: every test in a file or folder named
    *e2e* (and modules that say `pytestmark = pytest.mark.e2e`): real processes and sockets.
    """
    for item in items:
        if _on_postgres(item):
            item.add_marker(pytest.mark.postgres)
        if "e2e" in item.nodeid.split("::")[0]:
            item.add_marker(pytest.mark.e2e)
    items.sort(key=_on_postgres)


@pytest.fixture(scope="session", autouse=True)
async def after_nonebot_init(_nonebot_init: None) -> None:
    from bot.app import load_plugins, register_adapters
    from bot.config import load_settings

    register_adapters(load_settings(enable_console=True, enable_onebot=True, onebot_access_token=TEST_TOKEN))
    load_plugins()


@pytest.fixture(autouse=True)
def settings(monkeypatch: pytest.MonkeyPatch):
    """Fresh settings for each test; tests override fields with `settings_override`."""
    from bot import config

    monkeypatch.setenv("SUPERUSERS", f'["{SUPERUSER}"]')
    config.reset_settings_cache()
    yield config.get_settings()
    config.reset_settings_cache()


@pytest.fixture(autouse=True)
def _fresh_caches():
    """Tables are emptied between tests, so the in-process caches (and forms left waiting) must be too."""
    from bot.chat import limits, router
    from bot.services.cache import clear_all

    clear_all()
    limits.reset()
    router.pending.clear()
    yield
    clear_all()
    limits.reset()
    router.pending.clear()


class FrozenClock:
    def __init__(self, start: datetime) -> None:
        self.current = start

    def __call__(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> None:
        from datetime import timedelta

        self.current += timedelta(**delta)

    def set(self, moment: datetime) -> None:
        self.current = moment


@pytest.fixture
def clock():
    """A frozen clock at 2026-06-01 09:00 Asia/Shanghai (01:00 UTC), moved by hand."""
    from bot import clock as clock_module

    frozen = FrozenClock(datetime(2026, 6, 1, 1, 0, tzinfo=UTC))
    clock_module.set_clock(frozen)
    yield frozen
    clock_module.set_clock(None)


async def _postgres_reachable() -> bool:
    try:
        import asyncpg

        conn = await asyncio.wait_for(asyncpg.connect(PG_ADMIN_URL), timeout=3)
    except Exception:
        return False
    await conn.close()
    return True


class PostgresDatabase:
    """A throwaway database on the local PostgreSQL server, one per test session."""

    def __init__(self) -> None:
        self.name = f"weiyuan_test_{uuid.uuid4().hex[:10]}"
        base = PG_ADMIN_URL.rsplit("/", 1)[0]
        self.url = f"{base}/{self.name}"

    async def create(self) -> None:
        import asyncpg

        conn = await asyncpg.connect(PG_ADMIN_URL)
        await conn.execute(f'CREATE DATABASE "{self.name}"')
        await conn.close()

    async def drop(self) -> None:
        import asyncpg

        conn = await asyncpg.connect(PG_ADMIN_URL)
        await conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        await conn.close()


@pytest.fixture(scope="session")
async def postgres_url() -> AsyncIterator[str | None]:
    if not await _postgres_reachable():
        yield None
        return
    database = PostgresDatabase()
    await database.create()
    yield database.url
    await database.drop()


def _all_tables() -> list[str]:
    """Every table of the models app, M2M link tables included (new models need no edit here)."""
    from tortoise import Tortoise

    tables: set[str] = set()
    for model in Tortoise.apps["models"].values():
        tables.add(model._meta.db_table)
        for field_name in model._meta.m2m_fields:
            tables.add(model._meta.fields_map[field_name].through)
    return sorted(tables)


async def _empty_tables() -> None:
    from tortoise import connections

    conn = connections.get("default")
    tables = _all_tables()
    if conn.capabilities.dialect == "postgres":
        joined = ", ".join(f'"{t}"' for t in tables)
        await conn.execute_script(f"TRUNCATE {joined} RESTART IDENTITY CASCADE")
    else:
        await conn.execute_script("PRAGMA foreign_keys = OFF")
        for table in tables:
            await conn.execute_script(f'DELETE FROM "{table}"')
        await conn.execute_script("DELETE FROM sqlite_sequence")
        await conn.execute_script("PRAGMA foreign_keys = ON")


_current_url: list[str] = []


async def use_database(url: str) -> None:
    """Point this process's ORM at `url` (migrated) and empty every table."""
    from bot import db as database

    if _current_url != [url]:
        if _current_url:
            await database.disconnect()
        await database.connect(url)
        _current_url[:] = [url]
    await _empty_tables()


def _backend_url(param: str, postgres_url: str | None, sqlite_url: str) -> str:
    if param == "postgres":
        if postgres_url is None:
            pytest.skip(f"PostgreSQL not reachable at {PG_ADMIN_URL} (set TEST_POSTGRES_URL)")
        return postgres_url
    return sqlite_url


@pytest.fixture(params=["sqlite", "postgres"])
async def process_db(request: pytest.FixtureRequest, tmp_path) -> AsyncIterator[str]:
    """An empty database, not even migrated, for another process (a migration run): a SQLite file, then a
    PostgreSQL database of its own when a server is reachable (dropped afterwards)."""
    if request.param == "sqlite":
        yield f"sqlite://{tmp_path / 'process.sqlite3'}"
        return
    if not await _postgres_reachable():
        pytest.skip(f"PostgreSQL not reachable at {PG_ADMIN_URL} (set TEST_POSTGRES_URL)")
    database = PostgresDatabase()
    await database.create()
    yield database.url
    await database.drop()


@pytest.fixture(params=["sqlite", "postgres"])
async def db(request: pytest.FixtureRequest, postgres_url: str | None) -> AsyncIterator[str]:
    """A migrated, empty database: SQLite in memory, then PostgreSQL when reachable."""
    await use_database(_backend_url(request.param, postgres_url, "sqlite://:memory:"))
    yield request.param


@pytest.fixture(params=["sqlite", "postgres"])
async def shared_db_url(
    request: pytest.FixtureRequest, postgres_url: str | None, tmp_path
) -> AsyncIterator[str]:
    """A migrated, empty database that another process can open too: a SQLite file or PostgreSQL."""
    url = _backend_url(request.param, postgres_url, f"sqlite://{tmp_path / 'shared.sqlite3'}")
    await use_database(url)
    yield url


@pytest.fixture(scope="session", autouse=True)
async def _database_lifecycle(postgres_url: str | None) -> AsyncIterator[None]:
    """Close whatever database the tests left open before the PostgreSQL one is dropped."""
    yield
    if _current_url:
        from bot import db as database

        await database.disconnect()
        _current_url.clear()

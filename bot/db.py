"""Database: tortoise configuration, migrations and connection lifecycle."""

from __future__ import annotations

import re
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

from tortoise import Tortoise

from bot import clock
from bot.config import PROJECT_ROOT, get_settings

MODELS_APP = "models"
SQLITE_DEFAULTS = {"synchronous": "NORMAL", "busy_timeout": "20000"}

# PostgreSQL (asyncpg) refuses a statement with more than 32,767 parameters, and a list of ids that
# grows with the roster reaches that at 32,768 members. Such a list becomes a join or a sub-query,
# or goes in chunks of this size.
ID_CHUNK = 5000
_Item = TypeVar("_Item")


def chunks(items: Iterable[_Item], size: int = ID_CHUNK) -> Iterator[list[_Item]]:
    """`items` in lists of at most `size`, in order (nothing for no items)."""
    batch = list(items)
    for start in range(0, len(batch), size):
        yield batch[start : start + size]


def normalise_url(url: str) -> str:
    """Make a relative SQLite path relative to the project root (the folder is made by `connect`).

    SQLite files run in WAL mode (tortoise's default) with `synchronous=NORMAL` unless the URL
    says otherwise: a commit then costs no fsync (the WAL is synced at checkpoints), which keeps a
    500-member check-in burst from queueing behind the disk. A crash of the process loses nothing;
    a power cut can lose the last moments of commits.

    A write waits up to `busy_timeout` (20 s unless the URL says otherwise) for another process's
    write lock (the operator CLI importing a roster, a second bot process) instead of failing after
    sqlite3's default 5 s: a member's command is answered late rather than refused. Webhooks never
    wait for it (see `bot.adapters.webhook.intake`).
    """
    if url.startswith("sqlite://") and url != "sqlite://:memory:":
        raw, _, query = url.removeprefix("sqlite://").partition("?")
        path = Path(raw)
        if not path.is_absolute():
            path = PROJECT_ROOT / path
        for pragma, default in SQLITE_DEFAULTS.items():
            if f"{pragma}=" not in query:
                query = "&".join(part for part in (query, f"{pragma}={default}") if part)
        return f"sqlite://{path}?{query}"
    return url


def tortoise_config(url: str | None = None) -> dict[str, Any]:
    return {
        "connections": {"default": normalise_url(url or get_settings().database_url)},
        "apps": {
            MODELS_APP: {
                "models": ["models"],
                "default_connection": "default",
                "migrations": "models.migrations",
            }
        },
        "use_tz": True,
        "timezone": "UTC",
    }


def __getattr__(name: str) -> Any:
    """`TORTOISE_ORM`, for the `tortoise` command (`tortoise -c bot.db.TORTOISE_ORM makemigrations`),
    is built when asked for: importing this module reads no settings and touches no file."""
    if name == "TORTOISE_ORM":
        return tortoise_config()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _make_sqlite_folder(url: str) -> None:
    if url.startswith("sqlite://") and url != "sqlite://:memory:":
        Path(url.removeprefix("sqlite://").partition("?")[0]).parent.mkdir(parents=True, exist_ok=True)


async def apply_migrations() -> list[str]:
    """Apply every pending migration on the open connection (the production path; never
    generate_schemas). Returns the names applied."""
    from tortoise import connections
    from tortoise.migrations.executor import MigrationExecutor

    config = tortoise_config()
    applied: list[str] = []
    executor = MigrationExecutor(connections.get("default"), config["apps"])
    await executor.migrate(None, progress=lambda event, app, name: applied.append(f"{app}.{name}"))
    return applied


def utc_text(value: datetime) -> str:
    """How SQLite stores a moment: UTC, fixed width, e.g. `2026-06-01 00:30:00.000000+00:00`.

    SQLite has no time type: it compares the stored text. tortoise's own adapter writes the moment
    in whatever zone it carries (`08:30:00+08:00`), and a comparison with `00:31:00+00:00` then
    goes the wrong way for eight hours. One zone and one width make text order the order of time.
    A naive value is taken as UTC (the ORM is configured with `use_tz` and UTC).
    """
    moment = value.astimezone(UTC) if value.tzinfo is not None else value.replace(tzinfo=UTC)
    return moment.isoformat(" ", timespec="microseconds")


def store_sqlite_times_in_utc() -> None:
    """Install `utc_text` as sqlite3's adapter for datetimes, over tortoise's (set at its import)."""
    import tortoise.backends.sqlite.client  # noqa: F401  (registers its adapter first)

    sqlite3.register_adapter(datetime, utc_text)


async def connect(url: str | None = None, *, run_migrations: bool = True) -> None:
    store_sqlite_times_in_utc()
    config = tortoise_config(url)
    _make_sqlite_folder(config["connections"]["default"])
    await Tortoise.init(config=config, _enable_global_fallback=True)
    if run_migrations:
        await apply_migrations()


def display_url(url: str) -> str:
    """The URL as an operator may read it in a message: without its password."""
    return re.sub(r"(://[^:/@]+:)[^@]*@", r"\1***@", url)


async def probe(url: str, timeout: float = 15.0) -> str | None:
    """Why the database at `url` cannot be used, in one line, or None: checked before the bot
    starts, so that a wrong DATABASE_URL stops it with that line instead of a traceback."""
    url = normalise_url(url)
    try:
        if url.startswith("sqlite://"):
            path = url.removeprefix("sqlite://").partition("?")[0]
            if path != ":memory:":
                _make_sqlite_folder(url)
                sqlite3.connect(path, timeout=timeout).close()
        else:
            import asyncpg

            dsn = url.partition("?")[0].replace("postgres://", "postgresql://", 1)
            connection = await asyncpg.connect(dsn, timeout=timeout)
            await connection.close()
    except Exception as exc:
        return f"{display_url(url.partition('?')[0])}: {type(exc).__name__}: {exc}".rstrip(": ")
    return None


async def disconnect() -> None:
    """Close connections and forget the app registry, so a later connect may use another backend."""
    from tortoise.backends.base.executor import EXECUTOR_CACHE

    await Tortoise.close_connections()
    await Tortoise._reset_apps()
    # Compiled INSERTs are cached per connection *name*; another backend under the same name
    # (tests switch SQLite → PostgreSQL) must not reuse them.
    EXECUTOR_CACHE.clear()


def is_postgres() -> bool:
    from tortoise import connections

    return connections.get("default").capabilities.dialect == "postgres"


@lru_cache(maxsize=64)
def _compiled(template: str, dialect: str) -> str:
    count = len(re.findall(r"\{\d+\}", template))
    marks = ["?"] * count if dialect == "sqlite" else [f"${i}" for i in range(1, count + 1)]
    return template.format(*marks)


async def execute(template: str, params: list[Any]) -> tuple[int, list[Any]]:
    """Run hand-written SQL on the default connection: `{0}`, `{1}`… become the dialect's placeholders.

    For the few statements on the hot path only, where building the query through the ORM costs
    more than running it. Returns (rows affected, rows).
    """
    from tortoise import connections

    conn = connections.get("default")
    return await conn.execute_query(_compiled(template, conn.capabilities.dialect), params)


_AFTER_COMMIT = "_weiyuan_after_commit"


def after_commit(callback: Callable[[], None]) -> None:
    """Run `callback` once the current transaction has committed, or now outside a transaction.

    tortoise has no commit hook: the outermost transaction's client (the one the task's context
    holds; nested blocks are savepoints on it) gets its `commit` wrapped once, and the callbacks run
    after the real commit. A rollback drops them.
    """
    from tortoise import connections
    from tortoise.backends.base.client import TransactionalDBClient

    conn = connections.get("default")
    if not isinstance(conn, TransactionalDBClient) or getattr(conn, "_finalized", False):
        callback()
        return
    callbacks: list[Callable[[], None]] | None = getattr(conn, _AFTER_COMMIT, None)
    if callbacks is None:
        callbacks = []
        setattr(conn, _AFTER_COMMIT, callbacks)
        commit = conn.commit

        async def commit_then_call() -> None:
            await commit()
            for queued in callbacks:
                queued()
            callbacks.clear()

        conn.commit = commit_then_call  # type: ignore[method-assign]
    if callback not in callbacks:
        callbacks.append(callback)


class DatabaseClock:
    """The database server's clock, for the times several processes compare (`clock.shared_now`).

    It is read from the server every `resync` seconds and carried forward on this process's
    monotonic clock in between: no query per reading, and a wall clock stepped on this host (NTP,
    an operator) changes nothing. The reading is taken half-way through the round trip.
    """

    def __init__(self, resync: float = 10.0, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.resync = resync
        self._monotonic = monotonic
        self._base: datetime | None = None
        self._base_at = 0.0

    async def sync(self) -> None:
        sent = self._monotonic()
        _, rows = await execute("SELECT clock_timestamp() AS now", [])
        received = self._monotonic()
        self._base, self._base_at = rows[0]["now"].astimezone(UTC), (sent + received) / 2

    async def __call__(self) -> datetime:
        if self._base is None or self._monotonic() - self._base_at >= self.resync:
            await self.sync()
        assert self._base is not None
        return self._base + timedelta(seconds=self._monotonic() - self._base_at)


def use_database_clock() -> None:
    """On PostgreSQL, make the server's clock the one every process compares (`clock.shared_now`);
    on SQLite (one process, one host) the process clock is that clock already."""
    clock.set_shared_clock(DatabaseClock() if is_postgres() else None)

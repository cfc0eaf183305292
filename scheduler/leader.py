"""Leader election: exactly one process runs the scheduler.

On PostgreSQL the leader holds a session-level advisory lock (`pg_try_advisory_lock`) on a dedicated
connection. Others retry every SCHEDULER_LEADER_RETRY_SECONDS; when the leader dies its session ends,
PostgreSQL releases the lock and the next try wins. The leader checks its own connection at the same
pace and steps down if it is lost. On SQLite the single process is the leader.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit, urlunsplit

from loguru import logger

Callback = Callable[[], Awaitable[None]]

# A leader whose host vanishes without closing its socket must lose the lock well within 30 s:
# the server probes the idle session after 10 s, then every 5 s, and drops it after 3 misses.
# If the lock ever moves while the old leader still sweeps, the outbox dedupe keys still keep
# every message single.
SESSION_SETTINGS = {
    "application_name": "weiyuan-scheduler",
    "tcp_keepalives_idle": "10",
    "tcp_keepalives_interval": "5",
    "tcp_keepalives_count": "3",
}


def asyncpg_dsn(database_url: str) -> str:
    """tortoise URL → asyncpg DSN (tortoise's own query options are dropped)."""
    parts = urlsplit(database_url)
    return urlunsplit(("postgresql", parts.netloc, parts.path, "", ""))


class LeaderElection:
    """Campaign for the lock; call `on_elected` when won and `on_lost` when the lock is lost."""

    def __init__(
        self,
        dsn: str,
        *,
        key: int,
        retry_seconds: float,
        on_elected: Callback,
        on_lost: Callback,
        name: str = "scheduler",
    ) -> None:
        self.dsn = dsn
        self.key = key
        self.retry_seconds = retry_seconds
        self.on_elected = on_elected
        self.on_lost = on_lost
        self.name = name
        self.is_leader = False
        self.connection: object | None = None
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=f"leader-election-{self.name}")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self._step_down(reason="stepping down (shutdown)")
        await self._close()

    async def _close(self) -> None:
        connection, self.connection = self.connection, None
        if connection is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(connection.close(), timeout=2)  # type: ignore[attr-defined]

    async def _step_down(self, *, reason: str = "leadership lost") -> None:
        if self.is_leader:
            self.is_leader = False
            logger.warning("{}: {}", self.name, reason)
            await self.on_lost()

    async def _try_once(self) -> None:
        import asyncpg

        if self.connection is None or self.connection.is_closed():  # type: ignore[attr-defined]
            await self._step_down()  # the lock lived in the session that is gone
            await self._close()
            self.connection = await asyncpg.connect(
                self.dsn, timeout=self.retry_seconds + 5, server_settings=SESSION_SETTINGS
            )
        conn = self.connection
        if self.is_leader:
            await asyncio.wait_for(conn.fetchval("SELECT 1"), timeout=self.retry_seconds + 5)  # type: ignore[attr-defined]
            return
        won = await conn.fetchval("SELECT pg_try_advisory_lock($1)", self.key)  # type: ignore[attr-defined]
        if won:
            self.is_leader = True
            logger.info("{}: this process leads", self.name)
            await self.on_elected()

    async def _run(self) -> None:
        while True:
            try:
                await self._try_once()
            except asyncio.CancelledError:
                raise
            except Exception as error:
                logger.warning("{}: lock connection failed ({})", self.name, error)
                await self._step_down()
                await self._close()
            await asyncio.sleep(self.retry_seconds)

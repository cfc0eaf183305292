"""Who sends for each platform account: one process at a time, so that one account has one pace
and one daily cap whatever the number of processes.

On PostgreSQL a process that can send on a platform (its channel is available: for QQ, a OneBot
connection) campaigns for a session-level advisory lock keyed by (platform, account) on a
connection of its own. The holder sends for that account; the others neither claim its rows nor
pace for it. The lock goes with the holder's session: a process that dies, or whose connection to
the platform drops, frees the account for the next one within one refresh. Two processes connected
to two different accounts of one platform hold two locks, and both send.

Every connected process also holds a shared lock (platform, CONNECTED), and every process reads
which platforms some process is connected to (`pg_locks`, `up`): it leaves their rows alone, even
while the account passes from one process to another, and picks up only the rows of a platform no
process is connected to (a member's next channel may reach them).

SQLite is one process: it sends for every platform it can.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from loguru import logger

from bot.db import is_postgres

# Two-key advisory locks (objsubid 2 in pg_locks); the scheduler's leader lock and the broadcast
# numbering use one-key locks, so the two kinds never collide.
LOCKS_QUERY = (
    "SELECT DISTINCT classid::bigint AS platform FROM pg_locks"
    " WHERE locktype = 'advisory' AND objsubid = 2 AND granted"
    " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
)
SESSION_SETTINGS = {
    "application_name": "weiyuan-senders",
    "tcp_keepalives_idle": "10",
    "tcp_keepalives_interval": "5",
    "tcp_keepalives_count": "3",
}


CONNECTED = 0  # the second key of the shared "a process is connected to this platform" lock


def lock_key(text: str) -> int:
    """A stable int4 for a platform or account name: positive (0 is `CONNECTED`)."""
    return (zlib.crc32(text.encode()) & 0x7FFFFFFF) or 1


@dataclass
class Senders:
    """This process's view: the platforms it sends for (`held`) and those any process sends for (`up`)."""

    refresh_seconds: float = 1.0
    monotonic: Callable[[], float] = time.monotonic
    held: dict[str, str] = field(default_factory=dict)  # platform -> account
    up: set[str] = field(default_factory=set)
    gained: set[str] = field(default_factory=set)  # taken over since the last `take_gained()`
    _connection: Any = None
    _target: tuple[object, ...] | None = None
    _refreshed_at: float = float("-inf")
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    _users: int = 0
    _wanted: dict[str, str] = field(default_factory=dict)
    _connected: set[str] = field(default_factory=set)  # platforms whose shared "connected" lock is held

    def enter(self) -> None:
        """A dispatcher starts working in this process (the first one campaigns at its next look)."""
        if not self._users:
            self._refreshed_at = float("-inf")
        self._users += 1

    async def leave(self) -> None:
        """A dispatcher stops; the last one out gives every account up for other processes."""
        self._users = max(0, self._users - 1)
        if not self._users:
            await self.refresh({}, force=True)
            self.gained.clear()
            self._refreshed_at = float("-inf")

    def holds(self, platform: str) -> bool:
        return platform in self.held

    def take_gained(self) -> set[str]:
        gained, self.gained = self.gained, set()
        return gained

    async def refresh(self, wanted: dict[str, str], *, force: bool = False) -> None:
        """Campaign for `wanted` (platform -> account this process can send with), give up the rest.

        At most every `refresh_seconds`, and at once when what this process can send with changed
        (a connection came or went): a process always knows whether it sends for what it can send."""
        changed = wanted != self._wanted
        if not force and not changed and self.monotonic() - self._refreshed_at < self.refresh_seconds:
            return
        async with self._lock:
            self._refreshed_at = self.monotonic()
            self._wanted = dict(wanted)
            if not is_postgres():
                self._settle(dict(wanted))
                self.up = set(self.held)
                return
            try:
                await self._refresh_locks(wanted)
            except Exception as error:
                logger.warning("outbox senders: lock connection failed ({}); sending for nobody", error)
                self._settle({})
                self.up = set()
                await self.close()

    def _settle(self, held: dict[str, str]) -> None:
        self.gained |= {p for p, account in held.items() if self.held.get(p) != account}
        for platform in set(self.held) - set(held):
            logger.info("outbox senders: this process no longer sends for {}", platform)
        for platform in set(held) - set(self.held):
            logger.info("outbox senders: this process sends for {} (account {})", platform, held[platform])
        self.held = held

    async def _connect(self) -> object:
        import asyncpg
        from tortoise import connections

        client: Any = connections.get("default")
        while not hasattr(client, "host") and hasattr(client, "_parent"):  # inside a transaction
            client = client._parent
        target = (client.host, client.port, client.user, client.database)
        conn: Any = self._connection
        if conn is not None and (self._target != target or conn.is_closed()):
            self._settle({})
            await self.close()
            conn = None
        if conn is None:
            conn = await asyncpg.connect(
                host=client.host,
                port=client.port,
                user=client.user,
                password=client.password,
                database=client.database,
                timeout=10,
                server_settings=SESSION_SETTINGS,
            )
            self._connection, self._target = conn, target
        return conn

    async def _refresh_locks(self, wanted: dict[str, str]) -> None:
        conn: Any = await self._connect()
        held = dict(self.held)
        for platform, account in list(held.items()):
            if wanted.get(platform) != account:  # no longer connected, or another account now
                await conn.fetchval(
                    "SELECT pg_advisory_unlock($1, $2)", lock_key(platform), lock_key(account)
                )
                del held[platform]
        for platform in set(self._connected) - set(wanted):
            await conn.fetchval("SELECT pg_advisory_unlock_shared($1, $2)", lock_key(platform), CONNECTED)
            self._connected.discard(platform)
        for platform, account in wanted.items():
            if platform not in self._connected:  # "connected here": keeps the others off its rows
                await conn.fetchval("SELECT pg_advisory_lock_shared($1, $2)", lock_key(platform), CONNECTED)
                self._connected.add(platform)
            if platform in held:
                continue
            won = await conn.fetchval(
                "SELECT pg_try_advisory_lock($1, $2)", lock_key(platform), lock_key(account)
            )
            if won:
                held[platform] = account
        keys = {row["platform"] for row in await conn.fetch(LOCKS_QUERY)}
        self._settle(held)
        self.up = {p for p in self._known(wanted) if lock_key(p) in keys} | set(held)

    def _known(self, wanted: dict[str, str]) -> Iterable[str]:
        from bot.delivery import channels

        return set(channels.registered()) | set(wanted)

    async def close(self) -> None:
        conn, self._connection = self._connection, None
        self._connected.clear()
        if conn is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(conn.close(), timeout=2)


_this_process: Senders | None = None


def this_process() -> Senders:
    """The process's one view (every dispatcher in a process sends as that process)."""
    global _this_process
    if _this_process is None:
        _this_process = Senders()
    return _this_process

"""Leader election on PostgreSQL: one leader at a time; another takes over when it dies."""

from __future__ import annotations

import asyncio
import os
import random
import signal
import sys

import pytest

from bot.config import PROJECT_ROOT
from scheduler.leader import LeaderElection, asyncpg_dsn
from tests.conftest import PG_ADMIN_URL

pytestmark = [pytest.mark.postgres, pytest.mark.e2e]

DEADLINE = 30.0  # seconds: the takeover promise
RETRY = 0.2


class Candidate:
    def __init__(self, name: str, dsn: str, key: int) -> None:
        self.name = name
        self.elected = asyncio.Event()
        self.lost = asyncio.Event()
        self.events: list[str] = []
        self.election = LeaderElection(
            dsn, key=key, retry_seconds=RETRY, on_elected=self._elected, on_lost=self._lost, name=name
        )

    async def _elected(self) -> None:
        self.events.append("elected")
        self.elected.set()

    async def _lost(self) -> None:
        self.events.append("lost")
        self.lost.set()


@pytest.fixture
async def dsn(postgres_url: str | None) -> str:
    if postgres_url is None:
        pytest.skip(f"PostgreSQL not reachable at {PG_ADMIN_URL} (set TEST_POSTGRES_URL)")
    return asyncpg_dsn(postgres_url)


def _key() -> int:
    return random.randint(10**9, 2 * 10**9)  # private to this test: other suites share the server


async def _first_leader(candidates: list[Candidate]) -> Candidate:
    waits = {asyncio.create_task(c.elected.wait()): c for c in candidates}
    done, pending = await asyncio.wait(waits, timeout=DEADLINE, return_when=asyncio.FIRST_COMPLETED)
    for task in pending:
        task.cancel()
    assert done, "nobody was elected"
    return waits[done.pop()]


async def test_one_leader_and_takeover_when_it_closes(dsn):
    key = _key()
    a, b = Candidate("a", dsn, key), Candidate("b", dsn, key)
    a.election.start()
    b.election.start()
    try:
        leader = await _first_leader([a, b])
        other = b if leader is a else a
        await asyncio.sleep(RETRY * 10)  # several more rounds: the other one still does not lead
        assert leader.election.is_leader and not other.election.is_leader
        assert other.events == [] and leader.events == ["elected"]
        conn = leader.election.connection
        assert await conn.fetchval("SHOW tcp_keepalives_idle") == "10"  # type: ignore[union-attr]
        await leader.election.stop()
        await asyncio.wait_for(other.elected.wait(), DEADLINE)
        assert other.election.is_leader and leader.events == ["elected", "lost"]
    finally:
        await a.election.stop()
        await b.election.stop()


async def test_leader_whose_session_is_killed_steps_down_and_the_lock_moves(dsn):
    import asyncpg

    key = _key()
    a, b = Candidate("a", dsn, key), Candidate("b", dsn, key)
    a.election.start()
    b.election.start()
    admin = await asyncpg.connect(dsn)
    try:
        leader = await _first_leader([a, b])
        pid = leader.election.connection.get_server_pid()  # type: ignore[union-attr]
        assert await admin.fetchval("SELECT pg_terminate_backend($1)", pid)
        await asyncio.wait_for(leader.lost.wait(), DEADLINE)
        assert "lost" in leader.events
        for _ in range(int(DEADLINE / RETRY)):
            if a.election.is_leader or b.election.is_leader:
                break
            await asyncio.sleep(RETRY)
        assert a.election.is_leader != b.election.is_leader  # exactly one leads again
        holders = await admin.fetchval(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = $1 AND granted", key
        )
        assert holders == 1
    finally:
        await admin.close()
        await a.election.stop()
        await b.election.stop()


CHILD = """
import asyncio, sys
from scheduler.leader import LeaderElection

async def main():
    async def elected():
        print("LEADER", flush=True)
    async def lost():
        print("LOST", flush=True)
    election = LeaderElection(
        sys.argv[1], key=int(sys.argv[2]), retry_seconds=0.2, on_elected=elected, on_lost=lost
    )
    election.start()
    await asyncio.sleep(3600)

asyncio.run(main())
"""


async def test_kill_9_of_the_leader_process_hands_over(dsn):
    key = _key()
    child = await asyncio.create_subprocess_exec(
        sys.executable, "-c", CHILD, dsn, str(key),
        cwd=PROJECT_ROOT, stdout=asyncio.subprocess.PIPE, env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)},
    )  # fmt: skip
    local = Candidate("local", dsn, key)
    try:
        line = await asyncio.wait_for(child.stdout.readline(), DEADLINE)  # type: ignore[union-attr]
        assert line.strip() == b"LEADER"
        local.election.start()
        await asyncio.sleep(RETRY * 10)
        assert not local.election.is_leader  # the child holds the lock
        child.send_signal(signal.SIGKILL)
        await child.wait()
        await asyncio.wait_for(local.elected.wait(), DEADLINE)
        assert local.election.is_leader
    finally:
        if child.returncode is None:
            child.kill()
            await child.wait()
        await local.election.stop()

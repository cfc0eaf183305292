"""The real delivery path: a broadcast through the running bot's OneBot channel (`--path real`).

For each roster size and process count: a throwaway PostgreSQL database with N members bound on QQ
(seeded with COPY), P bot processes (`python -m bot`, pacing off, no daily cap, no quiet hours), each
with its own QQ account: a OneBot peer process that answers every action at once. N outbox rows are
enqueued; the clock runs until every row is final. Printed: the total time, messages per second, the
bots' CPU per message (from /proc), and the same N `send_private_msg` frames driven directly over a
loopback WebSocket to the same kind of peer (the baseline: the cost of the round trip alone).
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIRST_QQ = 1_000_000
TOKEN = "bench-token"
TEMPLATE = "delivery/unreachable_notice.j2"
APP_ENV = {
    "QQ_PRIVATE_INTERVAL_SECONDS": "0",
    "QQ_PRIVATE_JITTER_SECONDS": "0",
    "QQ_DAILY_CAP": "0",
    "QUIET_HOURS_START": "00:00",
    "QUIET_HOURS_END": "00:00",
    "DELIVERY_ORDER": '["qq"]',
    "DELIVERY_CLAIM_BATCH": "500",
    "DELIVERY_REPORT_UNREACHABLE": "false",
    "DISPATCH_INTERVAL_SECONDS": "0.2",
    "SCHEDULER_ENABLED": "false",
    "LOG_LEVEL": "WARNING",
}


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class Figures:
    label: str
    n: int
    seconds: float
    cpu: float  # seconds of CPU, all measured processes together
    peer_cpu: float = 0.0

    @property
    def cpu_ms_per_message(self) -> float:
        return self.cpu / self.n * 1000

    def line(self) -> str:
        return (
            f"{self.label:<28} {self.seconds:8.2f} s  {self.n / self.seconds:8,.0f} msgs/s  "
            f"CPU {self.cpu_ms_per_message:6.3f} ms/msg  (peer {self.peer_cpu / self.n * 1000:.3f} ms/msg)"
        )


class Peer:
    """bench/onebot_fast_peer.py in a process of its own."""

    def __init__(self, url: str, self_id: int) -> None:
        script = str(ROOT / "bench" / "onebot_fast_peer.py")
        self.process = subprocess.Popen(
            [sys.executable, script, url, TOKEN, str(self_id)],
            stdout=subprocess.PIPE,
            text=True,
        )

    async def connected(self, timeout: float = 60) -> None:
        assert self.process.stdout is not None
        line = await asyncio.wait_for(asyncio.to_thread(self.process.stdout.readline), timeout)
        if line.strip() != "connected":
            raise RuntimeError(f"peer did not connect: {line!r}")

    def stop(self) -> dict[str, float]:
        self.process.terminate()
        out, _ = self.process.communicate(timeout=30)
        last = [line for line in out.splitlines() if line.startswith("{")]
        return json.loads(last[-1]) if last else {}


async def seed(url: str, n: int) -> list[int]:
    import asyncpg

    from bot import db

    await db.connect(url)  # migrations
    conn = await asyncpg.connect(url)
    try:
        now = datetime.now(UTC)
        ids = list(range(1, n + 1))
        await conn.copy_records_to_table(
            "member",
            records=[(m, f"委员{m:05d}", "", "", "member", False, False, "active", now, now) for m in ids],
            columns=[
                "id", "name", "gender", "sector", "role", "also_member", "birthday_lunar", "status",
                "created_at", "updated_at",
            ],
        )  # fmt: skip
        await conn.execute("SELECT setval(pg_get_serial_sequence('member', 'id'), $1)", n)
        await conn.copy_records_to_table(
            "identity",
            records=[(m, "qq", str(FIRST_QQ + m), True, now) for m in ids],
            columns=["member_id", "platform", "account_id", "active", "bound_at"],
        )
    finally:
        await conn.close()
    return ids


async def through_the_bot(url: str, n: int, processes: int, workdir: Path) -> tuple[Figures, float]:
    """N messages through `processes` running bots; returns the figures and the enqueue time."""
    from bot.delivery import outbox
    from bot.delivery.recipients import MemberRecipient
    from models import OutboxMessage, OutboxStatus
    from tests.support.app_process import AppProcess

    ids = await seed(url, n)
    apps = [
        AppProcess(database_url=url, env=APP_ENV, token=TOKEN, workdir=workdir / f"app{k}")
        for k in range(processes)
    ]
    peers: list[Peer] = []
    try:
        for app in apps:
            app.workdir.mkdir(parents=True)
            app.start()
        for k, app in enumerate(apps):
            await app.wait_ready(120)
            peers.append(Peer(app.ws_url, 10_001 + k))
            await peers[-1].connected()
        await asyncio.sleep(1.0)  # the bots register the connections and settle
        pids = [app.process.pid for app in apps if app.process is not None]
        before = [cpu_seconds(pid) for pid in pids]
        batch = uuid.uuid4().hex[:8]
        context = {"batch": batch, "names": ["林建国", "王海燕"]}
        messages = [
            outbox.Outgoing(f"real:{batch}:{m}", MemberRecipient(m), TEMPLATE, context, "notice", batch)
            for m in ids
        ]
        started = time.perf_counter()
        await outbox.enqueue_many(messages)
        enqueued = time.perf_counter() - started
        open_states = [OutboxStatus.PENDING, OutboxStatus.CLAIMED, OutboxStatus.SENDING]
        while await OutboxMessage.filter(batch=batch, status__in=open_states).exists():  # noqa: ASYNC110
            await asyncio.sleep(0.1)  # another process works: poll its rows
        seconds = time.perf_counter() - started
        cpu = sum(cpu_seconds(pid) - b for pid, b in zip(pids, before, strict=True))
        sent = await OutboxMessage.filter(batch=batch, status=OutboxStatus.SENT).count()
    finally:
        stats = [peer.stop() for peer in peers]
        for app in apps:
            app.stop()
    received = sum(int(s.get("send_private_msg", 0)) for s in stats)
    users = sum(int(s.get("users", 0)) for s in stats)
    if not (sent == received == users == n):
        raise RuntimeError(f"sent {sent}, peers received {received} for {users} users, expected {n}")
    peer_cpu = sum(float(s.get("cpu_seconds", 0)) for s in stats)
    label = f"bot, {processes} process{'es' if processes > 1 else ''}"
    return Figures(label, n, seconds, cpu, peer_cpu), enqueued


async def driven_directly(n: int) -> Figures:
    """The baseline: N send_private_msg frames over one loopback WebSocket to the same peer, each
    awaited before the next (as the bot's channel does), from this process."""
    from websockets.asyncio.server import serve

    from tests.support.app_process import free_port

    port = free_port()
    done = asyncio.get_running_loop().create_future()

    async def drive(ws) -> None:  # type: ignore[no-untyped-def]
        text = "通知 bench 已发送完毕，以下 2 位无法联系（未绑定QQ或微信），请另行通知：\n林建国、王海燕"
        started, cpu = time.perf_counter(), time.process_time()
        for i in range(n):
            frame = {
                "action": "send_private_msg",
                "params": {"user_id": FIRST_QQ + i, "message": [{"type": "text", "data": {"text": text}}]},
                "echo": str(i),
            }
            await ws.send(json.dumps(frame, ensure_ascii=False))
            reply = json.loads(await ws.recv())
            assert reply["echo"] == str(i) and reply["retcode"] == 0
        done.set_result((time.perf_counter() - started, time.process_time() - cpu))

    async with serve(drive, "127.0.0.1", port, max_size=None):
        peer = Peer(f"ws://127.0.0.1:{port}/onebot/v11/ws", 10_000)
        try:
            await peer.connected()
            seconds, cpu = await asyncio.wait_for(done, timeout=600)
        finally:
            stats = peer.stop()
    return Figures("driven directly (baseline)", n, seconds, cpu, float(stats.get("cpu_seconds", 0)))


async def run(
    sizes: list[int],
    process_counts: list[int],
    postgres_database: Callable[[], Awaitable[str | None]],
    drop_postgres: Callable[[str], Awaitable[None]],
) -> None:
    from bot import db

    print(f"== real path: OneBot channel → loopback peer; load {os.getloadavg()[0]:.2f} at start")
    for n in sizes:
        baseline = await driven_directly(n)
        print(f"-- {n:,} members")
        print(baseline.line())
        for processes in process_counts:
            url = await postgres_database()
            if url is None:
                return
            try:
                with tempfile.TemporaryDirectory() as folder:
                    figures, enqueued = await through_the_bot(url, n, processes, Path(folder))
            finally:
                await db.disconnect()
                await drop_postgres(url)
            print(figures.line())
            print(
                f"{'':<28} enqueue {enqueued:.2f} s; {figures.seconds / baseline.seconds:.1f}x the "
                f"baseline's time, bot CPU {figures.cpu_ms_per_message:.3f} ms/msg (target < 1 ms)"
            )
        print(f"   load {os.getloadavg()[0]:.2f}")

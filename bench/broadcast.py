"""Broadcast benchmark: enqueue N messages, dispatch them through a zero-latency fake channel.

    python bench/broadcast.py              # 10,000 recipients, SQLite file, then PostgreSQL
    python bench/broadcast.py -n 2000 --backend sqlite
    python bench/broadcast.py --sms 300     # also the SMS channel's overhead (bench/sms_channel.py)

Prints, per backend: the enqueue time, the dispatch throughput, the throughput of calling the fake
channel directly (the baseline, measured in the same run), the outbox overhead per message, and the
process's resident memory (peak before/after, and the growth per 1,000 messages dispatched).
Targets: enqueue of 10,000 < 1 s; overhead < 1 ms/message; memory flat.
PostgreSQL: a throwaway database on BENCH_POSTGRES_URL (default the local server); skipped with a
message when unreachable.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import resource
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("WEIYUAN_ENV_FILE", os.devnull)
os.environ.update(
    {
        "DELIVERY_ORDER": '["bench"]',
        "QUIET_HOURS_START": "00:00",  # off: the figures must not depend on the hour
        "QUIET_HOURS_END": "00:00",
        "DELIVERY_CLAIM_BATCH": os.environ.get("DELIVERY_CLAIM_BATCH", "500"),
        "LOG_LEVEL": "WARNING",
    }
)

from bot import db
from bot.delivery import channels, outbox
from bot.delivery.channels.base import ChannelLimits, SendOutcome, SendResult
from bot.delivery.dispatcher import Dispatcher
from bot.delivery.recipients import MemberRecipient
from bot.render import render
from models import Identity, Member, OutboxMessage, OutboxStatus

PG_ADMIN_URL = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
TEMPLATE = "delivery/unreachable_notice.j2"
_SENT = SendResult(SendOutcome.SENT)


class ZeroLatencyChannel:
    platform = "bench"
    max_length = 10_000
    limits = ChannelLimits(inflight=500)

    def __init__(self) -> None:
        self.count = 0

    def available(self) -> bool:
        return True

    async def send_to_account(self, account_id: str, text: str) -> SendResult:
        self.count += 1
        return _SENT

    async def send_to_group(self, group_id: str, text: str) -> SendResult:
        self.count += 1
        return _SENT


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def seed_members(n: int) -> list[int]:
    await Member.bulk_create([Member(name=f"委员{i:05d}") for i in range(n)], batch_size=1000)
    ids = sorted(await Member.all().values_list("id", flat=True))
    await Identity.bulk_create(
        [Identity(member_id=m, platform="bench", account_id=str(900_000 + m)) for m in ids], batch_size=1000
    )
    return ids


async def run(label: str, url: str, n: int, sms: int = 0) -> None:
    await db.connect(url)
    try:
        ids = await seed_members(n)
        channel = ZeroLatencyChannel()
        channels.clear()
        channels.register(channel)
        batch = uuid.uuid4().hex[:8]
        context = {"batch": batch, "names": ["林建国", "王海燕"]}
        messages = [
            outbox.Outgoing(f"bench:{batch}:{m}", MemberRecipient(m), TEMPLATE, context, "notice", batch)
            for m in ids
        ]

        started = time.perf_counter()
        added = await outbox.enqueue_many(messages)
        enqueue_s = time.perf_counter() - started
        assert added == n

        # Baseline: the channel called directly with an already rendered text.
        text = render(TEMPLATE, **context)
        started = time.perf_counter()
        for m in ids:
            await channel.send_to_account(str(900_000 + m), text)
        direct_s = time.perf_counter() - started
        channel.count = 0

        peak_before, rss_before = peak_mb(), rss_mb()
        samples = [rss_before]
        dispatcher = Dispatcher()
        started = time.perf_counter()
        done = 0
        next_sample = 1000
        while True:
            handled = await dispatcher.dispatch_once()
            if not handled:
                break
            done += handled
            while done >= next_sample:
                samples.append(rss_mb())
                next_sample += 1000
        dispatch_s = time.perf_counter() - started
        sent = await OutboxMessage.filter(batch=batch, status=OutboxStatus.SENT).count()
        assert sent == n == channel.count, (sent, channel.count)

        overhead_ms = (dispatch_s - direct_s) / n * 1000
        growth = [round(b - a, 2) for a, b in itertools.pairwise(samples)]
        print(f"== {label}: {n} recipients")
        rate = n / enqueue_s
        print(f"enqueue_many          {enqueue_s:8.3f} s   ({rate:,.0f} rows/s)  target < 1 s per 10,000")
        print(f"dispatch              {dispatch_s:8.3f} s   ({n / dispatch_s:,.0f} msgs/s)")
        print(f"channel called direct {direct_s:8.3f} s   ({n / direct_s:,.0f} msgs/s)  baseline")
        print(f"outbox overhead       {overhead_ms:8.3f} ms/message                target < 1 ms")
        print(f"peak RSS              {peak_before:8.1f} MB before, {peak_mb():.1f} MB after dispatch")
        print(f"RSS per 1,000 sent    {growth} MB")
        print(f"RSS first/last        {samples[0]:8.1f} MB / {samples[-1]:.1f} MB")
        if sms:
            from bench.sms_channel import run_sms

            await run_sms(label, sms)
    finally:
        channels.clear()
        await db.disconnect()


async def postgres_database() -> str | None:
    try:
        import asyncpg

        conn = await asyncio.wait_for(asyncpg.connect(PG_ADMIN_URL), timeout=3)
    except Exception as exc:
        print(f"== postgres: skipped, {PG_ADMIN_URL} unreachable ({type(exc).__name__})")
        return None
    name = f"weiyuan_bench_{uuid.uuid4().hex[:8]}"
    await conn.execute(f'CREATE DATABASE "{name}"')
    await conn.close()
    return f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{name}"


async def drop_postgres(url: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(PG_ADMIN_URL)
    await conn.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')
    await conn.close()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=10_000, help="recipients (default 10,000)")
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--sms", type=int, default=0, help="also time N SMS against the fake provider")
    args = parser.parse_args()
    if args.backend in ("sqlite", "both"):
        with tempfile.TemporaryDirectory() as folder:
            await run("sqlite (file)", f"sqlite://{Path(folder) / 'bench.sqlite3'}", args.n, args.sms)
    if args.backend in ("postgres", "both"):
        url = await postgres_database()
        if url:
            try:
                await run("postgres", url, args.n, args.sms)
            finally:
                await drop_postgres(url)


if __name__ == "__main__":
    asyncio.run(main())

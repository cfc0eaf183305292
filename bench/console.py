"""Benchmark: server time of every console page with 1,000 members × 100 records.

    python bench/console.py [--members 1000] [--requests 40] [--backend sqlite|postgres]

A fresh database is filled by bulk insert (bench/assessment.py's seed: N members × 100 records —
50 attendance rows, 10 社情民意, 5 提案, 35 one-line records — plus an activity open today with
everyone expected, 30 pending leave requests, 40 records to confirm, and a 1,000-message broadcast).
The real bot (`python -m bot`) serves it on loopback; a signed-in session requests every page in
interleaved rounds, one request at a time over a kept-alive connection, and the time to the last
byte is taken for each. The baseline is a static file of the same app (`/console/static/console.css`)
measured in the same rounds. Prints p50 / p99 per page and the ratio of each p50 to the baseline's,
and the machine's load average.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("WEIYUAN_ENV_FILE", os.devnull)
os.environ.setdefault("LOG_LEVEL", "WARNING")

from tests.support.app_process import AppProcess

STATIC = "/console/static/console.css"


async def seed_console(members: int) -> dict[str, int]:
    """The assessment benchmark's roster and records, then what the console's queues show."""
    from assessment import seed  # bench/assessment.py

    from bot import clock
    from bot.services import activities
    from models import (
        ActivityType,
        Identity,
        LeaveRequest,
        Member,
        OutboxMessage,
        OutboxStatus,
        Record,
        RecordKind,
        Role,
    )

    await seed(members)
    ids = list(await Member.all().order_by("id").values_list("id", flat=True))
    await Member.filter(id=ids[0]).update(role=Role.ADMIN, phone="13800000000")
    await Identity.bulk_create(
        [Identity(member_id=m, platform="qq", account_id=str(100000 + m)) for m in ids[: members * 4 // 5]],
        batch_size=2000,
    )
    draft = activities.ActivityDraft(
        type=ActivityType.PLENARY,
        title="全体委员会议",
        start_at=clock.now() + timedelta(minutes=20),
        end_at=clock.now() + timedelta(hours=2),
        place="会议室",
    )
    today, _ = await activities.create(draft, "bench")
    later, _ = await activities.create(
        activities.ActivityDraft(
            type=ActivityType.COMMITTEE,
            title="专题协商会",
            start_at=clock.now() + timedelta(days=2),
            end_at=clock.now() + timedelta(days=2, hours=2),
        ),
        "bench",
    )
    await LeaveRequest.bulk_create(
        [LeaveRequest(activity_id=later.id, member_id=m, reason="出差在外") for m in ids[1:31]]
    )
    await (
        Record.filter(kind__in=[RecordKind.SPEECH, RecordKind.RESEARCH])
        .limit(10**9)
        .update(confirmed_at=clock.now())
    )
    unconfirmed = list(await Record.filter(kind=RecordKind.SPEECH).limit(40).values_list("id", flat=True))
    await Record.filter(id__in=unconfirmed).update(confirmed_at=None)
    statuses = [OutboxStatus.SENT] * 8 + [OutboxStatus.FAILED, OutboxStatus.UNREACHABLE]
    await OutboxMessage.bulk_create(
        [
            OutboxMessage(
                dedupe_key=f"broadcast:B1:member:{m}",
                kind="notice",
                batch="B1",
                recipient={"type": "member", "member_id": m},
                template="broadcast/notice.j2",
                context={"content": "通知", "batch": "B1"},
                status=statuses[i % len(statuses)],
                due_at=clock.now(),
                attempted_at=clock.now(),
                channel="qq",
            )
            for i, m in enumerate(ids)
        ],
        batch_size=1000,
    )
    return {"admin": ids[0], "member": ids[len(ids) // 2], "today": today.id}


def pages(seeded: dict[str, int]) -> list[tuple[str, str]]:
    today, member = seeded["today"], seeded["member"]
    return [
        ("静态文件（基线）", STATIC),
        ("总览", "/console/"),
        ("总览·活动实时", "/console/overview/activities"),
        ("总览·图表", "/console/overview/charts"),
        ("名册", "/console/roster"),
        ("名册·搜索", "/console/roster?q=委员05&binding_state=bound"),
        ("委员页", f"/console/members/{member}"),
        ("活动列表", "/console/activities"),
        ("活动页", f"/console/activities/{today}"),
        ("活动·实时考勤", f"/console/activities/{today}/live"),
        ("会场大屏", f"/console/activities/{today}/venue"),
        ("审批", "/console/approvals"),
        ("发布", "/console/broadcast"),
        ("送达 B1", "/console/broadcast/B1"),
        ("档案·排名", "/console/archive"),
        ("档案·专委会", "/console/archive?scope=committee&name=专委会1"),
        ("个人档案", f"/console/archive/members/{member}"),
        ("审计", "/console/audit"),
    ]


async def sign_in(base: str, admin: int) -> str:
    """A session cookie, obtained the way a browser gets one (a link, then its POST)."""
    import aiohttp

    from bot.services import console_auth
    from models import Member

    link = await console_auth.issue_link(await Member.get(id=admin), "bench")
    path = link.url.split("/console/", 1)[1]
    async with (
        aiohttp.ClientSession() as http,
        http.post(f"{base}/console/{path}", data={"next": "/console/"}, allow_redirects=False) as answer,
    ):
        assert answer.status == 303, await answer.text()
        return answer.cookies["weiyuan_console"].value


async def measure(
    base: str, cookie: str, targets: list[tuple[str, str]], rounds: int
) -> dict[str, list[float]]:
    import aiohttp

    timings: dict[str, list[float]] = {label: [] for label, _ in targets}
    connector = aiohttp.TCPConnector(limit=1)
    async with aiohttp.ClientSession(connector=connector, cookies={"weiyuan_console": cookie}) as http:
        for _, path in targets:  # warm-up: first renders, caches, template compilation
            async with http.get(base + path, allow_redirects=False) as answer:
                body = await answer.read()
                assert answer.status == 200, f"{path}: HTTP {answer.status} {body[:200]!r}"
        for _ in range(rounds):
            for label, path in targets:
                started = time.perf_counter()
                async with http.get(base + path, allow_redirects=False) as answer:
                    await answer.read()
                timings[label].append((time.perf_counter() - started) * 1000)
    return timings


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def report(timings: dict[str, list[float]], backend: str, members: int) -> None:
    baseline = statistics.median(timings["静态文件（基线）"])
    print(
        f"\n{backend}, {members} members × 100 records, {len(next(iter(timings.values())))} requests per page"
    )
    print(f"{'page':<16}{'p50 ms':>9}{'p99 ms':>9}{'× static p50':>14}")
    for label, values in timings.items():
        p50, p99 = statistics.median(values), percentile(values, 0.99)
        print(f"{label:<16}{p50:>9.1f}{p99:>9.1f}{p50 / baseline:>14.1f}")
    slowest = max(
        (label for label in timings if label != "静态文件（基线）"),
        key=lambda k: percentile(timings[k], 0.99),
    )
    print(f"slowest page by p99: {slowest} ({percentile(timings[slowest], 0.99):.1f} ms); target < 200 ms")
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"machine load (1/5/15 min): {load} on {os.cpu_count()} cores")


async def run(url: str, folder: Path, members: int, rounds: int, backend: str) -> None:
    from bot import db

    await db.connect(url)
    try:
        print(f"seeding {members} members × 100 records ({backend}) …", flush=True)
        seeded = await seed_console(members)
        app = AppProcess(
            database_url=url, workdir=folder, env={"SCHEDULER_ENABLED": "false", "LOG_LEVEL": "WARNING"}
        )
        app.start()
        try:
            await app.wait_ready()
            base = f"http://127.0.0.1:{app.port}"
            cookie = await sign_in(base, seeded["admin"])
            try:
                timings = await measure(base, cookie, pages(seeded), rounds)
            except AssertionError:
                print(app.log(6000), file=sys.stderr)
                raise
            report(timings, backend, members)
        finally:
            app.stop()
    finally:
        await db.disconnect()


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--members", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=40, help="requests per page")
    parser.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        if args.backend == "sqlite":
            await run(
                f"sqlite://{Path(folder) / 'console.sqlite3'}",
                Path(folder),
                args.members,
                args.requests,
                "SQLite",
            )
            return
        from assessment import drop_postgres, postgres_url

        created = await postgres_url()
        if created is None:
            print("PostgreSQL is not reachable: nothing measured")
            return
        url, name = created
        try:
            await run(url, Path(folder), args.members, args.requests, "PostgreSQL")
        finally:
            await drop_postgres(name)


if __name__ == "__main__":
    asyncio.run(main())

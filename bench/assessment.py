"""Benchmark: score, rank and grade everyone, and export the year's archive.

    python bench/assessment.py [--members 100 1000] [--no-postgres]

For each size, a fresh database (a SQLite file in a temporary folder, then PostgreSQL on 127.0.0.1
when reachable) is filled by bulk insert with N members × 100 records each (50 attendance rows,
10 社情民意, 5 提案 with 2 co-signers, 35 one-line records). Prints the time to assess everyone and
the number of SQL statements (counted by wrapping the connection's execute methods), the rules
evaluation, and the export time, with ratios against the smallest size measured in the same run.

The export is also set against a raw openpyxl write-only write of exactly the cells it wrote (read
back from its file), timed in the same run, the two alternately and the best of three rounds each:
`raw s` is what writing those cells costs at least, `export/raw` what reading the database,
assessing and laying out the sheets add on top.
Targets: assess 1,000 members < 1 s, a query count that does not grow with members, the export of
1,000 members < 2 s on an idle machine and export/raw <= 1.5.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("WEIYUAN_ENV_FILE", os.devnull)
os.environ.setdefault("LOG_LEVEL", "WARNING")

PG_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
YEAR = 2026
ACTIVITIES = 50
ROUNDS = 3
METHODS = ("execute_query", "execute_query_dict", "execute_insert", "execute_many", "execute_script")


class Counter:
    def __init__(self) -> None:
        self.count = 0

    def __enter__(self) -> Counter:
        from tortoise import connections

        self.connection = connections.get("default")
        for name in METHODS:
            original = getattr(self.connection, name)

            def wrap(original=original):  # type: ignore[no-untyped-def]
                async def counted(*args, **kwargs):  # type: ignore[no-untyped-def]
                    self.count += 1
                    return await original(*args, **kwargs)

                return counted

            setattr(self.connection, name, wrap())
        return self

    def __exit__(self, *exc: object) -> None:
        for name in METHODS:
            delattr(self.connection, name)


async def seed(members: int) -> None:
    from models import (
        Activity,
        ActivityType,
        Attendance,
        Committee,
        Member,
        Proposal,
        ProposalCosigner,
        Record,
        RecordKind,
        Report,
        VisitType,
    )

    rng = random.Random(members)
    committees = [await Committee.create(name=f"专委会{i}") for i in range(8)]
    await Member.bulk_create(
        [Member(name=f"委员{i:04d}", sector=f"界别{i % 12}") for i in range(members)], batch_size=1000
    )
    ids = list(await Member.all().order_by("id").values_list("id", flat=True))
    through = Member._meta.fields_map["committees"].through
    from tortoise import connections

    conn = connections.get("default")
    rows = [(mid, committees[i % 8].id) for i, mid in enumerate(ids)]
    rows += [(mid, committees[(i + 3) % 8].id) for i, mid in enumerate(ids) if i % 3 == 0]
    postgres = conn.capabilities.dialect == "postgres"
    for start in range(0, len(rows), 500):
        chunk = rows[start : start + 500]
        values = ", ".join(
            f"(${2 * k + 1}, ${2 * k + 2})" if postgres else "(?, ?)" for k in range(len(chunk))
        )
        await conn.execute_query(
            f'INSERT INTO "{through}" (member_id, committee_id) VALUES {values}',
            [v for r in chunk for v in r],
        )
    types = list(ActivityType)
    base = datetime(YEAR, 2, 1, 1, 0, tzinfo=UTC)
    activities = [
        Activity(
            type=types[i % len(types)],
            title=f"活动{i}",
            start_at=base + timedelta(days=5 * i),
            end_at=base + timedelta(days=5 * i, hours=2),
            checkin_opens_at=base + timedelta(days=5 * i, minutes=-30),
            checkin_closes_at=base + timedelta(days=5 * i, minutes=30),
            status="closed",
        )
        for i in range(ACTIVITIES)
    ]
    await Activity.bulk_create(activities)
    activity_ids = list(await Activity.all().values_list("id", flat=True))
    statuses = ["present"] * 14 + ["late", "leave", "absent"]
    await Attendance.bulk_create(
        [
            Attendance(activity_id=a, member_id=m, status=rng.choice(statuses))
            for a in activity_ids
            for m in ids
        ],
        batch_size=2000,
    )
    report_statuses = [("submitted", ""), ("accepted", ""), ("adopted", "city"), ("instructed", "province")]
    await Report.bulk_create(
        [
            Report(
                reference=f"SQ{YEAR}-{m:05d}{k}",
                member_id=m,
                title="标题",
                content="内容" * 10,
                status=report_statuses[k % 4][0],
                adopted_level=report_statuses[k % 4][1],
                year=YEAR,
            )
            for m in ids
            for k in range(10)
        ],
        batch_size=2000,
    )
    await Proposal.bulk_create(
        [Proposal(member_id=m, title="提案", number=f"{m}-{k}", year=YEAR) for m in ids for k in range(5)],
        batch_size=2000,
    )
    proposal_ids = list(await Proposal.all().values_list("id", flat=True))
    await ProposalCosigner.bulk_create(
        [
            ProposalCosigner(proposal_id=p, member_id=rng.choice(ids), name="联名")
            for p in proposal_ids
            for _ in (1, 2)
        ],
        batch_size=2000,
    )
    kinds = [RecordKind.VISIT, RecordKind.DEED, RecordKind.SPEECH, RecordKind.RESEARCH, RecordKind.OPINION]
    visits = list(VisitType)
    await Record.bulk_create(
        [
            Record(
                member_id=m,
                kind=kinds[k % 5],
                visit_type=visits[k % 4].value if kinds[k % 5] == RecordKind.VISIT else "",
                description="走访社区了解养老需求",
                occurred_on=date(YEAR, 1 + k % 12, 1 + k % 28),
                year=YEAR,
            )
            for m in ids
            for k in range(35)
        ],
        batch_size=2000,
    )
    if postgres:  # as autovacuum would have by then: without statistics the planner nests loops
        await conn.execute_script("ANALYZE")


async def measure(url: str, members: int, out_dir: Path) -> dict[str, float]:
    from bot import clock, db
    from bot.services import assessment, export, rules

    clock.set_clock(lambda: datetime(YEAR, 12, 15, 2, 0, tzinfo=UTC))
    load = os.getloadavg()[0]
    await db.connect(url)
    try:
        started = time.perf_counter()
        await seed(members)
        seeded = time.perf_counter() - started
        await assessment.assess(YEAR)  # warm the policy cache and the compiled queries
        with Counter() as queries:
            started = time.perf_counter()
            result = await assessment.assess(YEAR)
            assessed = time.perf_counter() - started
        assert len(result.standings) == members
        with Counter() as rule_queries:
            started = time.perf_counter()
            await rules.findings(YEAR)
            evaluated = time.perf_counter() - started
        # export and raw write alternately, best of ROUNDS each: on a loaded machine the two
        # then meet the same load, and the ratio says what the export adds, not what others did
        path = out_dir / f"archive-{members}.xlsx"
        exported = raw = float("inf")
        cells_read = None
        for _ in range(ROUNDS):
            started = time.perf_counter()
            await export.year_archive(YEAR, path)
            exported = min(exported, time.perf_counter() - started)
            cells_read = cells_read or read_cells(path)
            raw = min(raw, raw_write(cells_read, out_dir / f"raw-{members}.xlsx"))
        cells = sum(len(row) for _, rows in cells_read for row in rows)
    finally:
        await db.disconnect()
        clock.set_clock(None)
    return {
        "seed": seeded,
        "assess": assessed,
        "queries": queries.count,
        "rules": evaluated,
        "rule_queries": rule_queries.count,
        "export": exported,
        "raw": raw,
        "cells": cells,
        "load": load,
    }


def read_cells(source: Path) -> list[tuple[str, list[list[object]]]]:
    """Every sheet's values, as written (read back, untimed)."""
    from openpyxl import load_workbook

    book = load_workbook(source, read_only=True)
    sheets = [(sheet.title, [list(row) for row in sheet.iter_rows(values_only=True)]) for sheet in book]
    book.close()
    return sheets


def raw_write(sheets: list[tuple[str, list[list[object]]]], target: Path) -> float:
    """Seconds to write these cells with a bare openpyxl write-only workbook."""
    from openpyxl import Workbook

    started = time.perf_counter()
    raw = Workbook(write_only=True)
    for title, rows in sheets:
        sheet = raw.create_sheet(title)
        for row in rows:
            sheet.append(row)
    raw.save(target)
    return time.perf_counter() - started


async def postgres_url() -> tuple[str, str] | None:
    try:
        import asyncpg

        conn = await asyncio.wait_for(asyncpg.connect(PG_ADMIN_URL), timeout=3)
    except Exception:
        return None
    name = f"weiyuan_bench_{uuid.uuid4().hex[:8]}"
    await conn.execute(f'CREATE DATABASE "{name}"')
    await conn.close()
    return f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{name}", name


async def drop_postgres(name: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(PG_ADMIN_URL)
    await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await conn.close()


def report(backend: str, figures: dict[int, dict[str, float]]) -> None:
    sizes = sorted(figures)
    base = figures[sizes[0]]
    print(f"\n{backend}")
    print(
        f"{'members':>8} {'records':>8} {'seed s':>8} {'assess s':>9} {'queries':>8} {'rules s':>8} "
        f"{'rule q':>7} {'export s':>9} {'raw s':>7} {'cells':>8} {'exp/raw':>8} {'assess ×':>9} "
        f"{'export ×':>9}"
    )
    for n in sizes:
        f = figures[n]
        print(
            f"{n:>8} {n * 100:>8} {f['seed']:>8.2f} {f['assess']:>9.3f} {f['queries']:>8.0f} "
            f"{f['rules']:>8.3f} {f['rule_queries']:>7.0f} {f['export']:>9.2f} {f['raw']:>7.2f} "
            f"{f['cells']:>8.0f} {f['export'] / f['raw']:>8.2f} "
            f"{f['assess'] / base['assess']:>9.1f} {f['export'] / base['export']:>9.1f}"
        )
    print(f"  load average before/after: {figures[sizes[0]]['load']:.2f} / {os.getloadavg()[0]:.2f}")
    largest = figures[sizes[-1]]
    verdicts = [
        f"assess {sizes[-1]}: {'OK' if largest['assess'] < 1 else 'SLOW'} (< 1 s)",
        f"queries constant: {'OK' if len({figures[n]['queries'] for n in sizes}) == 1 else 'NO'}",
        f"export {sizes[-1]}: {'OK' if largest['export'] < 2 else 'SLOW'} (< 2 s idle)",
        f"export/raw: {'OK' if all(figures[n]['export'] / figures[n]['raw'] <= 1.5 for n in sizes) else 'NO'}"
        " (<= 1.5)",
    ]
    print("  " + " · ".join(verdicts))


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--members", type=int, nargs="+", default=[100, 1000])
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder)
        sqlite: dict[int, dict[str, float]] = {}
        for n in args.members:
            sqlite[n] = await measure(f"sqlite://{out / f'bench-{n}.sqlite3'}", n, out)
        report("SQLite (file)", sqlite)
        if args.no_postgres:
            return
        postgres: dict[int, dict[str, float]] = {}
        for n in args.members:
            created = await postgres_url()
            if created is None:
                print(f"\nPostgreSQL: not reachable at {PG_ADMIN_URL}, skipped")
                return
            url, name = created
            try:
                postgres[n] = await measure(url, n, out)
            finally:
                await drop_postgres(name)
        report("PostgreSQL", postgres)


if __name__ == "__main__":
    asyncio.run(main())

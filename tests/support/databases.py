"""Databases for other processes (the CLI, `python -m bot`, a migration run): a SQLite file, or a
throwaway PostgreSQL database of their own, and plain SQL to look inside afterwards."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any


def sqlite_url(folder: Path, name: str = "process.sqlite3") -> str:
    return f"sqlite://{folder / name}"


async def fetch(url: str, sql: str) -> list[tuple[Any, ...]]:
    """Rows of one SELECT, read without the ORM (and without touching this process's connection)."""
    if url.startswith("sqlite://"):
        path = url.removeprefix("sqlite://").partition("?")[0]
        with sqlite3.connect(path) as conn:
            return [tuple(row) for row in conn.execute(sql).fetchall()]
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        return [tuple(row) for row in await conn.fetch(sql)]
    finally:
        await conn.close()


async def execute(url: str, sql: str) -> None:
    """Run statements without the ORM (e.g. rows as an older version of the product wrote them)."""
    if url.startswith("sqlite://"):
        path = url.removeprefix("sqlite://").partition("?")[0]
        with sqlite3.connect(path) as conn:
            conn.executescript(sql)
        return
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()

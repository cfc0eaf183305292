"""Count the SQL statements a block of code sends through the default tortoise connection."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from tortoise import connections

METHODS = ("execute_query", "execute_query_dict", "execute_insert", "execute_many", "execute_script")


@dataclass
class QueryCounter:
    count: int = 0
    statements: list[str] = field(default_factory=list)


@contextmanager
def count_queries() -> Iterator[QueryCounter]:
    connection = connections.get("default")
    counter = QueryCounter()
    originals = {name: getattr(connection, name) for name in METHODS}

    def wrap(name: str):  # type: ignore[no-untyped-def]
        original = originals[name]

        async def counted(query, *args, **kwargs):  # type: ignore[no-untyped-def]
            counter.count += 1
            counter.statements.append(str(query)[:200])
            return await original(query, *args, **kwargs)

        return counted

    for name in METHODS:
        setattr(connection, name, wrap(name))
    try:
        yield counter
    finally:
        for name in METHODS:
            delattr(connection, name) if name in vars(connection) else None

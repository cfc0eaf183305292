"""Rows of a query without tortoise's per-value conversion, for the year's tens of thousands of rows.

The ORM builds the SQL (with parameters: an inlined moment would be text in its own zone and format,
which SQLite would compare with the stored UTC text, see `bot.db.utc_text`); the caller converts the
few values it shows. About five times faster than `values_list` for a year's records.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, timedelta, tzinfo
from functools import lru_cache
from typing import Any, TypeVar

from tortoise import connections

from bot import clock

T = TypeVar("T")


async def _dicts(query: Any) -> list[dict[str, Any]]:
    query._choose_db_if_not_chosen()
    query._make_query()
    sql, params = query.query.get_parameterized_sql()
    found: list[dict[str, Any]] = await connections.get("default").execute_query_dict(sql, params)
    return found


async def fetch(query: Any) -> list[tuple[Any, ...]]:
    """The rows of a `values_list` query as plain tuples, values as the database driver gives them."""
    return [tuple(row.values()) for row in await _dicts(query)]


async def fetch_as(query: Any, make: Callable[[Iterable[Any]], T]) -> list[T]:
    """Like `fetch`, each row made by `make` from its values (e.g. a NamedTuple's `_make`)."""
    return [make(row.values()) for row in await _dicts(query)]


def local(moment: datetime | str | None) -> datetime | None:
    """A stored moment as a local naive datetime (spreadsheets have no time zones)."""
    return localizer()(moment)


def localizer(year: int | None = None) -> Callable[[datetime | str | None], datetime | None]:
    """`local` with the zone looked up once, for the tens of thousands of moments of a year. When
    the zone keeps one UTC offset all through `year` and around it (no daylight saving, as in
    China), moments are shifted by that offset: the same result, several times faster."""
    zone = clock.local_zone()
    parse = datetime.fromisoformat
    fixed = _fixed_offset(zone, year or clock.today().year)

    def convert(moment: datetime | str | None) -> datetime | None:
        if not moment:
            return None
        if isinstance(moment, str):  # raw SQLite text
            moment = parse(moment)
        if fixed is not None and moment.tzinfo is UTC:
            return (moment + fixed).replace(tzinfo=None)
        return moment.astimezone(zone).replace(tzinfo=None)

    return convert


@lru_cache(maxsize=8)
def _fixed_offset(zone: tzinfo, year: int) -> timedelta | None:
    """The zone's UTC offset when it is the same at noon every day from a year before `year` to a
    year after (a change of offset lasts longer than a day), else None."""
    start = datetime(year - 1, 1, 1, 12, tzinfo=UTC)
    offsets = {(start + timedelta(days=n)).astimezone(zone).utcoffset() for n in range(0, 3 * 366)}
    return offsets.pop() if len(offsets) == 1 else None


def day(value: date | str | None) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) else value

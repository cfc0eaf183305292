"""Rewrite every stored moment on SQLite in one form: UTC, fixed width (`bot.db.utc_text`).

Before this, SQLite kept a moment in the zone it was given (`2026-06-01 08:30:00+08:00` for a
greeting due at 08:30 Beijing time) and compared those texts with UTC ones, eight hours apart.
PostgreSQL stores `timestamptz` and needs nothing. Self-contained on purpose: it must keep working
whatever the application code becomes.
"""

from datetime import UTC, datetime

from tortoise import migrations
from tortoise.migrations import operations as ops


def _utc(text: str) -> str | None:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    moment = moment.astimezone(UTC) if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    fixed = moment.isoformat(" ", timespec="microseconds")
    return fixed if fixed != text else None


async def normalise_sqlite_times(apps, schema_editor) -> None:
    client = schema_editor.client
    if client.capabilities.dialect != "sqlite":
        return
    _, tables = await client.execute_query(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    )
    for table_row in tables:
        table = table_row["name"]
        _, columns = await client.execute_query(f'PRAGMA table_info("{table}")')
        for column in (c["name"] for c in columns if str(c["type"]).upper() == "TIMESTAMP"):
            _, rows = await client.execute_query(
                f'SELECT rowid AS rid, "{column}" AS moment FROM "{table}" WHERE "{column}" IS NOT NULL'
            )
            changes = [(fixed, row["rid"]) for row in rows if (fixed := _utc(str(row["moment"])))]
            if changes:
                await client.execute_many(f'UPDATE "{table}" SET "{column}" = ? WHERE rowid = ?', changes)


class Migration(migrations.Migration):
    dependencies = [("models", "0001_initial")]

    operations = [ops.RunPython(normalise_sqlite_times, ops.RunPython.noop)]

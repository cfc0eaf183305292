"""Upgrading a database with queued rows: they get a class (a broadcast's rows bulk, the others
reminders), and rows written in plain SQL without the column still go in."""

from __future__ import annotations

from tests.support.databases import execute, fetch
from tests.test_cli_roles import run

AT = "'2026-06-01 01:00:00+00:00'"


RECIPIENT = '{"type": "account", "platform": "qq", "account_id": "1"}'


def _outbox_row(key: str, batch: str) -> str:
    return (
        f"('{key}', 'notice', '{batch}', '{RECIPIENT}', 'delivery/usage.j2', '{{}}', false, 'pending', 0,"
        f" {AT}, '', '', '', {AT})"
    )


INSERT = (
    "INSERT INTO outbox (dedupe_key, kind, batch, recipient, template, context, urgent, status, attempts,"
    " due_at, claimed_by, channel, last_error, created_at) VALUES "
)


async def test_queued_rows_get_their_class_when_the_database_is_upgraded(process_db: str):
    first = run(process_db, "-c", "bot.db.TORTOISE_ORM", "migrate", "models", "0006_visit_questions",
                program=("-m", "tortoise"))  # fmt: skip
    assert first.returncode == 0, first.stdout + first.stderr
    await execute(
        process_db, INSERT + ", ".join([_outbox_row("broadcast:3:1", "3"), _outbox_row("reminder", "")])
    )
    upgraded = run(process_db, "members")  # the CLI applies pending migrations first
    assert upgraded.returncode == 0, upgraded.stderr
    await execute(process_db, INSERT + _outbox_row("written-later", ""))
    rows = await fetch(process_db, "SELECT dedupe_key, message_class FROM outbox ORDER BY id")
    assert rows == [("broadcast:3:1", 2), ("reminder", 1), ("written-later", 1)]

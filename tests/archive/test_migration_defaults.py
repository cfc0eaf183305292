"""Columns added to tables that already hold rows: a database with members and records from
before 四问 and 工作单位 upgrades (the new NOT NULL columns need a default in the database)."""

from __future__ import annotations

from tests.support.databases import execute, fetch
from tests.test_cli_roles import run


async def test_upgrade_with_existing_records_and_members(process_db: str):
    first = run(process_db, "-c", "bot.db.TORTOISE_ORM", "migrate", "models", "0005_console_sessions",
                program=("-m", "tortoise"))  # fmt: skip
    assert first.returncode == 0, first.stdout + first.stderr
    at = "'2026-06-01 01:00:00+00:00'"
    await execute(
        process_db,
        f"""
        INSERT INTO member (id, name, gender, sector, role, also_member, birthday_lunar, status,
                            created_at, updated_at)
        VALUES (1, '林建国', '', '', 'member', false, false, 'active', {at}, {at});
        INSERT INTO record (id, member_id, kind, visit_type, description, occurred_on, year,
                            recorded_by, confirmed_by, created_at)
        VALUES (1, 1, 'visit', '社区居民', '走访青石社区', '2026-05-01', 2026, 'self', '', {at});
        """,
    )
    upgraded = run(process_db, "members")  # the CLI applies pending migrations first
    assert upgraded.returncode == 0, upgraded.stderr
    assert await fetch(process_db, "SELECT id, questions FROM record") == [(1, "")]
    assert await fetch(process_db, "SELECT id, employer FROM member") == [(1, "")]

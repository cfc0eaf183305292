"""委员 and staff in the roster, through the operator CLI as a real process, on SQLite and PostgreSQL:
the 角色 column round-trips (委员、工作人员 for someone who is both), only 委员 are expected, and the
migration gives existing rows the same meaning."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

from tests.support.app_process import PROJECT_ROOT
from tests.support.databases import execute, fetch

ROSTER = [
    ["姓名", "性别", "界别", "专委会", "手机", "生日", "角色"],
    ["林建国", "男", "经济界", "经济委", "13900000002", "", "委员"],
    ["陈晓梅", "女", "教育界", "", "13900000003", "", ""],
    ["周文清", "女", "", "经济委", "13900000001", "", "工作人员"],
    ["赵敏", "女", "", "", "13900000004", "", "工作人员、管理员"],
    ["王芳", "女", "经济界", "经济委", "13900000005", "", "委员、工作人员"],
    ["孙强", "男", "教育界", "", "13900000006", "", "委员兼管理员"],
]


def run(
    url: str, *args: str, program: tuple[str, ...] = ("-m", "bot.cli")
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "WEIYUAN_ENV_FILE": os.devnull, "DATABASE_URL": url}
    return subprocess.run(
        [sys.executable, *program, *args],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=90,
    )


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        csv.writer(handle).writerows(rows)
    return path


def test_roles_round_trip_and_only_members_are_expected(tmp_path: Path):
    """The CLI's wiring; the same service behaviour runs on both backends in tests/services."""
    url = f"sqlite://{tmp_path / 'cli.sqlite3'}"
    imported = run(url, "roster", "import", str(write_csv(tmp_path / "in.csv", ROSTER)))
    assert imported.returncode == 0, imported.stderr
    exported = run(url, "roster", "export", str(tmp_path / "out.csv"))
    assert exported.returncode == 0, exported.stderr
    with (tmp_path / "out.csv").open(encoding="utf-8-sig") as handle:
        roles = {row["姓名"]: row["角色"] for row in csv.DictReader(handle)}
    assert roles == {
        "林建国": "委员",
        "陈晓梅": "委员",
        "周文清": "工作人员",
        "赵敏": "管理员",
        "王芳": "委员、工作人员",
        "孙强": "委员、管理员",
    }
    again = run(url, "roster", "import", str(tmp_path / "out.csv"))
    assert "新增 0 人，更新 0 人，未变 6 人" in again.stdout, again.stderr
    committee = run(
        url, "activity", "create", "--type", "专委会活动", "--title", "经济委调研",
        "--start", "2030-12-02 09:00", "--end", "11:30", "--committee", "经济委",
    )  # fmt: skip
    assert "应到 2 人" in committee.stdout, committee.stderr  # 林建国 and 王芳, not 周文清
    listed_now = run(url, "activity", "list")
    assert "【即将举行】\n#1 经济委调研（专委会活动）\n   2030年12月2日(周一) 09:00" in listed_now.stdout
    assert "进行中" not in listed_now.stdout
    listed = run(
        url, "activity", "create", "--type", "视察调研", "--title", "视察",
        "--start", "2030-12-03 09:00", "--end", "11:30", "--members", "林建国,周文清",
    )  # fmt: skip
    assert (listed.returncode, listed.stdout) == (1, "")
    assert "周文清" in listed.stderr and "工作人员" in listed.stderr and len(listed.stderr.splitlines()) == 1


async def test_migration_keeps_meanings_and_frees_staff_from_open_activities(process_db: str):
    first = run(process_db, "-c", "bot.db.TORTOISE_ORM", "migrate", "models", "0002_utc_times",
                program=("-m", "tortoise"))  # fmt: skip
    assert first.returncode == 0, first.stdout + first.stderr
    at, future = "'2026-06-01 01:00:00+00:00'", "'2030-12-01 01:00:00+00:00'"
    await execute(
        process_db,
        f"""
        INSERT INTO member (id, name, gender, sector, role, birthday_lunar, status, created_at, updated_at)
        VALUES (1, '林建国', '', '', 'member', false, 'active', {at}, {at}),
               (2, '周文清', '', '', 'staff', false, 'active', {at}, {at}),
               (3, '赵敏', '', '', 'admin', false, 'active', {at}, {at});
        INSERT INTO activity (id, type, title, start_at, end_at, place, audience, audience_value,
                              checkin_opens_at, checkin_closes_at, announce_platform, announce_group,
                              status, created_by, created_at)
        VALUES (1, '全体会议', '开着的会', {future}, {future}, '', 'all', '', {future}, {future},
                '', '', 'open', 'cli', {at}),
               (2, '全体会议', '开过的会', {at}, {at}, '', 'all', '', {at}, {at},
                '', '', 'closed', 'cli', {at});
        INSERT INTO attendance (id, activity_id, member_id, status, channel, updated_at)
        VALUES (1, 1, 1, 'pending', '', {at}), (2, 1, 2, 'pending', '', {at}), (3, 1, 3, 'present', '', {at}),
               (4, 2, 2, 'absent', '', {at});
        """,
    )
    upgraded = run(process_db, "members")  # the CLI applies pending migrations first
    assert upgraded.returncode == 0, upgraded.stderr
    assert await fetch(process_db, "SELECT id, role, also_member FROM member ORDER BY id") == [
        (1, "member", False),
        (2, "staff", False),
        (3, "admin", False),
    ]
    # the staff member's pending row in the open activity is gone; what happened stays as history
    assert await fetch(process_db, "SELECT id FROM attendance ORDER BY id") == [(1,), (3,), (4,)]
    sheet = run(process_db, "attendance", "1")
    assert "未签到 1 人：林建国" in sheet.stdout and "赵敏" not in sheet.stdout

"""The operator CLI, run as a real process against a SQLite file."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.app_process import PROJECT_ROOT

pytestmark = pytest.mark.e2e


def cli(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "WEIYUAN_ENV_FILE": os.devnull,
        "DATABASE_URL": f"sqlite://{tmp_path / 'cli.sqlite3'}",
    }
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_roster_binding_and_activity_round_trip(tmp_path: Path):
    roster = tmp_path / "roster.csv"
    roster.write_text(
        "姓名,性别,界别,专委会,手机,生日,角色\n"
        "林建国,男,经济界,经济委,13900000002,1968-07-21,委员\n"
        "陈晓梅,女,教育界,提案委,13900000003,,委员\n",
        encoding="utf-8",
    )
    imported = cli(tmp_path, "roster", "import", str(roster))
    assert imported.returncode == 0, imported.stderr
    assert "新增 2 人" in imported.stdout and "2/2" in imported.stderr

    listed = cli(tmp_path, "members", "--committee", "经济委")
    assert "林建国" in listed.stdout and "陈晓梅" not in listed.stdout

    code = cli(tmp_path, "binding-code", "林建国")
    assert code.returncode == 0 and "一次性绑定码" in code.stdout

    created = cli(
        tmp_path,
        "activity",
        "create",
        "--type",
        "全体会议",
        "--title",
        "十二月全体会议",
        "--start",
        "2030-12-01 09:00",
        "--end",
        "11:30",
        "--code",
        "k7q",
    )
    assert created.returncode == 0, created.stderr
    assert "应到 2 人" in created.stdout and "K7Q" in created.stdout
    sheet = cli(tmp_path, "attendance", "1")
    assert "未签到 2 人：林建国、陈晓梅" in sheet.stdout
    closed = cli(tmp_path, "activity", "close", "1")
    assert "缺席 2" in closed.stdout
    again = cli(tmp_path, "activity", "close", "1")
    assert again.returncode == 1 and "已经结束" in again.stderr


def test_activity_create_reads_what_a_chinese_operator_types(tmp_path: Path):
    """The roster as an office keeps it (BOM, full-width phone digits, a blank row, two people of one
    name), then `activity create` with 、 between names and a Chinese time (its refusals, the same
    as 新建活动's in chat: tests/services/test_activity_cli_input.py)."""
    roster = tmp_path / "名册.csv"
    roster.write_text(
        "姓名,性别,界别,专委会,手机,生日,角色\n"
        "林建国,男,经济界,经济委,１３９０００００００２,1968-07-21,委员\n"
        ",,,,,,\n"
        "王芳,女,经济界,经济委,13900000003,,委员\n"
        "王芳,女,教育界,文史委,13900000004,,委员\n",
        encoding="utf-8-sig",
    )
    assert "新增 3 人" in cli(tmp_path, "roster", "import", str(roster)).stdout
    create = [
        "activity",
        "create",
        "--type",
        "视察",
        "--title",
        "视察",
        "--start",
        "12月3日下午3点",
        "--end",
        "5点",
    ]
    created = cli(tmp_path, *create, "--members", "林建国、#3", "--group", "７００１００１")
    assert created.returncode == 0, created.stderr
    assert "应到 2 人" in created.stdout and "12月3日(周四) 15:00" in created.stdout


def test_bad_roster_is_refused_with_every_line(tmp_path: Path):
    roster = tmp_path / "bad.csv"
    roster.write_text("姓名,手机,角色\n,13900000002,\n王五,139,主席\n", encoding="utf-8")
    result = cli(tmp_path, "roster", "import", str(roster))
    assert result.returncode == 1 and result.stdout == ""
    assert (
        "第 2 行：缺少姓名" in result.stderr
        and "第 3 行" in result.stderr
        and "未导入任何数据" in result.stderr
    )
    listed = cli(tmp_path, "members")
    assert "没有符合条件的成员" in listed.stdout


def test_help_everywhere(tmp_path: Path):
    for args in (["--help"], ["roster", "--help"], ["activity", "create", "--help"]):
        result = cli(tmp_path, *args)
        assert result.returncode == 0 and "Usage: weiyuan" in result.stdout


def test_every_failure_is_one_line_with_its_exit_code(tmp_path: Path):
    """0 done, 1 refused with a reason, 2 the command line is wrong; never a traceback."""
    (tmp_path / "a-file").write_text("", encoding="utf-8")
    cases = [
        (["roster", "import", str(tmp_path / "missing.csv")], 2, "找不到文件"),
        (["roster", "export", str(tmp_path / "a-file" / "roster.csv")], 1, "无法写入"),
        (["archive", "export", str(tmp_path / "a-file" / "y.xlsx")], 1, "不是文件夹"),
        (["--database-url", "postgres://nobody:secret@127.0.0.1:1/none", "members"], 1, "无法连接数据库"),
        (["activity", "close", "abc"], 2, "weiyuan activity close --help"),
        (["roster", "imprt", "x.csv"], 2, "Did you mean 'import'"),
        (
            [
                "activity",
                "create",
                "--type",
                "全体会议",
                "--title",
                "t",
                "--start",
                "2030-12-01 09:00",
                "--end",
                "11:00",
                "--committee",
                "经济委",
                "--sector",
                "经济界",
            ],
            2,
            "只能选一个",
        ),
    ]
    for args, code, says in cases:
        result = cli(tmp_path, *args)
        assert (result.returncode, result.stdout) == (code, ""), (args, result.stderr)
        assert says in result.stderr and "Traceback" not in result.stderr, (args, result.stderr)
        assert len(result.stderr.strip().splitlines()) == 1, (args, result.stderr)
    assert (
        "secret" not in cli(tmp_path, "--database-url", "postgres://u:secret@127.0.0.1:1/x", "members").stderr
    )


def test_the_weiyuan_command_is_installed(tmp_path: Path):
    weiyuan = Path(sys.executable).with_name("weiyuan")
    env = {**os.environ, "WEIYUAN_ENV_FILE": os.devnull, "DATABASE_URL": f"sqlite://{tmp_path / 'w.sqlite3'}"}
    result = subprocess.run(
        [str(weiyuan), "activity", "list"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert "近期没有未结束的活动" in result.stdout


def test_outbox_purge_by_hand(tmp_path: Path):
    done = cli(tmp_path, "outbox-purge")
    assert done.returncode == 0, done.stderr
    assert "已清理发件箱：0 条已送达的消息（保留 90 天），" in done.stdout
    assert "0 条失败、状态不明或无法联系的消息（保留 365 天）" in done.stdout

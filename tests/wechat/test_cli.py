"""Operator CLI: menu push and the venue check-in QR code, as a subprocess against the fake API."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.cli_wechat import MENU_FILE, CommandError, add_wechat_commands, check_menu
from tests.wechat.conftest import ROOT, seed
from tests.wechat.fake_api import FakeWechat


@pytest.fixture
async def fake() -> AsyncIterator[FakeWechat]:
    server = await FakeWechat().start()
    yield server
    await server.stop()


async def run_cli(fake: FakeWechat, db_url: str, *args: str) -> tuple[int, str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WECHAT_")}
    env.update(
        WEIYUAN_ENV_FILE=os.devnull,
        DATABASE_URL=db_url,
        WECHAT_APP_ID="wx-cli",
        WECHAT_APP_SECRET="cli-secret",
        WECHAT_API_BASE=fake.base_url,
        LOG_LEVEL="WARNING",
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli_wechat",
        *args,
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    return process.returncode or 0, out.decode(), err.decode()


async def test_menu_push_publishes_the_file(fake: FakeWechat, tmp_path: Path):
    db_url = f"sqlite://{tmp_path / 'cli.sqlite3'}"
    code, out, err = await run_cli(fake, db_url, "menu", "push")
    assert code == 0, err
    assert "3 top-level buttons" in out
    assert fake.paths() == ["cgi-bin/stable_token", "cgi-bin/menu/create"]
    assert fake.calls[1].body == json.loads(MENU_FILE.read_text(encoding="utf-8"))


async def test_qr_writes_a_png_for_the_activity(fake: FakeWechat, tmp_path: Path):
    db_url = f"sqlite://{tmp_path / 'cli.sqlite3'}"
    _, opened = await seed(
        db_url,
        [{"op": "member", "name": "陈国栋"}, {"op": "activity", "title": "农业界别视察", "code": None}],
    )
    number = opened["activity_id"]
    target = tmp_path / "qr.png"
    code, out, err = await run_cli(fake, db_url, "qr", f"#{number}", "--out", str(target), "--days", "2")
    assert code == 0, err
    assert str(target) in out
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    [call] = [c for c in fake.calls if c.path == "cgi-bin/qrcode/create"]
    assert call.body == {
        "action_name": "QR_STR_SCENE",
        "expire_seconds": 2 * 86400,
        "action_info": {"scene": {"scene_str": f"checkin:{number}"}},
    }


async def test_qr_for_a_missing_activity_is_a_clear_refusal(fake: FakeWechat, tmp_path: Path):
    db_url = f"sqlite://{tmp_path / 'cli.sqlite3'}"
    code, _, err = await run_cli(fake, db_url, "qr", "999")
    assert code == 2 and "no activity #999" in err and "Traceback" not in err
    assert "cgi-bin/qrcode/create" not in fake.paths()


async def test_wechat_refusal_is_reported_without_traceback(fake: FakeWechat, tmp_path: Path):
    fake.fail_next("cgi-bin/menu/create", 40018)
    code, _, err = await run_cli(fake, f"sqlite://{tmp_path / 'cli.sqlite3'}", "menu", "push")
    assert code == 1 and "40018" in err and "Traceback" not in err


def test_commands_mount_on_another_cli():
    parser = argparse.ArgumentParser(prog="weiyuan")
    add_wechat_commands(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["wechat", "qr", "12", "--days", "3"])
    assert (args.command, args.activity, args.days) == ("wechat", "12", 3)
    assert callable(args.run)


def test_menu_limits():
    check_menu(json.loads(MENU_FILE.read_text(encoding="utf-8")))
    with pytest.raises(CommandError):
        check_menu({"button": [{"type": "click", "name": str(n), "key": "cmd:帮助"} for n in range(4)]})
    with pytest.raises(CommandError):
        check_menu({"button": [{"type": "click", "name": "空", "key": ""}]})


async def test_mounted_command_runs_on_the_callers_database(db, clock, fake: FakeWechat, monkeypatch, capsys):
    """How `bot/cli.py` runs it: the database is already connected, `run` is awaited."""
    from bot import config

    monkeypatch.setenv("WECHAT_APP_ID", "wx-mounted")
    monkeypatch.setenv("WECHAT_APP_SECRET", "s")
    monkeypatch.setenv("WECHAT_API_BASE", fake.base_url)
    config.reset_settings_cache()
    parser = argparse.ArgumentParser(prog="weiyuan")
    add_wechat_commands(parser.add_subparsers(dest="command"))
    push = parser.parse_args(["wechat", "menu", "push"])
    assert await push.run(push) == 0
    assert fake.paths() == ["cgi-bin/stable_token", "cgi-bin/menu/create"]
    args = parser.parse_args(["wechat", "qr", "404"])
    assert await args.run(args) == 2
    assert "no activity #404" in capsys.readouterr().err

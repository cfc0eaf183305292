"""Operator CLI: menu push and the venue check-in QR code, as a subprocess against the fake API."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.cli.runner import Refusal
from bot.cli.wechat import MENU_FILE, MenuError, check_menu, checkin_qr_png, push_menu
from tests.wechat.conftest import ROOT, seed
from tests.wechat.fake_api import FakeWechat

pytestmark = pytest.mark.e2e


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
        "bot.cli",
        "wechat",
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
    assert "3 个一级菜单" in out
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
    assert code == 1 and "没有编号为 999 的活动" in err and "Traceback" not in err
    assert "cgi-bin/qrcode/create" not in fake.paths()


async def test_wechat_refusal_is_reported_without_traceback(fake: FakeWechat, tmp_path: Path):
    fake.fail_next("cgi-bin/menu/create", 40018)
    code, _, err = await run_cli(fake, f"sqlite://{tmp_path / 'cli.sqlite3'}", "menu", "push")
    assert code == 1 and "40018" in err and "Traceback" not in err


def test_menu_limits():
    check_menu(json.loads(MENU_FILE.read_text(encoding="utf-8")))
    with pytest.raises(MenuError):
        check_menu({"button": [{"type": "click", "name": str(n), "key": "cmd:帮助"} for n in range(4)]})
    with pytest.raises(MenuError):
        check_menu({"button": [{"type": "click", "name": "空", "key": ""}]})


async def test_commands_run_on_the_callers_database(db, clock, fake: FakeWechat, monkeypatch, tmp_path):
    """In-process, on an open database: what the CLI runner does around them."""
    from bot import config
    from bot.services.errors import ServiceError

    monkeypatch.setenv("WECHAT_APP_ID", "wx-mounted")
    monkeypatch.setenv("WECHAT_APP_SECRET", "s")
    monkeypatch.setenv("WECHAT_API_BASE", fake.base_url)
    config.reset_settings_cache()
    assert "3 个一级菜单" in await push_menu(str(MENU_FILE))
    assert fake.paths() == ["cgi-bin/stable_token", "cgi-bin/menu/create"]
    with pytest.raises(ServiceError) as missing:
        await checkin_qr_png("404", str(tmp_path / "qr.png"), None)
    assert "没有编号为 404 的活动" in missing.value.render()
    broken = tmp_path / "menu.json"
    broken.write_text('{"button": []}', encoding="utf-8")
    with pytest.raises(Refusal, match="1 to 3 top-level buttons"):
        await push_menu(str(broken))

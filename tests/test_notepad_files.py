"""Files the office edits in Windows Notepad are saved as UTF-8 with a byte-order mark: the policy
(checked by the operator CLI, in another process), a staff-edited greeting and the WeChat menu read
as written, the mark neither refusing the file nor reaching a member."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

from bot.services import greetings
from tests.notices.helpers import configure
from tests.support.app_process import PROJECT_ROOT

BOM = "\ufeff"


def test_a_policy_saved_with_a_bom_checks(tmp_path: Path):
    source = (PROJECT_ROOT / "config" / "policy" / "default.toml").read_text(encoding="utf-8")
    edited = tmp_path / "2027.toml"
    edited.write_text(BOM + source, encoding="utf-8")
    env = {**os.environ, "WEIYUAN_ENV_FILE": os.devnull}
    checked = subprocess.run(
        [sys.executable, "-m", "bot.cli", "policy", "check", str(edited)],
        cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=90,
    )  # fmt: skip
    assert checked.returncode == 0, checked.stderr
    assert "格式正确" in checked.stdout


async def test_a_greeting_saved_with_a_bom_reads_as_written(db, tmp_path, monkeypatch):
    configure(monkeypatch, greeting_template_dir=str(tmp_path))
    (tmp_path / "birthday.j2").write_text(BOM + "亲爱的{{ name }}：生日快乐！", encoding="utf-8")
    wanted = greetings.Greeting(
        "birthday.j2", "notices/default_birthday.j2", {"name": "王秀英", "date": "", "lunar": False}
    )
    assert await greetings.greeting_texts([wanted], date(2026, 6, 1)) == ["亲爱的王秀英：生日快乐！"]


def test_a_wechat_menu_saved_with_a_bom_reads(tmp_path: Path):
    from bot.cli.wechat import load_menu

    menu = {"button": [{"type": "click", "name": "帮助", "key": "cmd:帮助"}]}
    path = tmp_path / "menu.json"
    path.write_text(BOM + json.dumps(menu, ensure_ascii=False), encoding="utf-8")
    assert load_menu(path) == menu

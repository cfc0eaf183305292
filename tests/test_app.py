"""Start-up refuses unsafe settings."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from bot.app import ConfigurationError, check_settings
from bot.config import load_settings
from tests.support.app_process import PROJECT_ROOT


def test_onebot_without_token_is_refused():
    with pytest.raises(ConfigurationError, match="ONEBOT_ACCESS_TOKEN"):
        check_settings(load_settings(enable_onebot=True, onebot_access_token=""))
    # development may opt out explicitly; production never
    check_settings(load_settings(enable_onebot=True, onebot_access_token="", allow_insecure_onebot=True))
    with pytest.raises(ConfigurationError):
        check_settings(
            load_settings(
                enable_onebot=True, onebot_access_token="", allow_insecure_onebot=True, production=True
            )
        )
    check_settings(
        load_settings(
            enable_onebot=True,
            onebot_access_token="long-random-token",
            production=True,
            console_base_url="https://weiyuan.example.cn",
        )
    )


@pytest.mark.e2e
def test_the_bot_process_exits_with_a_clear_message(tmp_path):
    env = {
        **os.environ,
        "WEIYUAN_ENV_FILE": os.devnull,
        "ENABLE_ONEBOT": "true",
        "ONEBOT_ACCESS_TOKEN": "",
        "DATABASE_URL": f"sqlite://{tmp_path / 'x.sqlite3'}",
    }
    result = subprocess.run(
        [sys.executable, "-m", "bot"],
        cwd=tmp_path,
        env={**env, "PYTHONPATH": str(PROJECT_ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "configuration error" in result.stderr and "ONEBOT_ACCESS_TOKEN" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.e2e
def test_an_unusable_database_stops_the_bot_with_one_line(tmp_path):
    """A wrong DATABASE_URL (nothing listens there) is said in one line, password hidden, before
    the server starts: not a traceback from the web server's start-up."""
    env = {
        **os.environ,
        "WEIYUAN_ENV_FILE": os.devnull,
        "ONEBOT_ACCESS_TOKEN": "t",
        "DATABASE_URL": "postgres://weiyuan:s3cret@127.0.0.1:1/weiyuan",
        "PYTHONPATH": str(PROJECT_ROOT),
    }
    result = subprocess.run(
        [sys.executable, "-m", "bot"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
    )
    problems = [line for line in result.stderr.splitlines() if line.startswith("database error:")]
    assert result.returncode == 1 and len(problems) == 1, result.stderr[-2000:]
    assert "127.0.0.1:1" in problems[0] and "DATABASE_URL" in problems[0] and "s3cret" not in result.stderr
    assert "Traceback" not in result.stderr


def test_a_disabled_channel_adds_no_matchers():
    """Every matcher is checked for every event: a channel's own plugin loads only with that channel."""
    from bot.app import enabled_plugin_modules

    without = enabled_plugin_modules(load_settings(enable_wechat=False))
    with_wechat = enabled_plugin_modules(load_settings(enable_wechat=True))
    assert "plugins.wechat" not in without and "plugins.checkin" in without
    assert set(with_wechat) - set(without) == {"plugins.wechat"}

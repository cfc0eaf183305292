"""The settings model: strict values, one line per problem naming the key, production refusals,
and `.env.example` held to the model."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from dotenv import dotenv_values

from bot.app import ConfigurationError, check_settings
from bot.config import Settings, SettingsError, load_settings, production_problems
from tests.support.app_process import PROJECT_ROOT

EXAMPLE = PROJECT_ROOT / ".env.example"
NONEBOT_KEYS = {"host", "port", "log_level", "command_start", "nickname", "driver", "environment"}


def _problems(monkeypatch: pytest.MonkeyPatch, **env: str) -> list[str]:
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(SettingsError) as refused:
        load_settings()
    return refused.value.lines


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("PRODUCTION", "ture", "expected true or false"),
        ("ENABLE_WECHAT", "oui", "expected true or false"),
        ("PORT", "abc", "expected a whole number"),
        ("PORT", "70000", "expected a number ≤ 65535"),
        ("QUIET_HOURS_START", "25:00", "expected a local time HH:MM"),
        ("BRIEFING_TIME", "9点", "expected a local time HH:MM"),
        ("DISPATCH_INTERVAL_SECONDS", "soon", "expected a number"),
        ("REMINDER_OFFSETS", "3 days", "expected durations"),
        ("SILENT_REMINDER_BEFORE", "1w", "expected a duration"),
        ("REMINDER_OFFSETS_BY_TYPE", '{"学习培训": "tomorrow"}', "expected a JSON object"),
        ("GREETING_GROUPS", "qq:123", "expected a JSON list of groups"),
        ("GREETING_GROUPS", '["qq 123"]', 'expected groups as "platform:group id"'),
        ("SUPERUSERS", '{"qq": 1}', "expected a JSON list of accounts"),
        ("DELIVERY_ORDER", "qq,wechat", "expected a JSON list of strings"),
        ("WECHAT_TEMPLATE_IDS", "[]", "expected a JSON object"),
        ("WECHAT_ENCODING_MODE", "secure", "expected 'plain', 'compatible' or 'safe'"),
        ("LOCAL_TIMEZONE", "Beijing", "expected an IANA time zone"),
        ("DATABASE_URL", "mysql://x", "expected sqlite://"),
        ("LOG_LEVEL", "loud", "expected 'TRACE'"),
        ("BINDING_MAX_FAILURES", "0", "expected a number ≥ 1"),
    ],
)
def test_a_bad_value_names_the_key_the_value_and_what_was_expected(monkeypatch, key, value, expected):
    [line] = _problems(monkeypatch, **{key: value})
    assert line.startswith(f"{key}=") and expected in line, line
    assert "\n" not in line


def test_every_problem_is_reported_at_once_and_secrets_are_hidden(monkeypatch):
    lines = _problems(monkeypatch, PORT="abc", PRODUCTION="ture", WECHAT_AES_KEY="not-the-key-s3cr3t")
    assert [line.split("=")[0] for line in lines] == ["PORT", "PRODUCTION", "WECHAT_AES_KEY"]
    assert lines[2].startswith("WECHAT_AES_KEY=<hidden>: expected the 43-character EncodingAESKey")


def test_values_are_normalised_as_typed(monkeypatch):
    monkeypatch.setenv("QUIET_HOURS_START", "７：05")  # full-width, as a Chinese input method types it
    monkeypatch.setenv("REMINDER_OFFSETS", " 3D, 2h ")
    monkeypatch.setenv("LOG_LEVEL", "debug")
    monkeypatch.setenv("PRODUCTION", "TRUE")
    settings = load_settings()
    assert (settings.quiet_hours_start, settings.reminder_offsets) == ("07:05", "3d,2h")
    assert settings.log_level == "DEBUG" and settings.production is True


def test_a_mistyped_key_in_the_env_file_is_refused(monkeypatch, tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text("PRODUCTON=true\nNICKNAME=[]\n", encoding="utf-8")
    monkeypatch.setenv("WEIYUAN_ENV_FILE", str(env_file))
    assert _problems(monkeypatch) == ["PRODUCTON: not a setting (in .env); did you mean PRODUCTION?"]


def test_production_refuses_every_insecure_switch_and_missing_secret():
    assert production_problems(load_settings(onebot_access_token="t", production=False)) == []
    ready = load_settings(onebot_access_token="t", production=True, console_base_url="https://wy.example.cn")
    assert production_problems(ready) == []
    lines = production_problems(
        load_settings(
            production=True,
            allow_insecure_onebot=True,
            demo=True,
            enable_console=True,
            enable_wechat=True,
            wechat_encoding_mode="plain",
            wechat_api_base="http://api.weixin.qq.com",
        )
    )
    named = {line.split("=")[0].split(" ")[0] for line in lines}
    assert named == {
        "ALLOW_INSECURE_ONEBOT",
        "DEMO",
        "ENABLE_CONSOLE",
        "ONEBOT_ACCESS_TOKEN",
        "WECHAT_APP_ID",
        "WECHAT_APP_SECRET",
        "WECHAT_TOKEN",
        "WECHAT_AES_KEY",
        "WECHAT_ENCODING_MODE",
        "WECHAT_API_BASE",
        "CONSOLE_BASE_URL",
    }
    with pytest.raises(ConfigurationError, match="ALLOW_INSECURE_ONEBOT"):
        check_settings(load_settings(production=True, allow_insecure_onebot=True, onebot_access_token="t"))


def test_env_example_documents_exactly_the_settings():
    documented = {key.lower(): value for key, value in dotenv_values(EXAMPLE).items()}
    fields = set(Settings.model_fields)
    missing = sorted(name.upper() for name in fields - set(documented))
    unknown = sorted(key.upper() for key in set(documented) - fields - NONEBOT_KEYS)
    assert not missing, f"add these to .env.example with a comment: {missing}"
    assert not unknown, f".env.example documents keys no setting reads: {unknown}"
    undescribed = sorted(name for name, field in Settings.model_fields.items() if not field.description)
    assert not undescribed, f"give these fields a description: {undescribed}"


def test_env_example_is_a_valid_configuration(monkeypatch):
    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)
    monkeypatch.setenv("WEIYUAN_ENV_FILE", str(EXAMPLE))
    settings = load_settings()
    defaults = Settings.model_construct()
    differs = {
        name
        for name in Settings.model_fields
        if name not in ("greeting_groups",) and getattr(settings, name) != getattr(defaults, name)
    }
    assert not differs, f".env.example and the model's defaults disagree on {sorted(differs)}"


@pytest.mark.parametrize(
    ("setting", "key"),
    [
        ("PRODUCTION=ture", "PRODUCTION"),
        ("PORT=abc", "PORT"),
        ("QUIET_HOURS_START=25:00", "QUIET_HOURS_START"),
    ],
)
@pytest.mark.e2e
def test_a_bad_setting_stops_the_bot_with_one_line(tmp_path: Path, setting: str, key: str):
    name, _, value = setting.partition("=")
    env = {**os.environ, "WEIYUAN_ENV_FILE": os.devnull, "PYTHONPATH": str(PROJECT_ROOT), name: value}
    env["ONEBOT_ACCESS_TOKEN"] = "token"
    result = subprocess.run(
        [sys.executable, "-m", "bot"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        line for line in result.stderr.strip().splitlines() if line.startswith(f"configuration error: {key}=")
    ]
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
    assert not list(tmp_path.iterdir()), "nothing may be created before the settings are checked"

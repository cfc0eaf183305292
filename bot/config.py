"""Typed settings, loaded once.

Every field is documented here and in `.env.example`. Values come from the process environment
and the `.env` file (environment wins); names are case-insensitive, as in NoneBot.
"""

from __future__ import annotations

import json
import os
from functools import lru_cache
from pathlib import Path

from dotenv import dotenv_values
from pydantic import BaseModel, Field

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseModel):
    """Application settings (NoneBot's own keys such as HOST/PORT/ONEBOT_ACCESS_TOKEN live beside them)."""

    production: bool = Field(False, description="Production: secrets are enforced, insecure switches refused")
    database_url: str = Field(
        "sqlite://data/weiyuan.sqlite3",
        description="tortoise URL: sqlite://path or postgres://user:pass@host:port/db",
    )
    local_timezone: str = Field("Asia/Shanghai", description="The committee's time zone (IANA name)")
    demo: bool = Field(False, description="Seed fictional members and an open activity at start-up")

    enable_console: bool = Field(False, description="Run the NoneBot console adapter (local demo)")
    enable_onebot: bool = Field(True, description="Accept OneBot V11 reverse WebSocket connections (QQ)")
    onebot_access_token: str = Field("", description="Bearer token the OneBot implementation must send")
    superusers: set[str] = Field(
        default_factory=set,
        description='JSON list of accounts with staff rights before any roster exists, e.g. ["qq:10001"]',
    )
    allow_insecure_onebot: bool = Field(
        False, description="dev only: accept OneBot connections without a token (never in prod)"
    )

    enable_wechat: bool = Field(False, description="Serve the WeChat Official Account webhook")
    wechat_app_id: str = Field("", description="Official Account AppID")
    wechat_app_secret: str = Field("", description="Official Account AppSecret (for the API)")
    wechat_token: str = Field("", description="Token entered in the Official Account server settings")
    wechat_aes_key: str = Field("", description="EncodingAESKey (43 characters) for compatible/safe mode")
    wechat_encoding_mode: str = Field(
        "safe", description="plain, compatible or safe: safe refuses unencrypted messages"
    )
    wechat_path: str = Field("/wechat/oa", description="Webhook path (the URL entered at WeChat)")
    wechat_api_base: str = Field("https://api.weixin.qq.com", description="WeChat API base URL")
    wechat_api_timeout_seconds: float = Field(10.0, gt=0, description="Timeout of one WeChat API call")
    wechat_passive_reply_seconds: float = Field(
        4.0, ge=0, description="How long a webhook waits for the answer before replying success"
    )
    wechat_timestamp_tolerance_seconds: int = Field(
        300, ge=1, description="Largest accepted age (either way) of a webhook timestamp"
    )
    wechat_max_body_bytes: int = Field(65536, ge=1024, description="Larger webhook bodies get HTTP 413")
    wechat_dedupe_days: int = Field(3, ge=1, description="How long message ids are kept to drop retries")
    wechat_token_refresh_margin_seconds: int = Field(
        300, ge=0, description="Refresh the access token this long before it expires"
    )
    wechat_template_ids: dict[str, str] = Field(
        default_factory=dict, description='JSON object: notice kind → template id, e.g. {"activity": "…"}'
    )

    binding_code_ttl_minutes: int = Field(30, ge=1, description="Lifetime of a one-time binding code")
    binding_max_failures: int = Field(5, ge=1, description="Wrong codes an account may try before lock")
    binding_lock_minutes: int = Field(30, ge=1, description="How long an account stays locked")

    checkin_opens_before_minutes: int = Field(30, ge=0, description="Default check-in window start")
    checkin_closes_after_minutes: int = Field(30, ge=0, description="Default check-in window end")

    delivery_order: list[str] = Field(
        default_factory=lambda: ["qq", "wechat", "console"],
        description="JSON list: which bound channel reaches a member first",
    )
    delivery_max_attempts: int = Field(5, ge=1, description="Tries before a message is failed")
    delivery_retry_base_seconds: float = Field(30.0, gt=0, description="First retry delay, doubled each try")
    dispatch_interval_seconds: float = Field(2.0, gt=0, description="How often the outbox is polled")
    delivery_claim_batch: int = Field(100, ge=1, description="Rows claimed per statement")
    delivery_lease_seconds: float = Field(
        120.0, gt=0, description="A claim older than this is abandoned: re-queued, or unknown if sending"
    )
    delivery_offline_retry_seconds: float = Field(
        15.0, gt=0, description="Wait before retrying a member whose bound channels are all offline"
    )
    qq_group_interval_seconds: float = Field(3.0, ge=0, description="Pause between two QQ group messages")
    qq_group_jitter_seconds: float = Field(2.0, ge=0, description="Random extra pause, 0..this, for groups")
    qq_private_interval_seconds: float = Field(1.0, ge=0, description="Pause between two QQ private messages")
    qq_private_jitter_seconds: float = Field(0.5, ge=0, description="Random extra pause, 0..this, private")
    qq_daily_cap: int = Field(
        1500, ge=0, description="Most messages the QQ account sends per local day (0: no cap)"
    )
    quiet_hours_start: str = Field("22:00", description="Local HH:MM: non-urgent private messages wait")
    quiet_hours_end: str = Field("07:30", description="Local HH:MM: quiet hours end (= start: off)")
    quiet_hours_groups: bool = Field(False, description="Hold non-urgent group messages in quiet hours too")
    delivery_report_unreachable: bool = Field(
        True, description="Tell staff privately who could not be reached once a broadcast batch is done"
    )

    report_title_max: int = Field(50, ge=5, description="Longest 社情民意 title, in characters")
    report_content_max: int = Field(2000, ge=20, description="Longest 社情民意 content, in characters")
    report_content_min: int = Field(10, ge=1, description="Shortest 社情民意 content, in characters")
    record_text_max: int = Field(500, ge=10, description="Longest description of a visit or deed")
    leave_reason_max: int = Field(200, ge=5, description="Longest leave reason")

    policy_dir: str = Field(
        "config/policy", description="Folder of assessment policies: <year>.toml, else default.toml"
    )
    archive_dir: str = Field("data/exports", description="Where 导出档案 writes spreadsheets")
    rules_evaluation_time: str = Field(
        "02:00", description="Local time of the nightly rules evaluation (and 1 January for the year past)"
    )
    rules_publish_group: str = Field(
        "", description="Group where confirmed consequences are published when staff ask, e.g. qq:123456"
    )
    # Scheduler and scheduled content (notices, reminders, greetings, briefings)
    scheduler_enabled: bool = Field(True, description="Run the scheduler (one leader process on PostgreSQL)")
    scheduler_sweep_seconds: int = Field(60, ge=5, description="How often the sweeper enqueues what is due")
    scheduler_catchup_hours: float = Field(
        24.0, ge=0, description="A job due while the bot was down still runs if at most this many hours late"
    )
    scheduler_leader_retry_seconds: float = Field(
        5.0, gt=0, description="How often a non-leader process tries to take the scheduler lock"
    )
    scheduler_lock_key: int = Field(
        727_001, description="PostgreSQL advisory lock key that elects the scheduler process"
    )
    reminder_offsets: str = Field(
        "3d,1d,2h", description="Reminders before an activity starts, comma separated (d/h/m units)"
    )
    reminder_offsets_by_type: str = Field(
        "", description='JSON object: activity type → offsets, e.g. {"学习培训": "1d,2h"}'
    )
    silent_reminder_before: str = Field(
        "1d", description="When members who neither confirmed nor asked for leave get one more reminder"
    )
    birthday_greeting_time: str = Field("08:30", description="Local time birthday greetings are queued")
    holiday_greeting_time: str = Field("08:00", description="Local time holiday greetings are queued")
    briefing_weekday: int = Field(1, ge=1, le=7, description="Weekday of the weekly briefing (1 = Monday)")
    briefing_time: str = Field("09:00", description="Local time of the weekly briefing")
    greeting_groups: list[str] = Field(
        default_factory=list,
        description='JSON list of groups that get greetings and briefings, e.g. ["qq:123456"]',
    )
    greeting_template_dir: str = Field(
        "", description="Folder of staff-editable greeting templates (empty: templates/greetings)"
    )
    greeting_max_chars: int = Field(300, ge=20, description="Longest greeting text; longer ones fall back")

    # Staff web console (/console on the bot's own HTTP server)
    console_enabled: bool = Field(True, description="Serve the staff web console at /console")
    console_base_url: str = Field(
        "", description="Public address in sign-in links, e.g. https://weiyuan.example.cn (empty: HOST:PORT)"
    )
    console_login_ttl_minutes: int = Field(
        5, ge=1, le=60, description="How long a one-time sign-in link works"
    )
    console_idle_minutes: int = Field(30, ge=1, description="A console session unused this long ends")
    console_session_hours: int = Field(12, ge=1, description="A console session ends this long after sign-in")


_TRUE = {"1", "true", "yes", "on"}


def _read_env() -> dict[str, str]:
    values: dict[str, str] = {}
    env_file = Path(os.environ.get("WEIYUAN_ENV_FILE", PROJECT_ROOT / ".env"))
    if env_file.is_file():
        values.update({k.lower(): v for k, v in dotenv_values(env_file).items() if v is not None})
    values.update({k.lower(): v for k, v in os.environ.items()})
    return values


def load_settings(**overrides: object) -> Settings:
    raw = _read_env()
    data: dict[str, object] = {}
    for name, field in Settings.model_fields.items():
        if name in raw:
            value: object = raw[name]
            if field.annotation is bool:
                value = str(value).strip().lower() in _TRUE
            elif field.annotation == list[str] and isinstance(value, str):
                value = json.loads(value)
            elif field.annotation == dict[str, str] and isinstance(value, str):
                value = json.loads(value) if value.strip() else {}
            elif field.annotation == set[str] and isinstance(value, str):
                value = (
                    set(json.loads(value))
                    if value.strip().startswith("[")
                    else {part.strip() for part in value.split(",") if part.strip()}
                )
            data[name] = value
    data.update(overrides)
    return Settings.model_validate(data)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()


def server_address() -> str:
    """http://HOST:PORT of the bot's own HTTP server (NoneBot's HOST and PORT, from the environment)."""
    raw = _read_env()
    host = raw.get("host", "127.0.0.1")
    if host in ("0.0.0.0", "::", ""):
        host = "127.0.0.1"
    return f"http://{host}:{raw.get('port', '8080')}"


def reset_settings_cache() -> None:
    get_settings.cache_clear()

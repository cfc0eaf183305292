"""Typed settings, loaded once and checked strictly.

Values come from the process environment and the `.env` file (environment wins; names are
case-insensitive, as in NoneBot). A value that does not fit its field stops start-up with one line
per problem naming the key, the value and what was expected (`PORT='abc': expected a whole number`);
`PRODUCTION=true` refuses every insecure switch and every missing secret (`production_problems`).

Adding a setting is one field here with a description (and its line in `.env.example`, which a test
holds to this model): `my_limit: int = Field(10, ge=1, description="…")`. Mark a secret with
`secret(...)` (hidden in messages, required in production while its channel is enabled) and a
development-only switch with `insecure(...)` (refused in production).
"""

from __future__ import annotations

import difflib
import os
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from dotenv import dotenv_values
from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.setting_types import (
    AesKey,
    ClockTime,
    DatabaseUrl,
    Duration,
    Durations,
    DurationsByType,
    GroupRef,
    JsonAccounts,
    JsonGroups,
    JsonMapping,
    JsonStrings,
    LogLevel,
    SmsTemplates,
    TimeZoneName,
    UrlPath,
)

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def secret(description: str, *, needed_with: str = "", default: str = "") -> Any:
    """A secret: never printed; with PRODUCTION=true it must be set while `needed_with` is true."""
    return Field(
        default, description=description, json_schema_extra={"secret": True, "needed_with": needed_with}
    )


def insecure(description: str) -> Any:
    """A development-only switch (default off) that PRODUCTION=true refuses."""
    return Field(False, description=description, json_schema_extra={"insecure": True})


class Settings(BaseSettings):
    """Application settings, and the NoneBot keys this product sets (HOST, PORT, LOG_LEVEL)."""

    model_config = SettingsConfigDict(
        case_sensitive=False, extra="ignore", env_ignore_empty=True, validate_default=True
    )

    host: str = Field("127.0.0.1", min_length=1, description="Address the HTTP/WebSocket server listens on")
    port: int = Field(8080, ge=1, le=65535, description="Port of the OneBot WebSocket and the WeChat webhook")
    log_level: LogLevel = Field("INFO", description="TRACE, DEBUG, INFO, SUCCESS, WARNING, ERROR or CRITICAL")

    production: bool = Field(False, description="Production: secrets are enforced, insecure switches refused")
    database_url: DatabaseUrl = Field(
        "sqlite://data/weiyuan.sqlite3",
        description="tortoise URL: sqlite://path or postgres://user:pass@host:port/db",
    )
    local_timezone: TimeZoneName = Field("Asia/Shanghai", description="The committee's time zone (IANA name)")
    demo: bool = insecure("Seed fictional members and an open activity at start-up (the demo)")

    enable_console: bool = insecure("Run the NoneBot console adapter (local demo)")
    enable_onebot: bool = Field(True, description="Accept OneBot V11 reverse WebSocket connections (QQ)")
    onebot_access_token: str = secret(
        "Bearer token the OneBot implementation must send", needed_with="enable_onebot"
    )
    superusers: JsonAccounts = Field(
        default_factory=set,
        description='JSON list of accounts with staff rights before any roster exists, e.g. ["qq:10001"]',
    )
    onebot_wait_warning_seconds: float = Field(
        300.0, ge=0, description="Warn this often while no OneBot client is connected (0: never)"
    )
    allow_insecure_onebot: bool = insecure(
        "dev only: accept OneBot connections without a token (never in prod)"
    )

    enable_wechat: bool = Field(False, description="Serve the WeChat Official Account webhook")
    wechat_app_id: str = secret("Official Account AppID", needed_with="enable_wechat")
    wechat_app_secret: str = secret("Official Account AppSecret (for the API)", needed_with="enable_wechat")
    wechat_token: str = secret(
        "Token entered in the Official Account server settings", needed_with="enable_wechat"
    )
    wechat_aes_key: AesKey = secret(
        "EncodingAESKey (43 characters) for compatible/safe mode", needed_with="enable_wechat"
    )
    wechat_encoding_mode: Literal["plain", "compatible", "safe"] = Field(
        "safe", description="plain, compatible or safe: safe refuses unencrypted messages"
    )
    wechat_path: UrlPath = Field("/wechat/oa", description="Webhook path (the URL entered at WeChat)")
    wechat_api_base: str = Field("https://api.weixin.qq.com", description="WeChat API base URL")
    wechat_api_timeout_seconds: float = Field(10.0, gt=0, description="Timeout of one WeChat API call")
    wechat_passive_reply_seconds: float = Field(
        4.0, ge=0, le=4.5, description="How long a webhook waits for the answer before replying success"
    )
    wechat_timestamp_tolerance_seconds: int = Field(
        300, ge=1, description="Largest accepted age (either way) of a webhook timestamp"
    )
    wechat_max_body_bytes: int = Field(65536, ge=1024, description="Larger webhook bodies get HTTP 413")
    wechat_dedupe_days: int = Field(3, ge=1, description="How long message ids are kept to drop retries")
    wechat_token_refresh_margin_seconds: int = Field(
        300, ge=0, description="Refresh the access token this long before it expires"
    )
    wechat_template_ids: JsonMapping = Field(
        default_factory=dict, description='JSON object: notice kind → template id, e.g. {"activity": "…"}'
    )

    # 企业微信 / 政务微信: a self-built app (自建应用) and group robots (群机器人)
    enable_wecom: bool = Field(False, description="Serve the 企业微信 / 政务微信 self-built app's callback")
    wecom_corp_id: str = secret("CorpID (我的企业 → 企业信息)", needed_with="enable_wecom")
    wecom_agent_id: int = Field(0, ge=0, description="AgentId of the self-built app")
    wecom_secret: str = secret("Secret of the self-built app (for gettoken)", needed_with="enable_wecom")
    wecom_token: str = secret("Token of the app's callback settings (接收消息)", needed_with="enable_wecom")
    wecom_aes_key: AesKey = secret(
        "EncodingAESKey (43 characters) of the callback", needed_with="enable_wecom"
    )
    wecom_path: UrlPath = Field(
        "/wecom/app", description="Callback path (the URL entered in the admin console)"
    )
    wecom_api_base: str = Field(
        "https://qyapi.weixin.qq.com", description="API base URL (政务微信 deployments have their own)"
    )
    wecom_api_timeout_seconds: float = Field(10.0, gt=0, description="Timeout of one 企业微信 API call")
    wecom_passive_reply_seconds: float = Field(
        4.0, ge=0, le=4.5, description="How long a callback waits for the answer before replying empty"
    )
    wecom_timestamp_tolerance_seconds: int = Field(
        300, ge=1, description="Largest accepted age (either way) of a callback timestamp"
    )
    wecom_max_body_bytes: int = Field(65536, ge=1024, description="Larger callback bodies get HTTP 413")
    wecom_private_interval_seconds: float = Field(
        0.2, ge=0, description="Pause between two app messages (message/send)"
    )
    enable_wecom_robots: bool = Field(False, description="Send to 企业微信 groups through group robots")
    wecom_robots: JsonMapping = Field(
        default_factory=dict,
        description='JSON object: group name → robot webhook key, e.g. {"office": "…"} (secret)',
        json_schema_extra={"secret": True, "needed_with": "enable_wecom_robots"},
    )
    wecom_robot_format: Literal["text", "markdown"] = Field(
        "text", description="text, or markdown (first line bold) for group robot messages"
    )
    wecom_robot_interval_seconds: float = Field(
        3.5, ge=3.1, description="Pause between two robot messages (more than 3 s: a robot takes 20 a minute)"
    )

    # SMS (短信): one provider's SDK, for members with no chat channel and as an extra route when urgent
    sms_provider: Literal["", "tencent", "aliyun"] = Field(
        "", description="SMS provider: tencent (腾讯云短信) or aliyun (阿里云短信服务); empty: no SMS"
    )
    sms_access_key_id: str = secret(
        "Tencent Cloud SecretId or Alibaba Cloud AccessKey ID (a sub-account allowed to send SMS only)",
        needed_with="sms_provider",
    )
    sms_access_key_secret: str = secret(
        "Tencent Cloud SecretKey or Alibaba Cloud AccessKey Secret", needed_with="sms_provider"
    )
    sms_app_id: str = Field("", description="Tencent Cloud SmsSdkAppId (短信应用 SDK AppID); not for aliyun")
    sms_sign_name: str = Field("", description="The approved SMS signature (签名), e.g. 某某区政协")
    sms_region: str = Field("ap-guangzhou", description="Tencent Cloud region of the SMS API")
    sms_api_base: str = Field(
        "",
        description="Provider API address (empty: https://sms.tencentcloudapi.com or https://dysmsapi.aliyuncs.com)",
    )
    sms_timeout_seconds: float = Field(10.0, gt=0, description="Timeout of one SMS API call")
    sms_templates: SmsTemplates = Field(
        default_factory=dict,
        description="JSON object: notice kind → approved template id and its parameters (jinja2 over the "
        'notice), e.g. {"birthday": {"template": "1234567", "params": {"name": "{{ name }}"}}}',
    )
    sms_param_max_chars: int = Field(
        35, ge=1, description="A template parameter is cut to this many characters (the providers' limit)"
    )
    sms_interval_seconds: float = Field(0.2, ge=0, description="Pause between two SMS")
    sms_daily_cap: int = Field(200, ge=0, description="Most SMS sent per local day (0: no cap)")
    sms_monthly_budget_yuan: float = Field(
        50.0, ge=0, description="Most yuan spent on SMS per calendar month (0: no budget)"
    )
    sms_price_yuan: float = Field(
        0.045, gt=0, description="Price of one SMS (one billed segment of 70 characters) in yuan"
    )
    sms_receipt_token: str = secret(
        "Secret in the receipt URL given to the provider: https://<host>/sms/receipt?token=<token>",
        needed_with="sms_provider",
    )
    sms_receipt_max_body_bytes: int = Field(
        262144, ge=1024, description="Larger SMS receipt bodies get HTTP 413"
    )

    binding_code_ttl_minutes: int = Field(30, ge=1, description="Lifetime of a one-time binding code")
    binding_max_failures: int = Field(5, ge=1, description="Wrong codes an account may try before lock")
    binding_lock_minutes: int = Field(30, ge=1, description="How long an account stays locked")

    checkin_opens_before_minutes: int = Field(30, ge=0, description="Default check-in window start")
    checkin_closes_after_minutes: int = Field(30, ge=0, description="Default check-in window end")

    rate_limit_burst: int = Field(
        10, ge=0, description="Messages one account may send the bot at once (0: no rate limit)"
    )
    rate_limit_per_second: float = Field(
        2.0, gt=0, description="Messages per second one account may send on average after the burst"
    )
    rate_limit_silence_seconds: float = Field(
        30.0, ge=1, description="After the one notice, how long an account over the limit is ignored"
    )

    delivery_order: JsonStrings = Field(
        default_factory=lambda: ["qq", "wecom", "wechat", "console", "sms"],
        description="JSON list: which bound channel reaches a member first (sms: the roster phone)",
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
    quiet_hours_start: ClockTime = Field("22:00", description="Local HH:MM: non-urgent private messages wait")
    quiet_hours_end: ClockTime = Field("07:30", description="Local HH:MM: quiet hours end (= start: off)")
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
    rules_evaluation_time: ClockTime = Field(
        "02:00", description="Local time of the nightly rules evaluation (and 1 January for the year past)"
    )
    rules_publish_group: GroupRef = Field(
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
    reminder_offsets: Durations = Field(
        "3d,1d,2h", description="Reminders before an activity starts, comma separated (d/h/m units)"
    )
    reminder_offsets_by_type: DurationsByType = Field(
        "", description='JSON object: activity type → offsets, e.g. {"学习培训": "1d,2h"}'
    )
    silent_reminder_before: Duration = Field(
        "1d", description="When members who neither confirmed nor asked for leave get one more reminder"
    )
    birthday_greeting_time: ClockTime = Field("08:30", description="Local time birthday greetings are queued")
    holiday_greeting_time: ClockTime = Field("08:00", description="Local time holiday greetings are queued")
    briefing_weekday: int = Field(1, ge=1, le=7, description="Weekday of the weekly briefing (1 = Monday)")
    briefing_time: ClockTime = Field("09:00", description="Local time of the weekly briefing")
    greeting_groups: JsonGroups = Field(
        default_factory=list,
        description='JSON list of groups that get greetings and briefings, e.g. ["qq:123456"]',
    )
    greeting_template_dir: str = Field(
        "", description="Folder of staff-editable greeting templates (empty: templates/greetings)"
    )
    greeting_max_chars: int = Field(300, ge=20, description="Longest greeting text; longer ones fall back")
    greeting_render_seconds: float = Field(
        3.0,
        gt=0,
        le=60,
        description="Longest a staff-edited greeting may take to render (in a child process); slower ones "
        "fall back to the default text",
    )

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


class SettingsError(Exception):
    """Settings that cannot be used: one line per problem, each naming the key."""

    def __init__(self, lines: list[str]) -> None:
        super().__init__("\n".join(lines))
        self.lines = lines


def _is_secret(name: str) -> bool:
    extra = Settings.model_fields[name].json_schema_extra
    return isinstance(extra, dict) and bool(extra.get("secret"))


def _expected(error: Any) -> str:
    kind, message, ctx = error["type"], error["msg"], error.get("ctx") or {}
    if kind in ("bool_parsing", "bool_type"):
        return "expected true or false"
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return "expected a whole number"
    if kind in ("float_parsing", "float_type"):
        return "expected a number"
    bounds = {"greater_than_equal": "≥ {ge}", "greater_than": "> {gt}", "less_than_equal": "≤ {le}"}
    if kind in bounds:
        return "expected a number " + bounds[kind].format(**ctx)
    if kind == "value_error":
        return message.removeprefix("Value error, ")
    return "expected " + message.removeprefix("Input should be ").removeprefix("String should ")


def _describe(error: ValidationError) -> list[str]:
    lines = []
    for problem in error.errors():
        name = str(problem["loc"][0]) if problem["loc"] else "?"
        shown = "<hidden>" if name in Settings.model_fields and _is_secret(name) else repr(problem["input"])
        lines.append(f"{name.upper()}={shown}: {_expected(problem)}")
    return lines


def env_file() -> Path:
    return Path(os.environ.get("WEIYUAN_ENV_FILE", PROJECT_ROOT / ".env"))


def _known_keys() -> set[str]:
    from nonebot.config import Config as NoneBotConfig

    return {*Settings.model_fields, *NoneBotConfig.model_fields, "environment"}


def _typos(path: Path) -> list[str]:
    """Keys in the .env file that are no setting but look like one: `PRODUCTON=true` is read as nothing."""
    if not path.is_file():
        return []
    known = _known_keys()
    lines = []
    for key in dotenv_values(path):
        name = key.lower()
        close = difflib.get_close_matches(name, known, n=1, cutoff=0.8)
        if name not in known and close:
            lines.append(f"{key}: not a setting (in {path.name}); did you mean {close[0].upper()}?")
    return lines


def load_settings(**overrides: Any) -> Settings:
    """Read and check the settings; raises SettingsError with one line per problem."""
    path = env_file()
    problems = _typos(path)
    try:
        settings = Settings(_env_file=path if path.is_file() else None, **overrides)
    except ValidationError as error:
        raise SettingsError([*_describe(error), *problems]) from None
    if problems:
        raise SettingsError(problems)
    return settings


def production_problems(settings: Settings) -> list[str]:
    """What PRODUCTION=true refuses: development switches that are on, secrets that are missing."""
    if not settings.production:
        return []
    lines = []
    for name, field in Settings.model_fields.items():
        extra = field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}
        value = getattr(settings, name)
        if extra.get("insecure") and value:
            lines.append(f"{name.upper()}=true is refused when PRODUCTION=true ({field.description})")
        needed_with = str(extra.get("needed_with") or "")
        if extra.get("secret") and not value and (not needed_with or getattr(settings, needed_with)):
            reason = f" while {needed_with.upper()}=true" if needed_with else ""
            lines.append(f"{name.upper()} is empty: PRODUCTION=true requires it{reason}")
    if settings.enable_wechat and settings.wechat_encoding_mode == "plain":
        lines.append("WECHAT_ENCODING_MODE='plain' is refused when PRODUCTION=true: use safe")
    if settings.enable_wechat and not settings.wechat_api_base.startswith("https://"):
        lines.append(f"WECHAT_API_BASE={settings.wechat_api_base!r}: PRODUCTION=true requires https://")
    if settings.sms_provider and settings.sms_api_base and not settings.sms_api_base.startswith("https://"):
        lines.append(f"SMS_API_BASE={settings.sms_api_base!r}: PRODUCTION=true requires https://")
    wecom_used = settings.enable_wecom or settings.enable_wecom_robots
    if wecom_used and not settings.wecom_api_base.startswith("https://"):
        lines.append(f"WECOM_API_BASE={settings.wecom_api_base!r}: PRODUCTION=true requires https://")
    if settings.console_enabled and not settings.console_base_url.startswith("https://"):
        lines.append(
            f"CONSOLE_BASE_URL={settings.console_base_url!r}: PRODUCTION=true requires the https:// address "
            "staff open (sign-in links and the console's Secure cookie need HTTPS), or CONSOLE_ENABLED=false"
        )
    return lines


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()


def reset_settings_cache() -> None:
    get_settings.cache_clear()

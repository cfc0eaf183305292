"""Value types of the settings model: each parses one kind of text strictly and says what it expected.

A validator raises `ValueError("expected …")`; the loader turns it into the one line an operator
reads: `KEY='value': expected …`. Values keep the form the rest of the code reads (e.g. "07:30"),
normalised (full-width digits and colons, stray spaces).
"""

from __future__ import annotations

import json
import re
import unicodedata
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BeforeValidator
from pydantic_settings import NoDecode

_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})$")
_OFFSET = re.compile(r"^(\d+)([dhm])$")
_GROUP = re.compile(r"^(?:[a-z_]+:\S+|\d+)$")  # "qq:123456", or a bare QQ group number
DATABASE_SCHEMES = ("sqlite://", "postgres://", "asyncpg://", "psycopg://")


def _clean(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip()


def _clock_time(text: str) -> str:
    match = _CLOCK.match(_clean(text))
    if match is None or int(match[1]) > 23 or int(match[2]) > 59:
        raise ValueError("expected a local time HH:MM between 00:00 and 23:59")
    return f"{int(match[1]):02d}:{match[2]}"


def _offset(text: str) -> str:
    cleaned = _clean(text).lower()
    if _OFFSET.match(cleaned) is None:
        raise ValueError("expected a duration: a number and d, h or m (e.g. 1d, 2h, 30m)")
    return cleaned


def _offsets(text: str) -> str:
    parts = [part.strip() for part in _clean(text).lower().split(",") if part.strip()]
    if not parts or any(_OFFSET.match(part) is None for part in parts):
        raise ValueError(
            "expected durations separated by commas, each a number and d, h or m (e.g. 3d,1d,2h)"
        )
    return ",".join(parts)


def _offsets_by_type(text: str) -> str:
    if not text.strip():
        return ""
    try:
        data = json.loads(text)
        if not isinstance(data, dict):
            raise TypeError
        for value in data.values():
            _offsets(str(value))
    except (ValueError, TypeError):
        raise ValueError(
            'expected a JSON object of activity type → durations, e.g. {"学习培训": "1d,2h"}'
        ) from None
    return text


def _timezone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError("expected an IANA time zone name such as Asia/Shanghai") from None
    return name


def _database_url(url: str) -> str:
    if not url.startswith(DATABASE_SCHEMES):
        raise ValueError("expected sqlite://<file> or postgres://user:password@host:port/database")
    return url


def _json(expected: str, kind: type) -> Any:
    """Parse JSON text from the environment (values given in Python pass through)."""

    def parse(value: Any) -> Any:
        if not isinstance(value, str):
            return value
        text = value.strip()
        if not text:
            return kind()
        try:
            parsed = json.loads(text)
        except ValueError:
            raise ValueError(f"expected {expected}") from None
        if not isinstance(parsed, kind):
            raise ValueError(f"expected {expected}")
        return parsed

    return BeforeValidator(parse)


def _groups(values: list[str]) -> list[str]:
    for value in values:
        if _GROUP.match(value) is None:
            raise ValueError('expected groups as "platform:group id" or a QQ group number: ["qq:123"]')
    return values


def _group(value: str) -> str:
    if value and _GROUP.match(value) is None:
        raise ValueError('expected a group as "platform:group id", e.g. qq:123456')
    return value


def _aes_key(value: str) -> str:
    if value and re.fullmatch(r"[A-Za-z0-9]{43}", value) is None:
        raise ValueError("expected the 43-character EncodingAESKey (letters and digits) shown by WeChat")
    return value


def _path(value: str) -> str:
    if not value.startswith("/"):
        raise ValueError("expected a URL path starting with /")
    return value


def _sms_templates(value: dict[str, Any]) -> dict[str, Any]:
    for kind, spec in value.items():
        template = spec.get("template") if isinstance(spec, dict) else None
        params = spec.get("params", {}) if isinstance(spec, dict) else None
        if not isinstance(template, str) or not template or not isinstance(params, dict):
            raise ValueError(
                f'{kind!r}: expected {{"template": "<template id>", "params": {{"name": "<expression>"}}}}'
            )
        if not all(isinstance(k, str) and isinstance(v, str) for k, v in params.items()):
            raise ValueError(f"{kind!r}: every template parameter is a name and a text with {{{{ … }}}}")
    return value


LogLevel = Annotated[
    Literal["TRACE", "DEBUG", "INFO", "SUCCESS", "WARNING", "ERROR", "CRITICAL"],
    BeforeValidator(lambda value: value.strip().upper() if isinstance(value, str) else value),
]
ClockTime = Annotated[str, AfterValidator(_clock_time)]
Duration = Annotated[str, AfterValidator(_offset)]
Durations = Annotated[str, AfterValidator(_offsets)]
DurationsByType = Annotated[str, AfterValidator(_offsets_by_type)]
TimeZoneName = Annotated[str, AfterValidator(_timezone)]
DatabaseUrl = Annotated[str, AfterValidator(_database_url)]
AesKey = Annotated[str, AfterValidator(_aes_key)]
UrlPath = Annotated[str, AfterValidator(_path)]
GroupRef = Annotated[str, AfterValidator(_group)]
JsonStrings = Annotated[list[str], NoDecode, _json('a JSON list of strings, e.g. ["a", "b"]', list)]
JsonGroups = Annotated[
    list[str], NoDecode, _json('a JSON list of groups, e.g. ["qq:123456"]', list), AfterValidator(_groups)
]
JsonAccounts = Annotated[set[str], NoDecode, _json('a JSON list of accounts, e.g. ["qq:10001"]', list)]
JsonMapping = Annotated[
    dict[str, str], NoDecode, _json('a JSON object of names to strings, e.g. {"activity": "…"}', dict)
]
SmsTemplates = Annotated[
    dict[str, Any],
    NoDecode,
    _json('a JSON object of notice kinds, e.g. {"birthday": {"template": "1234567", "params": {}}}', dict),
    AfterValidator(_sms_templates),
]

"""Every text a person reads is rendered here from `templates/` (jinja2, zh-CN)."""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from bot.clock import local_now, to_local
from bot.config import PROJECT_ROOT

TEMPLATE_DIR = PROJECT_ROOT / "templates"
WEEKDAYS = "一二三四五六日"


def fmt_datetime(value: datetime | str | None, style: str = "full") -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, str):  # outbox contexts carry ISO strings
        value = datetime.fromisoformat(value)
    local = to_local(value)
    if style == "time":
        return local.strftime("%H:%M")
    if style == "short":
        return f"{local.month}月{local.day}日 {local:%H:%M}"
    if style == "day":  # a list of what is coming: the weekday, the year only when it is not this one
        year = f"{local.year}年" if local.year != local_now().year else ""
        return f"{year}{local.month}月{local.day}日(周{WEEKDAYS[local.weekday()]}) {local:%H:%M}"
    return f"{local.year}年{local.month}月{local.day}日(周{WEEKDAYS[local.weekday()]}) {local:%H:%M}"


def fmt_date(value: date | str | None) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, str):  # outbox contexts carry ISO strings
        value = date.fromisoformat(value)
    return f"{value.year}年{value.month}月{value.day}日"


TYPED_ECHO_MAX = 20


def typed(value: object, limit: int = TYPED_ECHO_MAX) -> str:
    """What a person typed, quoted back in a refusal: at most `limit` characters, then "…"."""
    text = str(value)
    return text if len(text) <= limit else text[:limit] + "…"


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATE_DIR),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
        autoescape=False,
    )
    env.filters["dt"] = fmt_datetime
    env.filters["d"] = fmt_date
    env.filters["typed"] = typed
    return env


def render(template: str, /, **context: Any) -> str:
    """Render `templates/<template>` and strip surrounding blank lines.

    `template` is positional-only, so any name at all (`name`, `template`, …) can be a field of
    the context: a refusal's fields never collide with the renderer's own parameters."""
    return environment().get_template(template).render(**context).strip()

"""How each NoneBot adapter's events map to a channel-agnostic Sender, and text back to a message.

Each adapter registers an `AdapterBinding` for its event base class; everything above this layer
sees only `Sender` and plain text.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from nonebot.adapters import Event

from bot.sender import Sender


@dataclass(frozen=True, slots=True)
class AdapterBinding:
    platform: str
    event_type: type  # the adapter's event base class (abstract: only used with isinstance)
    sender_of: Callable[[Event], Sender | None]
    plain: Callable[[str], Any]
    """Build a message that shows `text` literally (no CQ codes, no markup)."""


_BINDINGS: list[AdapterBinding] = []
_BY_EVENT_CLASS: dict[type[Event], AdapterBinding | None] = {}


def register(binding: AdapterBinding) -> None:
    _BINDINGS.append(binding)
    _BY_EVENT_CLASS.clear()


def binding_for(event: Event) -> AdapterBinding | None:
    """The binding whose adapter produced `event` (looked up once per event class)."""
    cls = type(event)
    if cls not in _BY_EVENT_CLASS:
        _BY_EVENT_CLASS[cls] = next((b for b in _BINDINGS if isinstance(event, b.event_type)), None)
    return _BY_EVENT_CLASS[cls]


def register_builtin(
    *, onebot: bool = True, console: bool = True, wechat: bool = True, wecom: bool = False
) -> None:
    """Register the bindings for the adapters this product ships with (imported only when used)."""
    registered = {b.platform for b in _BINDINGS}
    if onebot and "qq" not in registered:
        from bot.adapters import onebot as onebot_binding

        register(onebot_binding.BINDING)
    if console and "console" not in registered:
        from bot.adapters import console as console_binding

        register(console_binding.BINDING)
    if wechat and "wechat" not in registered:
        from bot.adapters import wechat_oa

        register(wechat_oa.BINDING)
    if wecom and "wecom" not in registered:
        from bot.adapters import wecom as wecom_binding

        register(wecom_binding.BINDING)

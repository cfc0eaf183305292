"""How each NoneBot adapter's events map to a channel-agnostic Sender, and text back to a message.

Adapters register an `AdapterBinding` under their NoneBot adapter name; everything above this layer
sees only `Sender` and plain text.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from nonebot.adapters import Event

from bot.services.actors import Sender


@dataclass(frozen=True, slots=True)
class AdapterBinding:
    platform: str
    sender_of: Callable[[Event], Sender | None]
    plain: Callable[[str], Any]
    """Build a message that shows `text` literally (no CQ codes, no markup)."""


_BINDINGS: dict[str, AdapterBinding] = {}


def register(adapter_name: str, binding: AdapterBinding) -> None:
    _BINDINGS[adapter_name] = binding


def binding_for(adapter_name: str) -> AdapterBinding | None:
    return _BINDINGS.get(adapter_name)


def register_builtin() -> None:
    """Register the bindings for the adapters this product ships with."""
    from bot.adapters import console, onebot, wechat_oa

    register("OneBot V11", onebot.BINDING)
    register("Console", console.BINDING)
    register(wechat_oa.ADAPTER_NAME, wechat_oa.BINDING)

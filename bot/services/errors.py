"""Refusals meant for a person. A service raises; the caller renders the template."""

from __future__ import annotations

from typing import Any


class ServiceError(Exception):
    """A polite refusal: `template` under templates/ with `context`; nothing was written."""

    def __init__(self, template: str, /, **context: Any) -> None:
        super().__init__(template)
        self.template = template
        self.context = context

    def render(self) -> str:
        from bot.render import render

        return render(self.template, **self.context)

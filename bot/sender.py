"""Who spoke and where: the chat-side value object shared by adapters, the router and services.

It sits below both adapters (which build it from platform events) and services (which resolve it to
a roster member), so neither has to import the other.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Sender:
    """A chat account and where it spoke: a private chat when `group_id` is None."""

    platform: str
    account_id: str
    group_id: str | None = None

    @property
    def is_private(self) -> bool:
        return self.group_id is None

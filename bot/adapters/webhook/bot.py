"""A WeChat-family app as a NoneBot bot: a reply goes into the waiting callback response when it is
still open (passive reply), otherwise into the outbox, from where the dispatcher sends it by the
platform's message API (the Official Account's customer-service messages, 企业微信's message/send)."""

from __future__ import annotations

from typing import Any, ClassVar, Protocol

from nonebot.adapters import Bot as BaseBot
from nonebot.adapters import Event
from nonebot.adapters import Message as BaseMessage
from nonebot.adapters import MessageSegment as BaseMessageSegment
from typing_extensions import override

from bot.adapters.webhook.message import to_text


class Delivering(Protocol):
    async def deliver(self, event: Any, text: str) -> None: ...


class CallbackBot(BaseBot):
    event_class: ClassVar[type[Event]]  # the events this bot answers

    @override
    async def send(
        self, event: Event, message: str | BaseMessage | BaseMessageSegment, **kwargs: Any
    ) -> None:
        if not isinstance(event, self.event_class):
            raise TypeError(f"{type(self).__module__} only answers {self.event_class.__name__} events")
        text = to_text(message)
        if text.strip():
            adapter: Delivering = self.adapter  # type: ignore[assignment]
            await adapter.deliver(event, text)

"""The 企业微信 / 政务微信 app as a NoneBot bot (replies: passive, else by message/send)."""

from __future__ import annotations

from bot.adapters.webhook.bot import CallbackBot
from bot.adapters.wecom.event import WecomMessageEvent


class Bot(CallbackBot):
    event_class = WecomMessageEvent

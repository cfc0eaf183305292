"""The command router: ONE NoneBot matcher for every chat command of every plugin.

Why one matcher: NoneBot checks every matcher's permission and rule for every event, each in its
own task with dependency solving. Measured on a 2-core machine with 500 members checking in at
once, each extra `on_message(rule=...)` matcher cost about as much as the whole check-in itself;
seventeen of them cut throughput to a seventh of a bare echo bot. So plugins register handlers
here (`@router.command("签到")`), and a single matcher looks the first word up in a dict.

Handlers are plain async functions taking a `Request` and returning the reply text (or an `Ask`
to continue a guided conversation). A `ServiceError` becomes its template's polite text; any other
exception is logged with its traceback while the person sees a short apology. Conversations
(社情民意, 新建活动) are kept here per chat session, so they behave the same on every channel.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from loguru import logger
from nonebot.adapters import Bot, Event
from nonebot.plugin import on_message
from nonebot.rule import Rule
from nonebot.typing import T_State

from bot.adapters import binding_for
from bot.render import render
from bot.sender import Sender
from bot.services.errors import ServiceError

COMMAND_PREFIXES = ("/", "／")
CANCEL_WORDS = frozenset({"取消", "退出", "算了"})
REQUEST_KEY = "_weiyuan_request"


def split_command(text: str) -> tuple[str, str]:
    """'/签到 ABC' → ('签到', 'ABC'). The command is the first word; the rest is its argument."""
    text = text.strip()
    for prefix in COMMAND_PREFIXES:
        if text.startswith(prefix):
            text = text[len(prefix) :].lstrip()
            break
    head, _, rest = text.partition(" ")
    if "\n" in head:
        head, _, more = head.partition("\n")
        rest = f"{more}\n{rest}" if rest else more
    return head, rest.strip()


@dataclass(slots=True)
class Request:
    """One message addressed to the bot, already parsed."""

    bot: Bot
    event: Event
    sender: Sender
    plain: Callable[[str], Any]
    text: str
    name: str = ""
    args: str = ""


@dataclass(slots=True)
class Ask:
    """Reply with `text` and hand the sender's next message to `then` (with `state`)."""

    text: str
    then: Callable[[Request, dict[str, Any]], Awaitable[str | Ask | None]]
    state: dict[str, Any] = field(default_factory=dict)


Handler = Callable[[Request], Awaitable["str | Ask | None"]]
SessionKey = tuple[str, str, str]


@dataclass(slots=True)
class _Pending:
    ask: Ask
    expires: float


class Router:
    def __init__(self, conversation_seconds: float = 600.0) -> None:
        self.handlers: dict[str, Handler] = {}
        self.pending: dict[SessionKey, _Pending] = {}
        self.conversation_seconds = conversation_seconds

    def command(self, *names: str) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            for name in names:
                if name in self.handlers:
                    raise ValueError(f"command {name!r} is registered twice")
                self.handlers[name] = handler
            return handler

        return register

    @staticmethod
    def session(sender: Sender) -> SessionKey:
        return sender.platform, sender.account_id, sender.group_id or ""

    def _conversation(self, sender: Sender) -> Ask | None:
        key = self.session(sender)
        pending = self.pending.get(key)
        if pending is None:
            return None
        if pending.expires < time.monotonic():
            del self.pending[key]
            return None
        return pending.ask

    def route(self, bot: Bot, event: Event) -> Request | None:
        """The request this event makes of the bot, or None when the bot should stay silent."""
        if event.get_type() != "message":
            return None
        binding = binding_for(event)
        sender = binding.sender_of(event) if binding else None
        if sender is None:
            return None
        text = event.get_plaintext()
        if self._conversation(sender) is not None:
            return Request(bot, event, sender, binding.plain, text.strip())
        name, args = split_command(text)
        if name in self.handlers:
            return Request(bot, event, sender, binding.plain, text, name, args)
        if sender.is_private and text.strip():
            return Request(bot, event, sender, binding.plain, text, "", text.strip())
        return None

    async def _call(self, step: Callable[[], Awaitable[str | Ask | None]], label: str) -> str | Ask | None:
        try:
            return await step()
        except ServiceError as refusal:
            return refusal.render()
        except Exception:
            logger.exception("command {} failed", label)
            return render("common/internal_error.j2")

    async def handle(self, request: Request) -> str | None:
        key = self.session(request.sender)
        ongoing = self._conversation(request.sender)
        if ongoing is not None:
            if request.text in CANCEL_WORDS:
                del self.pending[key]
                return render("common/conversation_cancelled.j2")
            try:
                result = await ongoing.then(request, ongoing.state)
            except ServiceError as refusal:  # stay on this step: say what was wrong, ask again
                self.pending[key] = _Pending(ongoing, time.monotonic() + self.conversation_seconds)
                return render("common/ask_again.j2", problem=refusal.render(), prompt=ongoing.text)
            except Exception:
                logger.exception("conversation step failed")
                result = render("common/internal_error.j2")
        elif request.name:
            handler = self.handlers[request.name]
            result = await self._call(lambda: handler(request), request.name)
        else:
            return render("common/unknown_command.j2")
        if isinstance(result, Ask):
            self.pending[key] = _Pending(result, time.monotonic() + self.conversation_seconds)
            return result.text
        self.pending.pop(key, None)
        return result


router = Router()


async def _addressed_to_bot(bot: Bot, event: Event, state: T_State) -> bool:
    request = router.route(bot, event)
    if request is None:
        return False
    state[REQUEST_KEY] = request
    return True


def install() -> None:
    """Create the single matcher that serves every registered command."""
    matcher = on_message(rule=Rule(_addressed_to_bot), priority=10, block=True)

    @matcher.handle()
    async def _serve(state: T_State) -> None:
        request: Request = state[REQUEST_KEY]
        reply = await router.handle(request)
        if reply:
            await request.bot.send(request.event, request.plain(reply))

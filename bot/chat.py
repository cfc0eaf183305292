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
import unicodedata
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from loguru import logger
from nonebot.adapters import Bot, Event
from nonebot.plugin import on_message
from nonebot.rule import Rule
from nonebot.typing import T_State

from bot.adapters import binding_for
from bot.hints import Hint
from bot.input_text import EMPTY, Arguments
from bot.rate_limit import AccountLimits, Verdict
from bot.render import render
from bot.sender import Sender
from bot.services.errors import ServiceError

CANCEL_WORDS = frozenset({"取消", "退出", "算了"})
REQUEST_KEY = "_weiyuan_request"
LIMITED_KEY = "_weiyuan_rate_limited"
HINTS_ATTRIBUTE = "_weiyuan_hints"


def _strip_punctuation(word: str) -> str:
    """'签到！' → '签到', '帮助？' → '帮助': sentence punctuation after a command word."""
    end = len(word)
    while end and unicodedata.category(word[end - 1]).startswith("P"):
        end -= 1
    return word[:end]


@dataclass(slots=True)
class Request:
    """One message addressed to the bot, already parsed.

    `args` are the command's words folded (full-width forms, Unicode spaces: see bot/input_text.py),
    which is what numbers, codes, names and keywords are read from. Free text a person writes
    (a reason, a description, a report) is taken with `rest(n)`: the text from word n on, exactly
    as typed. In a conversation step, `text` is the whole message as typed and `args` its folded
    words.
    """

    bot: Bot
    event: Event
    sender: Sender
    plain: Callable[[str], Any]
    text: str
    name: str = ""
    arguments: Arguments = EMPTY

    @property
    def args(self) -> str:
        return self.arguments.text

    @property
    def words(self) -> tuple[str, ...]:
        return self.arguments.words

    def word(self, index: int) -> str:
        return self.arguments.word(index)

    def rest(self, index: int) -> str:
        return self.arguments.rest(index)

    @property
    def answer(self) -> str:
        """A one-word answer in a conversation (确认, 取消, 是): folded, sentence punctuation dropped."""
        return _strip_punctuation(self.arguments.text)


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
        self.commands: list[tuple[tuple[str, ...], Handler]] = []  # one entry per registration
        self.pending: dict[SessionKey, _Pending] = {}
        self.conversation_seconds = conversation_seconds
        self._glued: list[str] | None = None
        self._fallback: Handler | None = None

    def command(self, *names: str) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            for name in names:
                if name in self.handlers:
                    raise ValueError(f"command {name!r} is registered twice")
                self.handlers[name] = handler
            self.commands.append((names, handler))
            self._glued = None
            return handler

        return register

    @staticmethod
    def hint(*keywords: str, staff: bool = False) -> Callable[[Handler], Handler]:
        """Words of a natural question that mean this command (see bot/hints.py); written next to
        the command's `@router.command(...)`. `staff`: suggested to staff only."""

        def attach(handler: Handler) -> Handler:
            setattr(handler, HINTS_ATTRIBUTE, (tuple(keywords), staff))
            return handler

        return attach

    @staticmethod
    def hints_of(handler: Handler) -> tuple[tuple[str, ...], bool]:
        """A handler's hint keywords and whether they are for staff only."""
        return getattr(handler, HINTS_ATTRIBUTE, ((), False))

    def hints(self) -> list[Hint]:
        """Every command's names and hint keywords, in registration order."""
        found = []
        for names, handler in self.commands:
            keywords, staff = self.hints_of(handler)
            found.append(Hint(names[0], (*names[1:], *keywords), staff))
        return found

    def fallback(self, handler: Handler) -> Handler:
        """The handler for a private message that names no command (the help plugin's)."""
        self._fallback = handler
        return handler

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

    def match(self, arguments: Arguments) -> tuple[str, Arguments] | None:
        """The registered command a message starts with, and its arguments; None when it names none.

        Read from the folded words, so `／签到`, `签到！`, `HELP` and `签到　K7Q2` all find their
        command. A command word glued to an argument (`签到K7Q2`, `考勤12`, `签到#3`) is found too
        when what follows it is a letter, digit or `#`; `签到了吗` stays ordinary chatter.
        """
        index = 0
        first = arguments.word(0)
        if first == "/":
            index, first = 1, arguments.word(1)
        slash = len(first) - len(first.lstrip("/"))
        word = first[slash:]
        if not word:
            return None
        for candidate in (word, word.lower(), _strip_punctuation(word)):
            if candidate in self.handlers:
                return candidate, Arguments.parse(arguments.rest(index + 1))
        for name in self._glued_names():
            tail = word[len(name) :]
            if word.startswith(name) and tail[:1].isascii() and (tail[:1].isalnum() or tail[:1] == "#"):
                return name, Arguments.parse(arguments.after(index, slash + len(name)))
        return None

    def _glued_names(self) -> list[str]:
        """Command words that may be typed glued to their argument: the Chinese ones, longest first."""
        if self._glued is None:
            self._glued = sorted((n for n in self.handlers if not n.isascii()), key=len, reverse=True)
        return self._glued

    def route(self, bot: Bot, event: Event) -> Request | None:
        """The request this event makes of the bot, or None when the bot should stay silent."""
        if event.get_type() != "message":
            return None
        binding = binding_for(event)
        sender = binding.sender_of(event) if binding is not None else None
        if binding is None or sender is None:
            return None
        arguments = Arguments.parse(event.get_plaintext())
        if self._conversation(sender) is not None:
            return Request(bot, event, sender, binding.plain, arguments.raw, arguments=arguments)
        matched = self.match(arguments)
        if matched is not None:
            name, command_args = matched
            return Request(bot, event, sender, binding.plain, arguments.raw, name, command_args)
        if sender.is_private and arguments.words:
            return Request(bot, event, sender, binding.plain, arguments.raw, arguments=arguments)
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
            if request.answer in CANCEL_WORDS:
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
        elif self._fallback is not None:
            fallback = self._fallback
            result = await self._call(lambda: fallback(request), "fallback")
        else:
            return render("common/unknown_command.j2")
        if isinstance(result, Ask):
            self.pending[key] = _Pending(result, time.monotonic() + self.conversation_seconds)
            return result.text
        self.pending.pop(key, None)
        return result


router = Router()


limits = AccountLimits()


async def _addressed_to_bot(bot: Bot, event: Event, state: T_State) -> bool:
    """Route the message; an account over its rate limit is told once, then ignored for a while."""
    request = router.route(bot, event)
    if request is None:
        return False
    verdict = limits.check(request.sender.platform, request.sender.account_id)
    if verdict is Verdict.DROP:
        return False
    state[REQUEST_KEY] = request
    state[LIMITED_KEY] = verdict is Verdict.NOTIFY
    return True


def install() -> None:
    """Create the single matcher that serves every registered command."""
    matcher = on_message(rule=Rule(_addressed_to_bot), priority=10, block=True)

    @matcher.handle()
    async def _serve(state: T_State) -> None:
        request: Request = state[REQUEST_KEY]
        reply: str | None
        if state[LIMITED_KEY]:
            reply = render("common/rate_limited.j2", seconds=round(limits.silence_seconds))
        else:
            reply = await router.handle(request)
        if reply:
            await request.bot.send(request.event, request.plain(reply))

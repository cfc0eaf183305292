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
from enum import StrEnum
from typing import Any

from loguru import logger
from nonebot.adapters import Bot, Event
from nonebot.plugin import PluginMetadata, on_message
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


class Where(StrEnum):
    """Where a command is meant to be used (what 帮助 and the README say; handlers enforce it)."""

    ANY = "any"
    PRIVATE = "private"


@dataclass(frozen=True, slots=True)
class Command:
    """One registration: its words and what 帮助, the plugin's metadata and the README say of it."""

    names: tuple[str, ...]
    handler: Handler
    usage: str  # as typed, e.g. "签到 [签到码]"
    summary: str  # for members and staff, in 帮助 (Chinese)
    doc: str  # for the README's command tables (English)
    staff: bool  # staff only
    where: Where
    listed: bool  # shown in 帮助 and the README (False: a word used inside a conversation)

    @property
    def plugin(self) -> str:
        """The NoneBot plugin that registered it: `plugins.<name>`."""
        return ".".join(self.handler.__module__.split(".")[:2])


@dataclass(slots=True)
class _Pending:
    ask: Ask
    expires: float


class Router:
    def __init__(self, conversation_seconds: float = 600.0) -> None:
        self.handlers: dict[str, Handler] = {}
        self.commands: list[Command] = []  # one entry per registration, in registration order
        self.pending: dict[SessionKey, _Pending] = {}
        self.conversation_seconds = conversation_seconds
        self._glued: list[str] | None = None
        self._fallback: Handler | None = None

    def command(
        self,
        *names: str,
        usage: str,
        summary: str,
        doc: str,
        staff: bool = False,
        where: Where = Where.ANY,
        listed: bool = True,
    ) -> Callable[[Handler], Handler]:
        """Register a handler under `names` (the first is the command's name, the others aliases),
        with what 帮助 (`usage` —— `summary`), the plugin's PluginMetadata and the README (`doc`)
        say of it: the one place a command is described."""

        def register(handler: Handler) -> Handler:
            for name in names:
                if name in self.handlers:
                    raise ValueError(f"command {name!r} is registered twice")
                self.handlers[name] = handler
            self.commands.append(Command(names, handler, usage, summary, doc, staff, where, listed))
            self._glued = None
            return handler

        return register

    def listed(self, *, staff: bool) -> list[Command]:
        """The commands 帮助 shows: members' commands, and staff commands too when `staff`; by plugin
        name, then as each plugin registered them (plugins may be imported in any order)."""
        ordered = sorted(enumerate(self.commands), key=lambda pair: (pair[1].plugin, pair[0]))
        return [c for _, c in ordered if c.listed and (staff or not c.staff)]

    def metadata(self, plugin: str, *, name: str, description: str) -> PluginMetadata:
        """A plugin's PluginMetadata, its usage made of its commands' registrations."""
        lines = [f"{c.usage} —— {c.summary}" for c in self.commands if c.plugin == plugin and c.listed]
        return PluginMetadata(name=name, description=description, usage="\n".join(lines))

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
        for command in self.commands:
            keywords, staff = self.hints_of(command.handler)
            found.append(Hint(command.names[0], (*command.names[1:], *keywords), staff))
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
        """The command (or the next step of a conversation) this event brings, or None."""
        return self._route(bot, event, unanswered=False)

    def route_unanswered(self, bot: Bot, event: Event) -> Request | None:
        """A private message that names no command (what the lowest-priority matcher answers)."""
        return self._route(bot, event, unanswered=True)

    def _route(self, bot: Bot, event: Event, *, unanswered: bool) -> Request | None:
        if event.get_type() != "message":
            return None
        binding = binding_for(event)
        sender = binding.sender_of(event) if binding is not None else None
        if binding is None or sender is None:
            return None
        arguments = Arguments.parse(event.get_plaintext())
        if self._conversation(sender) is not None:
            return (
                None
                if unanswered
                else Request(bot, event, sender, binding.plain, arguments.raw, arguments=arguments)
            )
        matched = self.match(arguments)
        if matched is not None:
            if unanswered:
                return None
            name, command_args = matched
            return Request(bot, event, sender, binding.plain, arguments.raw, name, command_args)
        if unanswered and sender.is_private and arguments.words:
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


def _admit(request: Request | None, state: T_State) -> bool:
    """An account over its rate limit is told once, then ignored for a while."""
    if request is None:
        return False
    verdict = limits.check(request.sender.platform, request.sender.account_id)
    if verdict is Verdict.DROP:
        return False
    state[REQUEST_KEY] = request
    state[LIMITED_KEY] = verdict is Verdict.NOTIFY
    return True


async def _addressed_to_bot(bot: Bot, event: Event, state: T_State) -> bool:
    return _admit(router.route(bot, event), state)


async def _unanswered_private(bot: Bot, event: Event, state: T_State) -> bool:
    return _admit(router.route_unanswered(bot, event), state)


# The command matcher runs early and blocks: a command is ours. A private message naming no command
# reaches the lowest-priority matcher only if no other NoneBot plugin took it first.
COMMAND_PRIORITY = 10
UNANSWERED_PRIORITY = 100


def install() -> None:
    """Create the matcher that serves every registered command and, last of all, the one that
    answers a private message nobody else did (a pointer to the right command, or 帮助)."""
    commands = on_message(rule=Rule(_addressed_to_bot), priority=COMMAND_PRIORITY, block=True)
    unanswered = on_message(rule=Rule(_unanswered_private), priority=UNANSWERED_PRIORITY, block=True)
    commands.handle()(_serve)
    unanswered.handle()(_serve)


async def _serve(state: T_State) -> None:
    request: Request = state[REQUEST_KEY]
    reply: str | None
    if state[LIMITED_KEY]:
        reply = render("common/rate_limited.j2", seconds=round(limits.silence_seconds))
    else:
        reply = await router.handle(request)
    if reply:
        await request.bot.send(request.event, request.plain(reply))

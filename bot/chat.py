"""What every plugin shares: the command rule, injected inputs, and replying with rendered text.

Performance note: NoneBot checks every matcher's rule for every event. `on_command`'s rule is
synchronous and is run in a worker thread each time; `command()` below is a plain async check on
the message text, so a dozen command matchers cost little more than one.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import wraps
from typing import Annotated, Any

from loguru import logger
from nonebot.adapters import Bot, Event
from nonebot.exception import MatcherException
from nonebot.matcher import current_bot, current_matcher
from nonebot.params import Depends
from nonebot.rule import Rule
from nonebot.typing import T_State

from bot.adapters import binding_for
from bot.render import render
from bot.services.actors import Sender
from bot.services.errors import ServiceError

ARGS_KEY = "_weiyuan_args"
NAME_KEY = "_weiyuan_command"
COMMAND_PREFIXES = ("/", "／")


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


def command(*names: str) -> Rule:
    """Match a message whose first word is one of `names` (with or without a leading '/')."""
    wanted = frozenset(names)

    async def _is_command(event: Event, state: T_State) -> bool:
        if event.get_type() != "message":
            return False
        head, rest = split_command(event.get_plaintext())
        if head not in wanted:
            return False
        state[NAME_KEY] = head
        state[ARGS_KEY] = rest
        return True

    return Rule(_is_command)


def _args(state: T_State) -> str:
    return state.get(ARGS_KEY, "")


def _name(state: T_State) -> str:
    return state.get(NAME_KEY, "")


def _sender(bot: Bot, event: Event) -> Sender:
    binding = binding_for(bot.adapter.get_name())
    sender = binding.sender_of(event) if binding else None
    if sender is None:
        raise ServiceError("common/unsupported_chat.j2")
    return sender


Args = Annotated[str, Depends(_args)]
CommandName = Annotated[str, Depends(_name)]
CurrentSender = Annotated[Sender, Depends(_sender)]


def plain(text: str, bot: Bot | None = None) -> Any:
    """A message for the current adapter that shows `text` literally."""
    bot = bot or current_bot.get()
    binding = binding_for(bot.adapter.get_name())
    return binding.plain(text) if binding else text


async def say(text: str) -> None:
    await current_matcher.get().send(plain(text))


def answer(handler: Callable[..., Awaitable[str | None]]) -> Callable[..., Awaitable[None]]:
    """Run a handler that returns the reply text; refusals and crashes become polite replies.

    A ServiceError renders its template. Anything else is logged with its traceback and the member
    sees a short apology, never the traceback.
    """

    @wraps(handler)
    async def wrapper(*args: Any, **kwargs: Any) -> None:
        try:
            text = await handler(*args, **kwargs)
        except MatcherException:
            raise
        except ServiceError as refusal:
            text = refusal.render()
        except Exception:
            logger.exception("handler {} failed", handler.__qualname__)
            text = render("common/internal_error.j2")
        if text:
            await say(text)

    return wrapper

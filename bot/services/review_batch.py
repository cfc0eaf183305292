"""The drafts waiting for staff, page by page, and several decided at once.

`待确认 [页]` shows the true total and one page; `确认处理 3-12`, `确认处理 3、5、8`, `撤销 全部 <原因>`
name several drafts: staff see a preview of exactly those, and on 确认 each is decided as if named
alone (`review.confirm` / `review.dismiss`: its own transaction, the member told, the audit written).
A draft decided meanwhile by someone else is skipped and counted, never decided twice.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

from bot.services import review
from bot.services.actors import Actor
from bot.services.errors import ServiceError
from bot.services.parsing import parse_number, read_number
from models import Consequence, ConsequenceStatus

PAGE_SIZE = 20
PREVIEW_LINES = 20
EVERYTHING = ("全部", "所有", "全体")
_RANGE = re.compile(r"^(.+?)\s*(?:-|~|—|至|到)\s*(.+)$")
_LIST = re.compile(r"[、,，;；\s]+")


@dataclass(frozen=True, slots=True)
class PendingPage:
    drafts: list[Consequence]
    total: int
    page: int
    pages: int

    @property
    def first(self) -> int:
        """1-based position of the first draft shown, for "第 21–40 项"."""
        return (self.page - 1) * PAGE_SIZE + 1


async def pending_page(page_text: str = "") -> PendingPage:
    """One page of the drafts, oldest first, with the true total (`待确认`, `待确认 2`)."""
    page = parse_number(page_text, what="页码") if page_text.strip() else 1
    drafts = Consequence.filter(status=ConsequenceStatus.DRAFT)
    total = await drafts.count()
    pages = max(1, -(-total // PAGE_SIZE))
    if not 1 <= page <= pages:
        raise ServiceError("review/no_such_page.j2", page=page, pages=pages)
    shown = await (
        drafts.select_related("member")
        .order_by("created_at", "id")
        .offset((page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE)
    )
    return PendingPage(list(shown), total, page, pages)


@dataclass(frozen=True, slots=True)
class Selection:
    """Several drafts a staff member named: all, a range of numbers, or a list of numbers."""

    text: str
    everything: bool = False
    low: int | None = None
    high: int | None = None
    numbers: tuple[int, ...] = ()


# A folded word that is part of naming drafts: numbers (`3`, `#3`, `3号`), a range or list written
# without spaces (`3-12`, `3、5`), or a separator typed between spaces (`3 - 12`, `3 至 12`).
_SELECTION_WORD = re.compile(r"(?:#?\d+号?|[-~—至到、,，;；])+")


def selection_length(words: Sequence[str]) -> int:
    """How many of the leading (folded) words name drafts: `全部`, or numbers, ranges and lists
    however spaced (`3 - 12`, `3 5 8`, `3、 5`). The words after them are the command's own (公开,
    a group, a reason)."""
    if words and words[0] in EVERYTHING:
        return 1
    count = 0
    while count < len(words) and _SELECTION_WORD.fullmatch(words[count]):
        count += 1
    return count


def parse_selection(text: str) -> Selection | None:
    """`3-12` (also 3~12, 3至12, 3到12), `3、5、8`, `全部`: several drafts. None when the text names
    one draft (or is not a number at all): the one-draft commands read it, with their own replies."""
    text = text.strip()
    if text in EVERYTHING:
        return Selection(text, everything=True)
    if found := _RANGE.match(text):
        low, high = read_number(found[1]), read_number(found[2])
        if low is None or high is None:
            raise ServiceError("review/bad_selection.j2", text=text)
        return Selection(text, low=min(low, high), high=max(low, high))
    parts = [part for part in _LIST.split(text) if part]
    if len(parts) < 2:
        return None
    numbers = [read_number(part) for part in parts]
    if any(n is None for n in numbers):
        raise ServiceError("review/bad_selection.j2", text=text)
    return Selection(text, numbers=tuple(dict.fromkeys(n for n in numbers if n is not None)))


async def selected_drafts(selection: Selection) -> list[Consequence]:
    """The drafts (still undecided) that `selection` names, oldest first; none is a polite refusal."""
    query = Consequence.filter(status=ConsequenceStatus.DRAFT)
    if selection.low is not None and selection.high is not None:
        query = query.filter(id__gte=selection.low, id__lte=selection.high)
    elif not selection.everything:
        query = query.filter(id__in=list(selection.numbers))
    found = list(await query.select_related("member").order_by("created_at", "id"))
    if not found:
        raise ServiceError("review/selection_empty.j2", text=selection.text)
    return found


@dataclass(slots=True)
class BatchResult:
    decided: list[Consequence] = field(default_factory=list)
    skipped: list[int] = field(default_factory=list)


SKIPPED = ("review/already_decided.j2", "review/not_found.j2")


async def _each(numbers: list[int], decide: Callable[[str], Awaitable[Consequence]]) -> BatchResult:
    result = BatchResult()
    for number in numbers:
        try:
            result.decided.append(await decide(str(number)))
        except ServiceError as refusal:  # decided meanwhile by someone else: skipped, counted
            if refusal.template not in SKIPPED:
                raise
            result.skipped.append(number)
    return result


async def confirm_many(
    actor: Actor, numbers: list[int], *, publish: bool = False, group: str = ""
) -> BatchResult:
    """Confirm each draft (its member told; published to the group only with `publish`)."""
    if publish:
        review.publish_target(group)  # a missing group refuses before anything is decided
    return await _each(numbers, lambda number: review.confirm(actor, number, publish=publish, group=group))


async def dismiss_many(actor: Actor, numbers: list[int], reason: str) -> BatchResult:
    """Dismiss each draft with the same reason (nobody is told)."""
    if not reason.strip():
        raise ServiceError("review/dismiss_needs_reason.j2")
    return await _each(numbers, lambda number: review.dismiss(actor, number, reason))

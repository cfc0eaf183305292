"""Pointing a natural question at the right command, from keywords kept beside each command.

"请问下周有什么活动？" is not a command, but it plainly asks for 活动列表. Each command may carry
hint keywords (`@router.hint(...)` next to its `@router.command(...)`); a private message that
names no command is scored against them: every keyword, and every name of the command, found in
the folded message adds its length, longest first and each character once, so the longer, more
specific phrase wins ("不能参加" points at 请假, not at 参加). No language model, nothing learned:
the table is the product's own.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from bot.input_text import fold

MIN_SCORE = 2  # at least one two-character word in common
MAX_SUGGESTIONS = 2


@dataclass(frozen=True, slots=True)
class Hint:
    command: str  # the name to suggest (the first name the command was registered with)
    words: tuple[str, ...]  # its other names and its hint keywords
    staff: bool = False  # suggested to staff only


def _scores(text: str, hints: list[Hint]) -> list[int]:
    """Each hint's score: the characters of `text` its words cover, longest words first, each
    character counted once (so "不能参加" is 请假's, and 参加 gets nothing from it)."""
    words = sorted(
        ((word.lower(), index) for index, h in enumerate(hints) for word in {h.command, *h.words} if word),
        key=lambda pair: -len(pair[0]),
    )
    taken = [False] * len(text)
    scores = [0] * len(hints)
    for word, index in words:
        start = text.find(word)
        while start != -1:
            span = range(start, start + len(word))
            if not any(taken[i] for i in span):
                for i in span:
                    taken[i] = True
                scores[index] += len(word)
            start = text.find(word, start + 1)
    return scores


def suggest(message: str, hints: Iterable[Hint], *, staff: bool) -> list[str]:
    """The best-matching commands for a message, best first (a runner-up at least half as good is
    named too, at most two), or [] when none is close."""
    candidates = [h for h in hints if staff or not h.staff]
    scored = sorted(
        zip(_scores(fold(message).lower(), candidates), (h.command for h in candidates), strict=True),
        key=lambda pair: -pair[0],  # stable: registration order breaks ties
    )
    best = scored[0][0] if scored else 0
    if best < MIN_SCORE:
        return []
    return [command for score, command in scored if 2 * score >= best][:MAX_SUGGESTIONS]

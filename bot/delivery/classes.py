"""Message classes: a reply or decision to one person goes before a reminder, a reminder before a
broadcast's bulk; within a class, the earliest due first.

A lane serves its queue by class, but a class that has waited `FAIR_TURNS` sends in a row gets the
next one: a broadcast still moves at a fifth of the lane's pace while personal messages keep coming,
and a personal message waits behind at most the send in flight and one such turn.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from typing import TYPE_CHECKING

from models import MessageClass

if TYPE_CHECKING:
    from bot.delivery.lanes import Item

# Kinds of message that answer or decide something for one person: they go first.
PERSONAL_KINDS = frozenset(
    {
        "leave_decision",
        "leave_request",
        "wechat_reply",
        "consequence_notice",
        "consequence_draft",
        "report_review",
        "proposal_progress",
        "delivery_report",
    }
)
CLASSES = tuple(MessageClass)
URGENT_CLASSES = (MessageClass.PERSONAL, MessageClass.REMINDER)  # claimed even when lanes are full
FAIR_TURNS = 4


def classify(kind: str, batch: str = "", urgent: bool = False) -> MessageClass:
    """The class of a message from what it is: a broadcast's row is bulk; a kind in PERSONAL_KINDS,
    or an urgent message (one that may not wait for quiet hours to end), personal; anything else a
    reminder."""
    if batch:
        return MessageClass.BULK
    if kind in PERSONAL_KINDS or urgent:
        return MessageClass.PERSONAL
    return MessageClass.REMINDER


class LaneQueue:
    """A lane's waiting rows: one queue per class, served by class with fair turns."""

    def __init__(self) -> None:
        self._queues: dict[MessageClass, deque[Item]] = {c: deque() for c in CLASSES}
        self._passed_over: dict[MessageClass, int] = dict.fromkeys(CLASSES, 0)

    def __len__(self) -> int:
        return sum(len(q) for q in self._queues.values())

    def __bool__(self) -> bool:
        return any(self._queues.values())

    def waiting(self, *classes: MessageClass) -> int:
        return sum(len(self._queues[c]) for c in classes)

    def extend(self, items: Iterable[Item]) -> None:
        for item in items:
            self._queues[item[0].message_class].append(item)

    def clear(self) -> None:
        for queue in self._queues.values():
            queue.clear()
        self._passed_over = dict.fromkeys(CLASSES, 0)

    def _next_class(self) -> MessageClass:
        waiting = [c for c in CLASSES if self._queues[c]]
        starved = [c for c in waiting if self._passed_over[c] >= FAIR_TURNS]
        return max(starved, key=lambda c: self._passed_over[c]) if starved else waiting[0]

    def popleft(self) -> Item:
        if not self:
            raise IndexError("pop from an empty lane queue")
        chosen = self._next_class()
        for c in CLASSES:
            if c == chosen or not self._queues[c]:
                self._passed_over[c] = 0
            elif c > chosen:
                self._passed_over[c] += 1
        return self._queues[chosen].popleft()

    def drain(self) -> list[Item]:
        """Everything, in serving order (for `dispatch_once`, which sends one claim to the end)."""
        return [self.popleft() for _ in range(len(self))]

"""Where a member stands against a count rule: each condition's count, reached or near, and why."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from bot.services.policy_rules import Condition, CountRule, SubmissionRule
from bot.services.terms import TermSpan


@dataclass(frozen=True, slots=True)
class Part:
    """One condition of a count rule with the member's count."""

    index: int
    condition: Condition
    count: int  # within the rule's window
    also: int = 0  # within the other window (the term for a year rule, the year for a term rule)

    @property
    def activity_type(self) -> str:
        return self.condition.activity_type.value

    @property
    def status(self) -> str:
        return self.condition.status

    @property
    def threshold(self) -> int:
        return self.condition.threshold

    @property
    def reached(self) -> bool:
        return self.count >= self.condition.threshold

    @property
    def near(self) -> bool:
        warn_at = self.condition.warn_at
        return not self.reached and warn_at is not None and self.count >= warn_at

    @property
    def remaining(self) -> int:
        return max(self.condition.threshold - self.count, 0)


@dataclass(frozen=True, slots=True)
class Finding:
    """Where a member stands against one rule.

    `parts` (count rules): every condition with the member's count; `remind`: the indexes of the
    conditions a reminder is about (not reached, at their warn point, and able to reach the rule).
    `count` / `threshold` are the deciding condition's.
    """

    member_id: int
    name: str
    rule: CountRule | SubmissionRule
    count: int
    threshold: int
    reached: bool
    parts: tuple[Part, ...] = ()
    remind: tuple[int, ...] = ()
    term: TermSpan | None = None  # the term counted, for a rule counted over the term

    @property
    def relevant(self) -> tuple[Part, ...]:
        """The conditions worth showing: all of them for `all`; else the reached (or near) ones."""
        if isinstance(self.rule, CountRule) and self.rule.combine == "all":
            return self.parts
        return tuple(p for p in self.parts if p.reached) if self.reached else self.parts_reminded

    @property
    def parts_reminded(self) -> tuple[Part, ...]:
        return tuple(self.parts[i] for i in self.remind)


def judge(
    rule: CountRule, counts: list[int], also: list[int] | None = None
) -> tuple[bool, tuple[Part, ...], tuple[int, ...]]:
    """Whether `counts` (one per condition) reach `rule`, and which conditions deserve a reminder.

    `any`: one reached clause reaches the rule; every condition at its warn point is reminded.
    `all`: every clause must be reached; a reminder only once each open clause is at its warn point.
    (A clause is reached when one of its conditions is: conditions sharing a clause are 或.)
    """
    others = also or [0] * len(counts)
    parts = tuple(
        Part(i, c, n, o) for i, (c, n, o) in enumerate(zip(rule.conditions, counts, others, strict=True))
    )
    clauses = rule.clauses
    clause_reached = [any(parts[i].reached for i in clause) for clause in clauses]
    if rule.combine == "all":
        reached = all(clause_reached)
        open_clauses = [clause for clause, done in zip(clauses, clause_reached, strict=True) if not done]
        all_near = all(any(parts[i].near for i in clause) for clause in open_clauses)
        remind = tuple(i for c in open_clauses for i in c if parts[i].near) if all_near else ()
    else:
        reached = any(clause_reached)
        remind = tuple(p.index for p in parts if p.near)
    return reached, parts, () if reached else remind


def count_finding(
    member: dict[str, Any],
    rule: CountRule,
    year_tally: Counter[Any],
    term_tally: Counter[Any],
    term: TermSpan,
) -> Finding | None:
    by_year = [year_tally[(c.activity_type, c.status)] for c in rule.conditions]
    by_term = [term_tally[(c.activity_type, c.status)] for c in rule.conditions]
    over_term = rule.window == "term"
    counts, also = (by_term, by_year) if over_term else (by_year, by_term)
    reached, parts, remind = judge(rule, counts, also)
    if not reached and not remind:
        return None
    decisive = next(p for p in parts if p.reached) if reached else parts[remind[0]]
    return Finding(
        member["id"],
        member["name"],
        rule,
        decisive.count,
        decisive.condition.threshold,
        reached,
        parts,
        remind,
        term if over_term else None,
    )


def part_context(part: Part) -> dict[str, object]:
    return {
        "activity_type": part.activity_type,
        "status": part.status,
        "count": part.count,
        "also": part.also,
        "threshold": part.threshold,
        "remaining": part.remaining,
        "reached": part.reached,
    }

"""The `[[rules]]` of a policy: what each rule counts, over which window, and how its parts combine.

A count rule has one or more conditions ("N unexcused absences from 全体会议"). Conditions that share
a `clause` are alternatives (或); the clauses are joined by the rule's `combine`: `any` (either
clause alone reaches the rule) or `all` (every clause must be reached). A rule written with
`activity_type` / `status` / `threshold` / `warn_before` directly is a rule of one condition.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from models import ActivityType
from models.assessment import ConsequenceKind

if TYPE_CHECKING:
    from bot.services.policy import _Checker

COUNTED_STATUSES = ("absent", "leave")
COMBINE = ("any", "all")
WINDOWS = ("year", "term")
CONDITION_KEYS = ("activity_type", "status", "threshold", "warn_before", "clause")
COUNT_RULE_KEYS = ("id", "kind", "consequence", "window", "combine", "conditions", *CONDITION_KEYS[:-1])
SUBMISSION_RULE_KEYS = ("id", "kind", "consequence", "years", "warn_from", "due")


@dataclass(frozen=True, slots=True)
class Condition:
    activity_type: ActivityType
    status: str
    threshold: int
    warn_before: int
    clause: str

    @property
    def warn_at(self) -> int | None:
        return self.threshold - self.warn_before if self.warn_before else None


@dataclass(frozen=True, slots=True)
class CountRule:
    id: str
    consequence: ConsequenceKind
    conditions: tuple[Condition, ...]
    combine: str = "any"
    window: str = "year"  # "term": counted from the term's first day (累计), not within the year

    @property
    def clauses(self) -> list[list[int]]:
        """Condition indexes grouped by clause, in the order the clauses first appear."""
        groups: dict[str, list[int]] = {}
        for index, condition in enumerate(self.conditions):
            groups.setdefault(condition.clause, []).append(index)
        return list(groups.values())


@dataclass(frozen=True, slots=True)
class SubmissionRule:
    id: str
    consequence: ConsequenceKind
    years: int
    due: tuple[int, int]
    warn_from: tuple[int, int] | None


def _known_keys(check: _Checker, table: dict[str, Any], allowed: tuple[str, ...], *path: Any) -> None:
    for key in table:
        if key not in allowed:
            check.fail("unknown_key", *path, key, detail="、".join(allowed))


def _condition(check: _Checker, raw: dict[str, Any], index: int, *path: Any) -> Condition | None:
    try:
        activity_type = ActivityType(str(raw.get("activity_type")))
    except ValueError:
        check.fail("bad_activity_type", *path, "activity_type", detail=repr(raw.get("activity_type")))
        return None
    status = raw.get("status")
    if status not in COUNTED_STATUSES:
        check.fail("bad_status", *path, "status", detail=repr(status))
        return None
    threshold = check.integer(raw, "threshold", 1, *path)
    warn_before = check.integer(raw, "warn_before", 0, *path) if "warn_before" in raw else 0
    if warn_before >= threshold:
        check.fail("warn_too_early", *path, "warn_before", detail=str(threshold))
        return None
    clause = raw.get("clause", f"#{index}")
    if not isinstance(clause, str) or not clause.strip():
        check.fail("bad_clause", *path, "clause", detail=repr(clause))
        return None
    return Condition(activity_type, status, threshold, warn_before, clause)


def _choice(check: _Checker, rule: dict[str, Any], key: str, choices: tuple[str, ...], *path: Any) -> str:
    value = rule.get(key, choices[0])
    if value not in choices:
        check.fail(f"bad_{key}", *path, key, detail=repr(value))
        return choices[0]
    return str(value)


def _count_rule(
    check: _Checker, rule: dict[str, Any], rule_id: str, consequence: ConsequenceKind, *path: Any
) -> CountRule | None:
    _known_keys(check, rule, COUNT_RULE_KEYS, *path)
    combine = _choice(check, rule, "combine", COMBINE, *path)
    window = _choice(check, rule, "window", WINDOWS, *path)
    raw_conditions = rule.get("conditions")
    inline = {key: rule[key] for key in CONDITION_KEYS if key in rule}
    if raw_conditions is None:
        raw_conditions = [inline]
        paths: list[tuple[Any, ...]] = [path]
    elif inline:
        check.fail("conditions_and_inline", *path, next(iter(inline)))
        return None
    elif not isinstance(raw_conditions, list) or not raw_conditions:
        check.fail("no_conditions", *path, "conditions")
        return None
    else:
        paths = [(*path, "conditions", n) for n in range(len(raw_conditions))]
    conditions: list[Condition] = []
    for index, (raw, where) in enumerate(zip(raw_conditions, paths, strict=True)):
        if not isinstance(raw, dict):
            check.fail("not_table", *where)
            continue
        if where is not path:
            _known_keys(check, raw, CONDITION_KEYS, *where)
        condition = _condition(check, raw, index, *where)
        if condition is not None:
            conditions.append(condition)
    if len(conditions) != len(raw_conditions):
        return None
    return CountRule(rule_id, consequence, tuple(conditions), combine, window)


def parse_rules(check: _Checker, data: dict[str, Any]) -> tuple[list[CountRule], list[SubmissionRule]]:
    """The `[[rules]]` array: every mistake is reported through `check` with its line."""
    count_rules: list[CountRule] = []
    submission_rules: list[SubmissionRule] = []
    rules = data.get("rules", [])
    if not isinstance(rules, list):
        check.fail("not_table", "rules")
        return count_rules, submission_rules
    seen: set[str] = set()
    for index, rule in enumerate(rules):
        path = ("rules", index)
        rule_id = rule.get("id")
        if not isinstance(rule_id, str) or not re.fullmatch(r"[a-z0-9\-]{1,64}", rule_id):
            check.fail("bad_rule_id", *path, "id", detail=repr(rule_id))
            continue
        if rule_id in seen:
            check.fail("duplicate_rule", *path, "id", detail=rule_id)
        seen.add(rule_id)
        try:
            consequence = ConsequenceKind(rule.get("consequence"))
        except ValueError:  # reported; the rest of the rule is still checked
            check.fail("bad_consequence", *path, "consequence", detail=repr(rule.get("consequence")))
            consequence = ConsequenceKind.CRITICISM
        kind = rule.get("kind")
        if kind == "count":
            if count_rule := _count_rule(check, rule, rule_id, consequence, *path):
                count_rules.append(count_rule)
        elif kind == "no_submission":
            _known_keys(check, rule, SUBMISSION_RULE_KEYS, *path)
            years = check.integer(rule, "years", 1, *path)
            if years > 2:
                check.fail("bad_years", *path, "years")
            due = check.month_day(rule, "due", *path)
            warn = check.month_day(rule, "warn_from", *path) if "warn_from" in rule else None
            if due and warn and warn >= due:
                check.fail("warn_after_due", *path, "warn_from")
            if due:
                submission_rules.append(SubmissionRule(rule_id, consequence, years, due, warn))
        else:
            check.fail("bad_rule_kind", *path, "kind", detail=repr(kind))
    return count_rules, submission_rules

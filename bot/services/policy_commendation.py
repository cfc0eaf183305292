"""The policy's commendation criteria (表彰), validated like the rest of the policy file."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.services.policy import _Checker

KEYS = (
    "min_attendance_rate",
    "min_activities",
    "min_adopted_reports",
    "min_satisfied_proposals",
    "recipients",
)


@dataclass(frozen=True, slots=True)
class CommendationCriteria:
    """A member is a candidate when either holds (0 switches a criterion off):
    attendance (出席率 ≥ `min_attendance_rate` over ≥ `min_activities` activities) or achievement
    (≥ `min_adopted_reports` 社情民意 adopted, or ≥ `min_satisfied_proposals` 提案 answered 满意)."""

    min_attendance_rate: float = 0.9
    min_activities: int = 3
    min_adopted_reports: int = 1
    min_satisfied_proposals: int = 1
    recipients: tuple[str, ...] = field(default=("组织部", "统战部"))


def parse_commendation(check: _Checker, data: dict[str, Any]) -> CommendationCriteria:
    table = data.get("commendation", {})
    path = ("commendation",)
    if not isinstance(table, dict):
        check.fail("not_table", *path)
        return CommendationCriteria()
    for key in table:
        if key not in KEYS:
            check.fail("unknown_key", *path, key, detail="、".join(KEYS))
    default = CommendationCriteria()
    rate = table.get("min_attendance_rate", default.min_attendance_rate)
    if isinstance(rate, bool) or not isinstance(rate, int | float) or not 0 <= rate <= 1:
        check.fail("bad_rate", *path, "min_attendance_rate", detail=repr(rate))
        rate = default.min_attendance_rate
    counts = {
        name: check.integer(table, name, 0, *path) if name in table else getattr(default, name)
        for name in ("min_activities", "min_adopted_reports", "min_satisfied_proposals")
    }
    recipients = table.get("recipients", list(default.recipients))
    if not isinstance(recipients, list) or not all(isinstance(r, str) and r.strip() for r in recipients):
        check.fail("bad_recipients", *path, "recipients", detail=repr(recipients))
        recipients = list(default.recipients)
    return CommendationCriteria(float(rate), recipients=tuple(r.strip() for r in recipients), **counts)

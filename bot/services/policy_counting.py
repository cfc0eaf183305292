"""The policy's counting choices: which self-reported records count before staff confirm them, and
whether a co-signed 提案 is the co-signer's submission.

Kept apart from `policy` (points, rules, grading) so that each stays readable; `policy.parse` calls
`parse_counting` with its checker, and every mistake is reported with its line like the rest.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.services.policy import _Checker

SELF_REPORTED_KINDS = ("speech", "research", "opinion", "deed", "visit")
# The speech's 五个一 asks one of each task a year: one self-reported record of each kind (for
# visits: one of each of the four 四访 kinds) counts without waiting for staff.
DEFAULT_UNCONFIRMED_CAP = 1


@dataclass(frozen=True, slots=True)
class Counting:
    """`unconfirmed_cap[kind]`: how many of a member's self-reported, not yet confirmed records of a
    kind count in a year (for visits: per 四访 kind); the rest count once staff confirm them."""

    unconfirmed_cap: dict[str, int] = field(
        default_factory=lambda: dict.fromkeys(SELF_REPORTED_KINDS, DEFAULT_UNCONFIRMED_CAP)
    )
    # A co-signed 提案 counts as the co-signer's submission: for 五个一, 未完成, 我的履职 and the
    # no-submission rules alike (points for co-signing are `records.proposal_cosigned` either way).
    co_signer_counts: bool = True
    # 出席率: approved leave is excused (left out of the activities counted) or counted as not present.
    leave_excused: bool = True

    @property
    def attendance_formula(self) -> str:
        """How 出席率 is computed, as the spreadsheets' header says it."""
        return "实到÷(应到−请假)" if self.leave_excused else "实到÷应到"

    def cap(self, kind: str) -> int:
        return self.unconfirmed_cap.get(kind, DEFAULT_UNCONFIRMED_CAP)


def _caps(check: _Checker, records: dict[str, Any]) -> dict[str, int]:
    caps = dict.fromkeys(SELF_REPORTED_KINDS, DEFAULT_UNCONFIRMED_CAP)
    if "unconfirmed_cap" not in records:
        return caps
    table = records["unconfirmed_cap"]
    path = ("records", "unconfirmed_cap")
    if not isinstance(table, dict):
        check.fail("not_table", *path)
        return caps
    for key in table:
        if key not in SELF_REPORTED_KINDS:
            check.fail("unknown_key", *path, key, detail="、".join(SELF_REPORTED_KINDS))
    for kind in SELF_REPORTED_KINDS:
        if kind in table:
            caps[kind] = check.integer(table, kind, 0, *path)
    return caps


def _co_signer_counts(check: _Checker, data: dict[str, Any]) -> bool:
    table = data.get("proposals", {})
    if not isinstance(table, dict):
        check.fail("not_table", "proposals")
        return True
    for key in table:
        if key != "co_signer_counts":
            check.fail("unknown_key", "proposals", key, detail="co_signer_counts")
    value = table.get("co_signer_counts", True)
    if not isinstance(value, bool):
        check.fail("not_boolean", "proposals", "co_signer_counts", detail=repr(value))
        return True
    return value


LEAVE_READINGS = {"excused": True, "absent": False}


def _leave_excused(check: _Checker, data: dict[str, Any]) -> bool:
    table = data.get("attendance_rate", {})
    if not isinstance(table, dict):
        check.fail("not_table", "attendance_rate")
        return True
    for key in table:
        if key != "leave":
            check.fail("unknown_key", "attendance_rate", key, detail="leave")
    value = table.get("leave", "excused")
    if value not in LEAVE_READINGS:
        check.fail("bad_leave_reading", "attendance_rate", "leave", detail=repr(value))
        return True
    return LEAVE_READINGS[value]


def parse_counting(check: _Checker, data: dict[str, Any]) -> Counting:
    records = data.get("records")
    caps = _caps(check, records) if isinstance(records, dict) else Counting().unconfirmed_cap
    return Counting(
        unconfirmed_cap=caps,
        co_signer_counts=_co_signer_counts(check, data),
        leave_excused=_leave_excused(check, data),
    )

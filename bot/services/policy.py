"""The year's policy (points, rule thresholds, grading) read from a TOML file and validated.

Every mistake is reported with the line that is wrong: tomllib gives the line of a syntax error;
for a wrong value the line of its key is found in the text (see `KeyLines`).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.config import PROJECT_ROOT, get_settings
from bot.services.errors import ServiceError
from bot.services.policy_commendation import CommendationCriteria, parse_commendation
from bot.services.policy_counting import Counting, parse_counting
from bot.services.policy_rules import CountRule, SubmissionRule, parse_rules
from models import ActivityType, VisitType

ATTENDANCE_STATUSES = ("present", "late", "leave", "absent")
REPORT_STATUSES = ("submitted", "accepted", "returned", "instructed")
LEVELS = ("district", "city", "province", "national")
RECORD_POINTS = ("proposal", "proposal_cosigned", "speech", "research", "opinion", "deed")
TOP_LEVEL_KEYS = (
    "attendance",
    "attendance_rate",
    "reports",
    "records",
    "proposals",
    "commendation",
    "rules",
    "grading",
)
GRADING_KEYS = ("method", "grades")
_MONTH_DAY = re.compile(r"^(\d{2})-(\d{2})$")


@dataclass(frozen=True, slots=True)
class Problem:
    line: int
    code: str
    key: str = ""
    detail: str = ""


class PolicyError(ServiceError):
    """A policy file with mistakes; renders every problem with its line (for staff and the CLI)."""

    def __init__(self, path: str, problems: list[Problem]) -> None:
        super().__init__("policy/problems.j2", path=path, problems=sorted(problems, key=lambda p: p.line))
        self.path = path
        self.problems: list[Problem] = self.context["problems"]


@dataclass(frozen=True, slots=True)
class Grade:
    name: str
    min_score: float | None = None
    share: float | None = None


@dataclass
class Policy:
    source: str
    attendance: dict[ActivityType, dict[str, float]]
    reports: dict[str, float]
    adopted: dict[str, float]
    records: dict[str, float]
    visits: dict[str, float]
    counting: Counting = field(default_factory=Counting)
    commendation: CommendationCriteria = field(default_factory=CommendationCriteria)
    count_rules: list[CountRule] = field(default_factory=list)
    submission_rules: list[SubmissionRule] = field(default_factory=list)
    grading_method: str = "score"
    grades: list[Grade] = field(default_factory=list)

    @property
    def rules(self) -> list[CountRule | SubmissionRule]:
        return [*self.count_rules, *self.submission_rules]

    def rule(self, rule_id: str) -> CountRule | SubmissionRule | None:
        return next((r for r in self.rules if r.id == rule_id), None)


class KeyLines:
    """Map key paths such as ('rules', 2, 'threshold') to their line in a TOML text."""

    _ARRAY = re.compile(r"^\s*\[\[\s*(.+?)\s*\]\]")
    _TABLE = re.compile(r"^\s*\[\s*(.+?)\s*\]")
    _KEY = re.compile(
        r"""^\s*((?:"[^"]*"|'[^']*'|[A-Za-z0-9_\-]+)(?:\s*\.\s*(?:"[^"]*"|'[^']*'|[A-Za-z0-9_\-]+))*)\s*="""
    )

    def __init__(self, text: str) -> None:
        self.lines: dict[tuple[Any, ...], int] = {}
        counts: dict[tuple[Any, ...], int] = {}
        header: tuple[Any, ...] = ()
        for number, line in enumerate(text.splitlines(), start=1):
            if match := self._ARRAY.match(line):
                parts = self._resolve(self._split(match.group(1)), counts)
                index = counts.get(parts, 0)
                counts[parts] = index + 1
                header = (*parts, index)
            elif match := self._TABLE.match(line):
                header = self._resolve(self._split(match.group(1)), counts)
            elif match := self._KEY.match(line):
                self.lines.setdefault((*header, *self._split(match.group(1))), number)
                continue
            else:
                continue
            for cut in range(1, len(header) + 1):
                self.lines.setdefault(header[:cut], number)

    @staticmethod
    def _split(dotted: str) -> tuple[str, ...]:
        parts = re.findall(r""""([^"]*)"|'([^']*)'|([^.\s"']+)""", dotted)
        return tuple(a or b or c for a, b, c in parts)

    @staticmethod
    def _resolve(parts: tuple[Any, ...], counts: dict[tuple[Any, ...], int]) -> tuple[Any, ...]:
        """A sub-table (or nested array) of an array of tables belongs to its latest element."""
        for cut in range(len(parts) - 1, 0, -1):
            if parts[:cut] in counts:
                return (*parts[:cut], counts[parts[:cut]] - 1, *parts[cut:])
        return parts

    def line_of(self, *path: Any) -> int:
        for cut in range(len(path), 0, -1):
            if path[:cut] in self.lines:
                return self.lines[path[:cut]]
        return 1


class _Checker:
    def __init__(self, text: str) -> None:
        self.keys = KeyLines(text)
        self.problems: list[Problem] = []

    def fail(self, code: str, *path: Any, detail: str = "") -> None:
        key = ".".join(str(p) for p in path)
        self.problems.append(Problem(self.keys.line_of(*path), code, key, detail))

    def table(self, data: dict[str, Any], *path: Any) -> dict[str, Any]:
        value: Any = data
        for part in path:
            value = value.get(part) if isinstance(value, dict) else None
            if value is None:
                self.fail("missing", *path)
                return {}
        if not isinstance(value, dict):
            self.fail("not_table", *path)
            return {}
        return value

    def known(self, table: dict[str, Any], allowed: tuple[str, ...], *path: Any) -> None:
        """Every key of `table` must be one of `allowed`: a typo is an error, never ignored."""
        for key in table:
            if key not in allowed:
                self.fail("unknown_key", *path, key, detail="、".join(allowed))

    def points(
        self, table: dict[str, Any], names: tuple[str, ...], *path: Any, extra: tuple[str, ...] = ()
    ) -> dict[str, float]:
        """Numbers named `names`; `extra` are the other keys allowed beside them (sub-tables, lists)."""
        result: dict[str, float] = {}
        self.known(table, (*names, *extra), *path)
        for name in names:
            value = table.get(name)
            if value is None:
                self.fail("missing", *path, name)
            elif isinstance(value, bool) or not isinstance(value, int | float):
                self.fail("not_number", *path, name, detail=repr(value))
            else:
                result[name] = float(value)
        return result

    def integer(self, rule: dict[str, Any], name: str, minimum: int, *path: Any) -> int:
        value = rule.get(name)
        if value is None:
            self.fail("missing", *path, name)
        elif isinstance(value, bool) or not isinstance(value, int):
            self.fail("not_integer", *path, name, detail=repr(value))
        elif value < minimum:
            self.fail("too_small", *path, name, detail=str(minimum))
        else:
            return value
        return minimum

    def month_day(self, rule: dict[str, Any], name: str, *path: Any) -> tuple[int, int] | None:
        value = rule.get(name)
        match = _MONTH_DAY.match(value) if isinstance(value, str) else None
        if match is None or not (1 <= int(match[1]) <= 12 and 1 <= int(match[2]) <= 31):
            self.fail("bad_month_day", *path, name, detail=repr(value))
            return None
        return int(match[1]), int(match[2])


def _grading(check: _Checker, data: dict[str, Any], policy: Policy) -> None:
    grading = check.table(data, "grading")
    method = grading.get("method")
    if method not in ("score", "share"):
        check.fail("bad_method", "grading", "method", detail=repr(method))
        return
    policy.grading_method = method
    check.known(grading, GRADING_KEYS, "grading")
    grades = grading.get("grades")
    if not isinstance(grades, list) or len(grades) < 2:
        check.fail("too_few_grades", "grading")
        return
    bound_key = "min_score" if method == "score" else "share"
    previous: float | None = None
    total_share = 0.0
    for index, grade in enumerate(grades):
        path = ("grading", "grades", index)
        check.known(grade, ("name", bound_key), *path)
        name = grade.get("name")
        if not isinstance(name, str) or not name.strip():
            check.fail("missing", *path, "name")
            continue
        last = index == len(grades) - 1
        value = grade.get(bound_key)
        if last:
            policy.grades.append(Grade(name))
            continue
        if isinstance(value, bool) or not isinstance(value, int | float):
            check.fail("grade_bound", *path, bound_key, detail=bound_key)
            continue
        value = float(value)
        if method == "score":
            if previous is not None and value >= previous:
                check.fail("grades_not_descending", *path, bound_key)
            previous = value
            policy.grades.append(Grade(name, min_score=value))
        else:
            total_share += value
            if not 0 < value < 1 or total_share > 1:
                check.fail("bad_share", *path, bound_key)
            policy.grades.append(Grade(name, share=value))


def parse(text: str, source: str = "<policy>") -> Policy:
    """Parse and validate a policy text; raise PolicyError listing every problem with its line."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        found = re.search(r"line (\d+)", str(exc))
        line = getattr(exc, "lineno", None) or (int(found[1]) if found else 1)
        raise PolicyError(source, [Problem(line, "syntax", detail=str(exc))]) from None
    check = _Checker(text)
    check.known(data, TOP_LEVEL_KEYS)
    attendance_table = check.table(data, "attendance")
    attendance: dict[ActivityType, dict[str, float]] = {}
    for key in attendance_table:
        if key not in {t.value for t in ActivityType}:
            check.fail("bad_activity_type", "attendance", key, detail=repr(key))
    for type_ in ActivityType:
        if type_.value not in attendance_table:
            check.fail("missing", "attendance", type_.value)
            continue
        attendance[type_] = check.points(
            attendance_table[type_.value], ATTENDANCE_STATUSES, "attendance", type_.value
        )
    reports_table = check.table(data, "reports")
    records_table = check.table(data, "records")
    policy = Policy(
        source=source,
        attendance=attendance,
        reports=check.points(reports_table, REPORT_STATUSES, "reports", extra=("adopted",)),
        adopted=check.points(check.table(data, "reports", "adopted"), LEVELS, "reports", "adopted"),
        records=check.points(records_table, RECORD_POINTS, "records", extra=("unconfirmed_cap", "visit")),
        visits=check.points(
            check.table(data, "records", "visit"), tuple(v.value for v in VisitType), "records", "visit"
        ),
        counting=parse_counting(check, data),
        commendation=parse_commendation(check, data),
    )
    policy.count_rules, policy.submission_rules = parse_rules(check, data)
    _grading(check, data, policy)
    if check.problems:
        raise PolicyError(source, check.problems)
    return policy


def load_file(path: str | Path) -> Policy:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")  # Notepad saves UTF-8 with a byte-order mark
    except (OSError, UnicodeDecodeError) as exc:
        raise PolicyError(str(path), [Problem(0, "unreadable", detail=str(exc))]) from None
    return parse(text, str(path))


def policy_dir() -> Path:
    configured = Path(get_settings().policy_dir)
    return configured if configured.is_absolute() else PROJECT_ROOT / configured


def path_for(year: int) -> Path:
    """`<policy_dir>/<year>.toml` when it exists, else `<policy_dir>/default.toml`."""
    specific = policy_dir() / f"{year}.toml"
    return specific if specific.is_file() else policy_dir() / "default.toml"


_cache: dict[tuple[str, float], Policy] = {}


def for_year(year: int) -> Policy:
    """The policy that applies to `year` (re-read when the file changes)."""
    path = path_for(year)
    try:
        key = (str(path), path.stat().st_mtime)
    except OSError as exc:
        raise PolicyError(str(path), [Problem(0, "unreadable", detail=str(exc))]) from None
    if key not in _cache:
        _cache.clear()
        _cache[key] = load_file(path)
    return _cache[key]

"""History: records of earlier years entered from the office's files, each with its real date.

One .xlsx/.csv sheet per kind (提案, 社情民意, 会议发言, 调研报告, 意见建议, 走访, 好事实事, 考勤),
validated like the roster: every bad row is reported with its line and nothing is written unless
the whole sheet is right, in one transaction. `add` enters a single record through the same checks.
Records entered by staff count at once (no confirmation). Attendance rows make past activities
(closed, nobody notified), one per 日期 + 类型 + 活动. A sheet of 提案 or 社情民意 marks its years as
recorded (`HistoryYear`), so the two-year no-submission rule can look at a year before the bot.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from tortoise.transactions import in_transaction

from bot import clock
from bot.input_text import fold
from bot.services import audit
from bot.services.actors import Actor
from bot.services.errors import ServiceError
from bot.services.roster import RosterFormatError, read_table
from models import (
    Activity,
    ActivityType,
    Attendance,
    AttendanceStatus,
    Audience,
    HistoryYear,
    Member,
    Proposal,
    ProposalCosigner,
    Record,
    RecordKind,
    Report,
    ReportStatus,
    VisitType,
)
from models.activity import ActivityStatus
from models.record import REPORT_STATUS_LABELS

KINDS = {
    "提案": "proposal",
    "社情民意": "report",
    "会议发言": "speech",
    "调研报告": "research",
    "意见建议": "opinion",
    "走访": "visit",
    "好事实事": "deed",
    "考勤": "attendance",
}
COLUMNS: dict[str, tuple[list[str], set[str]]] = {  # kind → (columns, required columns)
    "proposal": (["姓名", "日期", "标题", "编号", "联名"], {"姓名", "日期", "标题"}),
    "report": (["姓名", "日期", "标题", "内容", "状态", "采用级别"], {"姓名", "日期", "标题"}),
    "visit": (["姓名", "日期", "走访对象", "内容"], {"姓名", "日期", "走访对象", "内容"}),
    "attendance": (["日期", "类型", "活动", "姓名", "状态"], {"日期", "类型", "活动", "姓名", "状态"}),
}
RECORD_COLUMNS = (["姓名", "日期", "内容"], {"姓名", "日期", "内容"})
STATUSES = {"出席": "present", "迟到": "late", "请假": "leave", "缺席": "absent"}
REPORT_STATUSES = {label: status for status, label in REPORT_STATUS_LABELS.items()}
LEVELS = {"区": "district", "市": "city", "省": "province", "全国": "national"}
EARLIEST = date(1990, 1, 1)
DEFAULT_START = time(9, 0)
ACTIVITY_HOURS = 2


@dataclass(frozen=True, slots=True)
class Problem:
    line: int
    code: str
    detail: str = ""


@dataclass
class Imported:
    kind: str
    rows: int = 0
    activities: int = 0
    years: list[int] = field(default_factory=list)


class HistoryRefused(ServiceError):
    """Every bad row with its line; nothing was written."""

    def __init__(self, kind: str, problems: list[Problem]) -> None:
        super().__init__("history/problems.j2", kind=kind, problems=problems)


def kind_of(word: str) -> str:
    word = fold(word)
    kind = KINDS.get(word, word if word in KINDS.values() else "")
    if not kind:
        raise ServiceError("history/bad_kind.j2", word=word, kinds=list(KINDS))
    return kind


def parse_moment(text: str) -> datetime | None:
    """`2024-05-01`, `2024/5/1`, `2024年5月1日`, optionally followed by `09:30`; None if not a date."""
    text = fold(text).replace("年", "-").replace("月", "-").replace("日", " ").replace("/", "-").strip()
    day_text, _, clock_text = text.partition(" ")
    try:
        year, month, day = (int(part) for part in day_text.split("-"))
        at = time.fromisoformat(clock_text.strip()[:5].zfill(5)) if clock_text.strip() else DEFAULT_START
        return datetime.combine(date(year, month, day), at, clock.local_zone())
    except ValueError:
        return None


class _Rows:
    """Checks the rows of one sheet, collecting every problem with its line."""

    def __init__(self, members: dict[str, list[int]]) -> None:
        self.members = members
        self.problems: list[Problem] = []

    def fail(self, line: int, code: str, detail: str = "") -> None:
        self.problems.append(Problem(line, code, detail))

    def member(self, line: int, name: str) -> int | None:
        found = self.members.get(name.strip(), [])
        if len(found) != 1:
            self.fail(line, "member_ambiguous" if found else "member_unknown", name)
            return None
        return found[0]

    def moment(self, line: int, text: str) -> datetime | None:
        moment = parse_moment(text)
        if moment is None:
            self.fail(line, "bad_date", text)
        elif not EARLIEST <= moment.date() < clock.today():
            self.fail(line, "date_out_of_range", text)
        else:
            return moment
        return None

    def text(self, line: int, row: dict[str, str], column: str, limit: int) -> str:
        value = row.get(column, "").strip()
        if not value:
            self.fail(line, "missing", column)
        elif len(value) > limit:
            self.fail(line, "too_long", f"{column}:{limit}")
        return value[:limit]

    def choice(self, line: int, value: str, choices: Mapping[str, str], column: str) -> str:
        if value.strip() not in choices:
            self.fail(line, "bad_choice", f"{column}:{value}:{'、'.join(choices)}")
            return ""
        return choices[value.strip()]


def _validate(
    kind: str, rows: list[dict[str, str]], members: dict[str, list[int]]
) -> tuple[list[Any], _Rows]:
    check = _Rows(members)
    valid: list[Any] = []
    for line, row in enumerate(rows, start=2):  # line 1 is the header
        if not any(v.strip() for v in row.values()):
            continue
        member = check.member(line, row.get("姓名", ""))
        moment = check.moment(line, row.get("日期", ""))
        before = len(check.problems)
        if kind == "proposal":
            extra: Any = (
                check.text(line, row, "标题", 100),
                row.get("编号", "").strip()[:32],
                [
                    check.member(line, n)
                    for n in row.get("联名", "").replace("，", "、").split("、")
                    if n.strip()
                ],
            )
        elif kind == "report":
            status = check.choice(line, row.get("状态") or "已提交", REPORT_STATUSES, "状态")
            level = row.get("采用级别", "").strip()
            extra = (
                check.text(line, row, "标题", 100),
                row.get("内容", "").strip() or row.get("标题", "").strip(),
                status,
                check.choice(line, level, LEVELS, "采用级别") if level else "",
            )
        elif kind == "attendance":
            extra = (
                check.choice(line, row.get("类型", ""), {t.value: t.value for t in ActivityType}, "类型"),
                check.text(line, row, "活动", 100),
                check.choice(line, row.get("状态", ""), STATUSES, "状态"),
            )
        elif kind == "visit":
            visit_types = {v.value: v.value for v in VisitType}
            extra = (
                check.choice(line, row.get("走访对象", ""), visit_types, "走访对象"),
                check.text(line, row, "内容", 500),
            )
        else:
            extra = (check.text(line, row, "内容", 500),)
        if member is not None and moment is not None and len(check.problems) == before:
            valid.append((line, member, moment, extra))
    return valid, check


async def _member_names() -> dict[str, list[int]]:
    names: dict[str, list[int]] = defaultdict(list)
    for member_id, name in await Member.all().values_list("id", "name"):
        names[name].append(member_id)
    return names


async def _write(actor: Actor, kind: str, valid: list[Any], now: datetime) -> Imported:
    result = Imported(kind, rows=len(valid))
    years = sorted({moment.year for _, _, moment, _ in valid})
    result.years = years
    if kind == "proposal":
        names = {member_id: name for member_id, name in await Member.all().values_list("id", "name")}
        for _, member, moment, (title, number, cosigners) in valid:
            proposal = await Proposal.create(
                member_id=member,
                title=title,
                number=number,
                year=moment.year,
                recorded_by=actor.label,
                created_at=moment,
            )
            await ProposalCosigner.bulk_create(
                [
                    ProposalCosigner(proposal=proposal, member_id=m, name=names.get(m, ""))
                    for m in cosigners
                    if m
                ]
            )
    elif kind == "report":
        await Report.bulk_create(
            [
                Report(
                    reference=f"LS{moment.year}-{uuid.uuid4().hex[:10]}",
                    member_id=member,
                    title=title,
                    content=content,
                    status=ReportStatus(status),
                    adopted_level=level,
                    year=moment.year,
                    created_at=moment,
                )
                for _, member, moment, (title, content, status, level) in valid
            ]
        )
    elif kind == "attendance":
        result.activities = await _write_attendance(actor, valid)
    else:
        await Record.bulk_create(
            [
                Record(
                    member_id=member,
                    kind=RecordKind(kind),
                    visit_type=extra[0] if kind == "visit" else "",
                    description=extra[-1],
                    occurred_on=moment.date(),
                    year=moment.year,
                    recorded_by=actor.label,
                    confirmed_by=actor.label,
                    confirmed_at=now,
                )
                for _, member, moment, extra in valid
            ]
        )
    if kind in ("proposal", "report"):
        for year in years:
            await HistoryYear.update_or_create(
                defaults={"rows": sum(m.year == year for _, _, m, _ in valid), "imported_by": actor.label},
                kind=kind,
                year=year,
            )
    return result


async def _write_attendance(actor: Actor, valid: list[Any]) -> int:
    """One closed activity per 日期 + 类型 + 活动, with an attendance row per member listed."""
    grouped: dict[tuple[datetime, str, str], dict[int, str]] = defaultdict(dict)
    for _, member, moment, (type_, title, status) in valid:
        grouped[(moment, type_, title)][member] = status
    for (moment, type_, title), statuses in grouped.items():
        end = moment + timedelta(hours=ACTIVITY_HOURS)
        activity = await Activity.create(
            type=ActivityType(type_),
            title=title,
            start_at=moment,
            end_at=end,
            audience=Audience.LIST,
            checkin_opens_at=moment,
            checkin_closes_at=end,
            status=ActivityStatus.CLOSED,
            created_by=actor.label,
            closed_at=end,
        )
        await Attendance.bulk_create(
            [
                Attendance(activity=activity, member_id=m, status=AttendanceStatus(s))
                for m, s in statuses.items()
            ]
        )
    return len(grouped)


async def import_rows(actor: Actor, kind: str, rows: Iterable[dict[str, str]]) -> Imported:
    """Validate every row; write all of them in one transaction, or none and report every bad line."""
    rows = list(rows)
    valid, check = _validate(kind, rows, await _member_names())
    if check.problems:
        raise HistoryRefused(kind, check.problems)
    if not valid:
        raise ServiceError("history/empty.j2")
    async with in_transaction():
        result = await _write(actor, kind, valid, clock.now())
        await audit.record(actor.label, "history_import", f"history:{kind}:{len(valid)}")
    return result


async def import_file(actor: Actor, kind_word: str, path: Path) -> Imported:
    kind = kind_of(kind_word)
    columns, required = COLUMNS.get(kind, RECORD_COLUMNS)
    try:
        rows = read_table(path, columns, required)
    except RosterFormatError as exc:
        raise ServiceError("history/unreadable.j2", reason=str(exc)) from exc
    return await import_rows(actor, kind, rows)


async def covered_years(year: int) -> bool:
    """Whether both 提案 and 社情民意 of `year` were entered from the office's files."""
    return await HistoryYear.filter(year=year, kind__in=["proposal", "report"]).count() == 2

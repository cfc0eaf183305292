"""Spreadsheets (openpyxl, write-only for speed): the year's archive, one member's, commendations.

Every sheet has a frozen header row, an auto filter over its columns and column widths set from
the content. Times are written as local naive datetimes (Excel has no time zones).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from tortoise.expressions import Q

from bot.services import membership, records, rows
from bot.services.assessment import FIVE_ONES, FOUR_VISITS, LEVEL_LABELS, Assessment, Standing, assess
from bot.services.progress import year_bounds
from bot.services.records import RecordRow, year_rows
from models import (
    ActivityType,
    Attendance,
    Consequence,
    Proposal,
    ProposalProgress,
    RecordKind,
    Report,
)
from models.activity import ATTENDANCE_LABELS, AttendanceStatus
from models.assessment import CONSEQUENCE_LABELS, CONSEQUENCE_STATUS_LABELS
from models.proposals import PROPOSAL_STAGE_LABELS
from models.record import REPORT_STATUS_LABELS

STATUS_ORDER = ("present", "late", "leave", "absent")
RECORD_SHEETS = {
    RecordKind.VISIT: "四访",
    RecordKind.DEED: "好事实事",
    RecordKind.SPEECH: "会议发言",
    RecordKind.RESEARCH: "调研报告",
    RecordKind.OPINION: "意见建议",
}
HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
MAX_WIDTH = 60
WIDTH_SAMPLE = 2000  # rows looked at to size the columns
SUMMARY_HEADER = (
    "排名",
    "姓名",
    "界别",
    "专委会",
    "得分",
    "档次",
    *FIVE_ONES,
    "四访完成",
    "四问完成",
    "应到",
    "实到",
    "出席率",
    "得分构成",
)


def _verification(recorded_by: str, confirmed_at: Any) -> str:
    """确认 by staff, entered by staff, or the member's own word (本人填报)."""
    if confirmed_at:
        return "已确认"
    return "本人填报" if records.is_self_reported(recorded_by, confirmed_at) else "工作人员录入"


def _width(value: Any) -> int:
    if value is None:
        return 0
    if isinstance(value, datetime):
        return 16
    if isinstance(value, date):
        return 10
    text = str(value)
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


class _Sheet:
    """Collect rows, then write the sheet with widths computed from them."""

    def __init__(self, title: str, header: Sequence[str]) -> None:
        self.title = title
        self.header = list(header)
        self.rows: list[list[Any]] = []
        self.formats: dict[int, str] = {}

    def add(self, row: Iterable[Any]) -> None:
        """Empty strings become empty cells (cheaper to write, and they print the same)."""
        self.rows.append([None if value == "" else value for value in row])

    def write(self, book: Workbook) -> None:
        sheet = book.create_sheet(self.title)
        widths = [_width(h) for h in self.header]
        for row in self.rows[:WIDTH_SAMPLE]:
            for index, value in enumerate(row):
                widths[index] = max(widths[index], _width(value))
        for index, width in enumerate(widths, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = min(width + 2, MAX_WIDTH)
        sheet.freeze_panes = "A2"
        last = get_column_letter(len(self.header))
        sheet.auto_filter.ref = f"A1:{last}{len(self.rows) + 1}"
        header = []
        for name in self.header:
            cell = WriteOnlyCell(sheet, value=name)
            cell.font, cell.fill, cell.alignment = HEADER_FONT, HEADER_FILL, Alignment(horizontal="center")
            header.append(cell)
        sheet.append(header)
        for row in self.rows:
            for index, number_format in self.formats.items():
                cell = WriteOnlyCell(sheet, value=row[index])
                cell.number_format = number_format
                row[index] = cell
            sheet.append(row)


def _summary(result: Assessment) -> _Sheet:
    sheet = _Sheet("汇总", SUMMARY_HEADER)
    sheet.formats[SUMMARY_HEADER.index("出席率")] = "0.0%"
    for s in result.standings:
        sheet.add(
            [
                s.rank,
                s.name,
                s.sector,
                "、".join(s.committees),
                s.score,
                s.grade,
                *("✔" if s.five_ones[name] else "✘" for name in FIVE_ONES),
                sum(1 for n in s.visits.values() if n),
                sum(1 for n in s.questions.values() if n),
                s.expected,
                s.attended,
                s.attendance_rate,
                "；".join(f"{i.label}×{i.count} {i.points:+g}" for i in s.items),
            ]
        )
    return sheet


def _score_items(standings: list[Standing]) -> _Sheet:
    sheet = _Sheet("得分明细", ("姓名", "项目", "次数", "得分"))
    for s in standings:
        for item in s.items:
            sheet.add([s.name, item.label, item.count, item.points])
    return sheet


def _attendance_pivot(standings: list[Standing]) -> _Sheet:
    """考勤 for the whole year: one row per member, a column per activity type and status."""
    keys = [(t.value, status) for t in ActivityType for status in STATUS_ORDER]
    header = ["姓名", *(f"{t}·{ATTENDANCE_LABELS[AttendanceStatus(s)]}" for t, s in keys), "出席率"]
    sheet = _Sheet("考勤", header)
    sheet.formats[len(header) - 1] = "0.0%"
    for s in standings:
        sheet.add([s.name, *(s.attendance.get(key, 0) for key in keys), s.attendance_rate])
    return sheet


async def _attendance_rows(year: int, member_id: int) -> _Sheet:
    """考勤 of one member: one row per activity."""
    start, end = year_bounds(year)
    attendance = _Sheet("考勤", ("姓名", "活动编号", "活动", "类型", "开始时间", "状态", "签到时间"))
    found = await rows.fetch(
        Attendance.filter(activity__start_at__gte=start, activity__start_at__lt=end, member_id=member_id)
        .order_by("activity__start_at", "activity_id", "member_id")
        .values_list(
            "member__name",
            "activity_id",
            "activity__title",
            "activity__type",
            "activity__start_at",
            "status",
            "checked_in_at",
        )
    )
    for name, aid, title, type_, start_at, status, checked in found:
        label = ATTENDANCE_LABELS[AttendanceStatus(status)]
        attendance.add([name, aid, title, str(type_), rows.local(start_at), label, rows.local(checked)])
    return attendance


def _scope(member_id: int | None) -> Q:
    """One member's rows, or every 委员's (records of staff who are not 委员 are no archive)."""
    return Q(member_id=member_id) if member_id is not None else membership.member_q("member")


async def _record_sheets(
    year: int, records: list[RecordRow], names: dict[int, str], member_id: int | None = None
) -> list[_Sheet]:
    """Records of one member, or of every 委员, from the rows the assessment read."""
    scope = _scope(member_id)

    reports = _Sheet(
        "社情民意", ("编号", "姓名", "标题", "类别", "状态", "采用级别", "说明", "提交时间", "更新时间")
    )
    for r in await rows.fetch(
        Report.filter(scope, year=year)
        .order_by("id")
        .values_list(
            "reference",
            "member__name",
            "title",
            "category",
            "status",
            "adopted_level",
            "status_note",
            "created_at",
            "updated_at",
        )
    ):
        ref, name, title, category, status, level, note, created, updated = r
        reports.add(
            [
                ref,
                name,
                title,
                category,
                REPORT_STATUS_LABELS[status],
                LEVEL_LABELS.get(level, ""),
                note,
                rows.local(created),
                rows.local(updated),
            ]
        )

    proposals = _Sheet("提案", ("提案编号", "第一提案人", "标题", "联名", "办理进展", "记录人", "记录时间"))
    proposal_query = Proposal.filter(year=year)
    if member_id is None:
        proposal_query = proposal_query.filter(scope)
    else:
        proposal_query = proposal_query.filter(Q(member_id=member_id) | Q(cosigner_rows__member_id=member_id))
    found = await rows.fetch(
        proposal_query.order_by("id")
        .distinct()
        .values_list("id", "number", "member__name", "title", "cosigners", "recorded_by", "created_at")
    )
    latest: dict[int, str] = {}
    for pid, stage, department in await rows.fetch(
        ProposalProgress.filter(proposal__year=year)
        .order_by("at", "id")
        .values_list("proposal_id", "stage", "department")
    ):
        latest[pid] = PROPOSAL_STAGE_LABELS[stage] + (f"（{department}）" if department else "")
    for pid, number, name, title, cosigners, by, created in found:
        proposals.add([number, name, title, cosigners, latest.get(pid, "未登记"), by, rows.local(created)])

    by_kind = {
        kind: _Sheet(
            RECORD_SHEETS[kind],
            (
                "编号",
                "姓名",
                *(("走访对象", "四问") if kind == RecordKind.VISIT else ()),
                "说明",
                "日期",
                "核实",
                "记录人",
                "记录时间",
                "确认人",
                "确认时间",
            ),
        )
        for kind in RecordKind
    }
    for r in records:
        visit_column = (r.visit_type, r.questions) if r.kind == RecordKind.VISIT else ()
        by_kind[RecordKind(r.kind)].add(
            [
                r.id,
                names.get(r.member_id, ""),
                *visit_column,
                r.description,
                rows.day(r.occurred_on),
                _verification(r.recorded_by, r.confirmed_at),
                r.recorded_by,
                rows.local(r.created_at),
                r.confirmed_by,
                rows.local(r.confirmed_at),
            ]
        )

    consequences = _Sheet(
        "提醒告诫", ("编号", "姓名", "处理", "次数", "状态", "处理人", "处理时间", "是否公开", "撤销原因")
    )
    for c in await rows.fetch(
        Consequence.filter(scope, year=year)
        .order_by("id")
        .values_list(
            "id", "member__name", "kind", "count", "status", "decided_by", "decided_at", "published", "reason"
        )
    ):
        cid, name, kind, count, status, by, at, published, reason = c
        consequences.add(
            [
                cid,
                name,
                CONSEQUENCE_LABELS[kind],
                count,
                CONSEQUENCE_STATUS_LABELS[status],
                by,
                rows.local(at),
                "是" if published else "否",
                reason,
            ]
        )
    return [reports, proposals, *by_kind.values(), consequences]


def _write(book: Workbook, sheets: list[_Sheet], path: Path) -> Path:
    for sheet in sheets:
        sheet.write(book)
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path


async def _save(book: Workbook, sheets: list[_Sheet], out: str | Path) -> Path:
    """Write in a worker thread: a year's archive takes seconds and the bot keeps answering meanwhile."""
    return await asyncio.to_thread(_write, book, sheets, Path(out))


async def year_archive(year: int, out: str | Path) -> Path:
    """The year's archive: 汇总 (rank, grade, score, 五个一, attendance), 得分明细, one sheet per kind."""
    records = await year_rows(year, _scope(None))
    result = await assess(year, records=records)
    names = {s.member_id: s.name for s in result.standings}
    sheets = [
        _summary(result),
        _attendance_pivot(result.standings),
        *await _record_sheets(year, records, names),
    ]
    return await _save(Workbook(write_only=True), sheets, out)


async def member_archive(member_id: int, year: int, out: str | Path) -> Path:
    result = await assess(year)
    standing = result.of(member_id)
    records = [r for r in await year_rows(year, _scope(member_id))]
    names = {member_id: standing.name if standing else ""}
    summary = _Sheet("概况", ("项目", "内容"))
    if standing is not None:
        summary.add(["姓名", standing.name])
        summary.add(["界别", standing.sector])
        summary.add(["专委会", "、".join(standing.committees)])
        summary.add(["年度", year])
        summary.add(["得分", standing.score])
        summary.add(["总排名", f"{standing.rank}/{len(result.standings)}"])
        for name, rank in standing.committee_ranks.items():
            summary.add([f"{name}排名", f"{rank}/{result.committee_sizes[name]}"])
        summary.add(["档次", standing.grade])
        summary.add(
            ["出席率", f"{standing.attendance_rate:.1%}" if standing.attendance_rate is not None else "—"]
        )
        for name in FIVE_ONES:
            summary.add([f"五个一：{name}", "已完成" if standing.five_ones[name] else "未完成"])
        for name in FOUR_VISITS:
            summary.add([f"四访：{name}", f"{standing.visits[name]} 次"])
    items = _score_items([standing] if standing else [])
    attendance = await _attendance_rows(year, member_id)
    return await _save(
        Workbook(write_only=True),
        [summary, items, attendance, *await _record_sheets(year, records, names, member_id)],
        out,
    )


async def commendations(year: int, out: str | Path, grades: Sequence[str] = ()) -> tuple[Path, int]:
    """表彰名单: members in the top grade (or in `grades`), by rank."""
    result = await assess(year)
    wanted = set(grades) or {result.policy.grades[0].name}
    sheet = _Sheet("表彰名单", ("序号", "姓名", "界别", "专委会", "得分", "排名", "档次"))
    chosen = [s for s in result.standings if s.grade in wanted]
    for index, s in enumerate(chosen, start=1):
        sheet.add([index, s.name, s.sector, "、".join(s.committees), s.score, s.rank, s.grade])
    return await _save(Workbook(write_only=True), [sheet], out), len(chosen)

"""Spreadsheets: the year's archive, one member's, commendations (see `sheets` for the layout).

The year's records are read once: the same rows feed the assessment, the record sheets and the
得分明细 (every point with the record behind it). Times are local naive datetimes (Excel has no
time zones). The workbook is written in a worker thread: the bot keeps answering meanwhile.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tortoise.expressions import Q

from bot.services import membership, rows, terms
from bot.services.assessment import FIVE_ONES, FOUR_QUESTIONS, FOUR_VISITS, Assessment, Standing, assess
from bot.services.export_records import read_tables
from bot.services.policy import Policy
from bot.services.progress import year_bounds
from bot.services.records import year_rows
from bot.services.rules import term_tally
from bot.services.sheets import Sheet, write_book
from models import ActivityType, Attendance
from models.activity import ATTENDANCE_LABELS, AttendanceStatus

STATUS_ORDER = ("present", "late", "leave", "absent")
PERCENT = "0.0%"
SHEET_TITLE_MAX = 31  # Excel's limit
SUMMARY_HEAD = ("排名", "姓名", "界别", "专委会", "专委会排名", "得分", "档次")
SUMMARY_TAIL = ("四访完成", "四问完成", "应到", "请假", "实到")


def rate_header(policy: Policy) -> str:
    """出席率's column title, with the formula the policy's reading of leave gives."""
    return f"出席率（{policy.counting.attendance_formula}）"


def summary_header(policy: Policy) -> tuple[str, ...]:
    return (*SUMMARY_HEAD, *FIVE_ONES, *SUMMARY_TAIL, rate_header(policy), "得分构成")


def _committee_ranks(result: Assessment, standing: Standing) -> str:
    return "；".join(
        f"{name} {rank}/{result.committee_sizes[name]}"
        for name, rank in sorted(standing.committee_ranks.items())
    )


def _summary_row(result: Assessment, s: Standing) -> list[Any]:
    return [
        s.rank,
        s.name,
        s.sector,
        "、".join(s.committees) or None,
        _committee_ranks(result, s) or None,
        s.score,
        s.grade,
        *("✔" if s.five_ones[name] else "✘" for name in FIVE_ONES),
        sum(1 for n in s.visits.values() if n),
        sum(1 for n in s.questions.values() if n),
        s.expected,
        s.leave,
        s.attended,
        s.attendance_rate,
        "；".join(f"{i.label}×{i.count} {i.points:+g}" for i in s.items) or None,
    ]


def _summary(result: Assessment) -> Sheet:
    header = summary_header(result.policy)
    sheet = Sheet("汇总", header)
    sheet.formats[header.index(rate_header(result.policy))] = PERCENT
    sheet.extend(_summary_row(result, s) for s in result.standings)
    return sheet


def _committee_sheets(result: Assessment) -> list[Sheet]:
    """One sheet per 专委会: its members by their rank within it."""
    header = ("专委会排名", "姓名", "界别", "得分", "档次", "总排名", *FIVE_ONES, rate_header(result.policy))
    sheets = []
    for name in sorted(result.committee_sizes):
        sheet = Sheet(f"专委会·{name}"[:SHEET_TITLE_MAX], header)
        sheet.formats[len(header) - 1] = PERCENT
        for s in result.in_committee(name):
            five = ("✔" if s.five_ones[task] else "✘" for task in FIVE_ONES)
            sheet.add(
                [
                    s.committee_ranks[name],
                    s.name,
                    s.sector,
                    s.score,
                    s.grade,
                    s.rank,
                    *five,
                    s.attendance_rate,
                ]
            )
        sheets.append(sheet)
    return sheets


def _attendance_pivot(result: Assessment) -> Sheet:
    """考勤 for the whole year: one row per member, a column per activity type and status."""
    keys = [(t.value, status) for t in ActivityType for status in STATUS_ORDER]
    header = [
        "姓名",
        *(f"{t}·{ATTENDANCE_LABELS[AttendanceStatus(s)]}" for t, s in keys),
        rate_header(result.policy),
    ]
    sheet = Sheet("考勤", header)
    sheet.formats[len(header) - 1] = PERCENT
    for s in result.standings:
        sheet.add([s.name, *(s.attendance.get(key, 0) for key in keys), s.attendance_rate])
    return sheet


async def _term_counts(result: Assessment, year: int) -> Sheet:
    """本届累计: leave and absence per activity type, this year and over the term up to this year's end,
    side by side (the 劝辞 rules count over the term, 通报批评 within the year)."""
    term = await terms.term_for_year(year)
    by_term = await term_tally(term, year, None)
    keys = [(t, status) for t in ActivityType for status in ("leave", "absent")]
    spans = ("本年度", f"本届（{term.start:%Y-%m-%d}起）")
    header = [
        "姓名",
        *(f"{t.value}·{ATTENDANCE_LABELS[AttendanceStatus(s)]}·{span}" for t, s in keys for span in spans),
    ]
    sheet = Sheet("本届累计", header)
    for s in result.standings:
        over_term = by_term.get(s.member_id, Counter())
        this_year = [s.attendance.get((t.value, st), 0) for t, st in keys]
        side_by_side = zip(this_year, [over_term[k] for k in keys], strict=True)
        sheet.add([s.name, *(n for pair in side_by_side for n in pair)])
    return sheet


async def _attendance_rows(year: int, member_id: int) -> Sheet:
    """考勤 of one member: one row per activity."""
    start, end = year_bounds(year)
    attendance = Sheet("考勤", ("姓名", "活动编号", "活动", "类型", "开始时间", "状态", "签到时间"))
    local = rows.localizer()
    for name, aid, title, type_, start_at, status, checked in await rows.fetch(
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
    ):
        label = ATTENDANCE_LABELS[AttendanceStatus(status)]
        attendance.add([name, aid, title, str(type_), local(start_at), label, local(checked)])
    return attendance


def _scope(member_id: int | None) -> Q:
    """One member's rows, or every 委员's (records of staff who are not 委员 are no archive)."""
    return Q(member_id=member_id) if member_id is not None else membership.member_q("member")


async def _save(sheets: list[Sheet], out: str | Path) -> Path:
    """Write in a worker thread: a year's archive takes seconds and the bot keeps answering meanwhile."""
    path: Path = await asyncio.to_thread(write_book, sheets, Path(out))
    return path


async def year_archive(year: int, out: str | Path, *, by_committee: bool = False) -> Path:
    """The year's archive: 汇总 (rank overall and in each 专委会, grade, score, 五个一, 四访四问,
    attendance), 考勤, 得分明细, a sheet per kind of record; `by_committee`: a sheet per 专委会 too."""
    scope = _scope(None)
    records = await year_rows(year, scope)
    result = await assess(year, records=records)
    tables = await read_tables(result, records, year, scope)
    committees = _committee_sheets(result) if by_committee else []
    sheets = [
        _summary(result),
        *committees,
        _attendance_pivot(result),
        await _term_counts(result, year),
        tables.summed_detail_sheet(),
        *tables.sheets,
    ]
    return await _save(sheets, out)


def _overview(result: Assessment, standing: Standing | None, year: int) -> Sheet:
    summary = Sheet("概况", ("项目", "内容"))
    if standing is None:
        return summary
    rate = f"{standing.attendance_rate:.1%}" if standing.attendance_rate is not None else "—"
    summary.extend(
        [
            ["姓名", standing.name],
            ["界别", standing.sector],
            ["专委会", "、".join(standing.committees)],
            ["年度", year],
            ["得分", standing.score],
            ["总排名", f"{standing.rank}/{len(result.standings)}"],
            *(
                [f"{name}排名", f"{rank}/{result.committee_sizes[name]}"]
                for name, rank in standing.committee_ranks.items()
            ),
            ["档次", standing.grade],
            [rate_header(result.policy), rate],
            *([f"五个一：{name}", "已完成" if standing.five_ones[name] else "未完成"] for name in FIVE_ONES),
            *([f"四访：{name}", f"{standing.visits[name]} 次"] for name in FOUR_VISITS),
            *([f"四问：{name}", f"{standing.questions[name]} 次"] for name in FOUR_QUESTIONS),
        ]
    )
    return summary


async def member_archive(member_id: int, year: int, out: str | Path) -> Path:
    """One member's archive: 概况, 得分明细 (every point with its record), 考勤, their records."""
    scope = _scope(member_id)
    result = await assess(year)
    standing = result.of(member_id)
    records = await year_rows(year, scope)
    tables = await read_tables(result, records, year, scope, member_id)
    attendance = await _attendance_rows(year, member_id)
    return await _save(
        [_overview(result, standing, year), tables.detail_sheet(), attendance, *tables.sheets], out
    )


async def commendations(year: int, out: str | Path, grades: Sequence[str] = ()) -> tuple[Path, int]:
    """表彰名单: members in the top grade (or in `grades`), by rank."""
    result = await assess(year)
    wanted = set(grades) or {result.policy.grades[0].name}
    sheet = Sheet("表彰名单", ("序号", "姓名", "界别", "专委会", "得分", "排名", "档次"))
    chosen = [s for s in result.standings if s.grade in wanted]
    for index, s in enumerate(chosen, start=1):
        sheet.add([index, s.name, s.sector, "、".join(s.committees) or None, s.score, s.rank, s.grade])
    return await _save([sheet], out), len(chosen)

"""The archive's record sheets (社情民意, 提案, each kind of one-line record, 提醒告诫) and its 得分明细:
every point a member earned, one row per record behind it, from the rows the sheets read.

Each table is read once; the same rows fill its own sheet and its lines of 得分明细, scored by the
assessment's own functions (`assessment.report_item` …), so 得分明细 adds up to each member's score.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from tortoise.expressions import Q

from bot.services import records as record_service
from bot.services import rows
from bot.services.assessment import LEVEL_LABELS, Assessment, record_item, report_item
from bot.services.progress import year_bounds
from bot.services.records import RecordRow
from bot.services.sheets import Sheet
from models import Attendance, Consequence, Proposal, ProposalCosigner, ProposalProgress, RecordKind, Report
from models.activity import ATTENDANCE_LABELS, AttendanceStatus
from models.assessment import CONSEQUENCE_LABELS, CONSEQUENCE_STATUS_LABELS
from models.proposals import PROPOSAL_STAGE_LABELS
from models.record import REPORT_STATUS_LABELS

RECORD_SHEETS = {
    RecordKind.VISIT: "四访",
    RecordKind.DEED: "好事实事",
    RecordKind.SPEECH: "会议发言",
    RecordKind.RESEARCH: "调研报告",
    RecordKind.OPINION: "意见建议",
}
LINE_HEADER = ("姓名", "项目", "依据", "日期", "得分")
SUMMED_HEADER = ("姓名", "项目", "次数", "得分", "依据")

# One point-earning record of a member: (score item, reference, title, date, points). The reference
# is what staff look up: `#12` (activity or record), `SQ2026-00012`, the proposal's number.
DetailLine = tuple[str, str, str, date | datetime | None, float]


COUNTED_STATUSES = ("present", "late", "leave", "absent")
EXCERPT = 40


def verification(recorded_by: str, confirmed_at: Any) -> str:
    """确认 by staff, entered by staff, or the member's own word (本人填报)."""
    if confirmed_at:
        return "已确认"
    return "本人填报" if record_service.is_self_reported(recorded_by, confirmed_at) else "工作人员录入"


@dataclass
class Tables:
    """What one export reads: the sheets, and the 得分明细 lines per member (in sheet order).
    `dated`: the lines keep their dates (one member's archive lists every line)."""

    result: Assessment
    names: dict[int, str]
    dated: bool = False
    sheets: list[Sheet] = field(default_factory=list)
    details: dict[int, list[DetailLine]] = field(default_factory=dict)

    def detail(self, member_id: int, line: DetailLine) -> None:
        if member_id in self.names:
            self.details.setdefault(member_id, []).append(line)

    def detail_sheet(self) -> Sheet:
        """One member's 得分明细: a line per record."""
        sheet = Sheet("得分明细", LINE_HEADER)
        for standing in self.result.standings:
            name = standing.name
            sheet.extend(
                [name, item, f"{ref} {title}", on, points]
                for item, ref, title, on, points in self.details.get(standing.member_id, ())
            )
        return sheet

    def summed_detail_sheet(self) -> Sheet:
        """Everyone's 得分明细: a line per member and score item, with the records behind it by
        reference, adding up to the score."""
        sheet = Sheet("得分明细", SUMMED_HEADER)
        for standing in self.result.standings:
            grouped: dict[str, tuple[list[str], list[float]]] = {}
            for item, ref, _title, _on, points in self.details.get(standing.member_id, ()):
                refs, earned = grouped.setdefault(item, ([], []))
                refs.append(ref)
                earned.append(points)
            name = standing.name
            sheet.extend(
                [name, item, len(refs), round(sum(earned), 2), "、".join(refs)]
                for item, (refs, earned) in grouped.items()
            )
        return sheet


async def attendance_details(tables: Tables, year: int, scope: Q) -> None:
    """得分明细 for attendance: one line per activity attended, excused or missed."""
    start, end = year_bounds(year)
    policy, local = tables.result.policy, rows.localizer()
    found = await rows.fetch(
        Attendance.filter(
            scope, activity__start_at__gte=start, activity__start_at__lt=end, status__in=COUNTED_STATUSES
        )
        .order_by("activity__start_at", "activity_id")
        .values_list(
            "member_id", "activity_id", "activity__title", "activity__type", "activity__start_at", "status"
        )
    )
    labels = {status: ATTENDANCE_LABELS[AttendanceStatus(status)] for status in COUNTED_STATUSES}
    points = {
        (t.value, s): each for t, by_status in policy.attendance.items() for s, each in by_status.items()
    }
    detail, dated = tables.detail, tables.dated
    for member_id, activity_id, title, type_, start_at, status in found:
        on = local(start_at) if dated else None
        detail(member_id, (f"{type_}{labels[status]}", f"#{activity_id}", title, on, points[(type_, status)]))


async def report_sheet(tables: Tables, year: int, scope: Q) -> Sheet:
    sheet = Sheet(
        "社情民意", ("编号", "姓名", "标题", "类别", "状态", "采用级别", "说明", "提交时间", "更新时间")
    )
    policy, local = tables.result.policy, rows.localizer()
    for ref, member_id, name, title, category, status, level, note, created, updated in await rows.fetch(
        Report.filter(scope, year=year)
        .order_by("id")
        .values_list(
            "reference",
            "member_id",
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
        submitted = local(created)
        sheet.add(
            [
                ref,
                name,
                title,
                category or None,
                REPORT_STATUS_LABELS[status],
                LEVEL_LABELS.get(level),
                note or None,
                submitted,
                local(updated),
            ]
        )
        item, each = report_item(policy, str(status), level)
        tables.detail(member_id, (item, ref, title, submitted, each))
    return sheet


async def proposal_sheet(tables: Tables, year: int, scope: Q, member_id: int | None) -> Sheet:
    sheet = Sheet("提案", ("提案编号", "第一提案人", "标题", "联名", "办理进展", "记录人", "记录时间"))
    policy, local = tables.result.policy, rows.localizer()
    query = Proposal.filter(year=year)
    if member_id is None:
        query = query.filter(scope)
    else:
        query = query.filter(Q(member_id=member_id) | Q(cosigner_rows__member_id=member_id))
    found = await rows.fetch(
        query.order_by("id")
        .distinct()
        .values_list(
            "id", "member_id", "number", "member__name", "title", "cosigners", "recorded_by", "created_at"
        )
    )
    latest: dict[int, str] = {}
    for pid, stage, department in await rows.fetch(
        ProposalProgress.filter(proposal__year=year)
        .order_by("at", "id")
        .values_list("proposal_id", "stage", "department")
    ):
        latest[pid] = PROPOSAL_STAGE_LABELS[stage] + (f"（{department}）" if department else "")
    for pid, author, number, name, title, cosigners, by, created in found:
        recorded = local(created)
        sheet.add([number, name, title, cosigners or None, latest.get(pid, "未登记"), by or None, recorded])
        tables.detail(author, ("提案（第一提案人）", number, title, recorded, policy.records["proposal"]))
    for cosigner, number, title, created in await rows.fetch(
        ProposalCosigner.filter(scope, proposal__year=year, member_id__isnull=False)
        .order_by("proposal_id", "id")
        .values_list("member_id", "proposal__number", "proposal__title", "proposal__created_at")
    ):
        tables.detail(
            cosigner, ("提案（联名）", number, title, local(created), policy.records["proposal_cosigned"])
        )
    return sheet


def record_sheets(tables: Tables, records: list[RecordRow]) -> list[Sheet]:
    """One sheet per kind of one-line record, with 核实 (confirmed / staff-entered / self-reported)."""
    by_kind = {
        kind: Sheet(
            title,
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
        for kind, title in RECORD_SHEETS.items()
    }
    policy, local, points = tables.result.policy, rows.localizer(), tables.result.record_points
    sheets = {kind.value: sheet for kind, sheet in by_kind.items()}
    items = {
        (kind, visit): record_item(policy, kind, visit)[0]
        for kind, visit in {(r.kind, r.visit_type) for r in records}
    }
    names, detail, day, visit = tables.names.get, tables.detail, rows.day, RecordKind.VISIT.value
    for r in records:
        kind = str(r.kind)
        on, checked = day(r.occurred_on), verification(r.recorded_by, r.confirmed_at)
        created, confirmed = local(r.created_at), local(r.confirmed_at)
        by, confirmer = r.recorded_by or None, r.confirmed_by or None
        if kind == visit:
            row = [
                r.id,
                names(r.member_id),
                r.visit_type,
                r.questions or None,
                r.description,
                on,
                checked,
                by,
            ]
        else:
            row = [r.id, names(r.member_id), r.description, on, checked, by]
        row += (created, confirmer, confirmed)
        sheets[kind].add(row)
        item, earned = items[(r.kind, r.visit_type)], points.get(r.id, 0.0)
        if not earned and checked == "本人填报":
            item += "（本人填报，待确认，未计分）"
        detail(r.member_id, (item, f"#{r.id}", r.description[:EXCERPT], on, earned))
    return list(by_kind.values())


async def consequence_sheet(year: int, scope: Q) -> Sheet:
    sheet = Sheet(
        "提醒告诫", ("编号", "姓名", "处理", "次数", "状态", "处理人", "处理时间", "是否公开", "撤销原因")
    )
    local = rows.localizer()
    for cid, name, kind, count, status, by, at, published, reason in await rows.fetch(
        Consequence.filter(scope, year=year)
        .order_by("id")
        .values_list(
            "id", "member__name", "kind", "count", "status", "decided_by", "decided_at", "published", "reason"
        )
    ):
        sheet.add(
            [
                cid,
                name,
                CONSEQUENCE_LABELS[kind],
                count,
                CONSEQUENCE_STATUS_LABELS[status],
                by or None,
                local(at),
                "是" if published else "否",
                reason or None,
            ]
        )
    return sheet


async def read_tables(
    result: Assessment,
    records: list[RecordRow],
    year: int,
    scope: Q,
    member_id: int | None = None,
) -> Tables:
    """Read every table of the year once: its sheet, and its lines of 得分明细."""
    tables = Tables(result, {s.member_id: s.name for s in result.standings}, dated=member_id is not None)
    await attendance_details(tables, year, scope)
    tables.sheets.append(await report_sheet(tables, year, scope))
    tables.sheets.append(await proposal_sheet(tables, year, scope, member_id))
    tables.sheets.extend(record_sheets(tables, records))
    tables.sheets.append(await consequence_sheet(year, scope))
    return tables

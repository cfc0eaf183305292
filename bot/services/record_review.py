"""Staff review of 社情民意 (受理 / 退回 / 采用 / 批示) and confirmation of one-line records.

Each review step is kept as a ReportReview row (who, when, why) and the author is told through the
outbox in the same transaction.
"""

from __future__ import annotations

from tortoise.transactions import in_transaction

from bot import clock
from bot.delivery import outbox
from bot.delivery.recipients import MemberRecipient
from bot.input_text import fold
from bot.services.actors import Actor
from bot.services.errors import ServiceError
from bot.services.parsing import fits, parse_number
from models import Record, Report, ReportReview, ReportStatus
from models.record import RECORD_KIND_LABELS, REPORT_STATUS_LABELS

LEVEL_LABELS = {"district": "区级", "city": "市级", "province": "省级", "national": "全国"}
LEVEL_ALIASES = {
    "区": "district",
    "区级": "district",
    "县": "district",
    "县级": "district",
    "市": "city",
    "市级": "city",
    "省": "province",
    "省级": "province",
    "全国": "national",
    "国家": "national",
    "国家级": "national",
    **{key: key for key in LEVEL_LABELS},
}
ALLOWED_FROM = {
    ReportStatus.ACCEPTED: (ReportStatus.SUBMITTED,),
    ReportStatus.RETURNED: (ReportStatus.SUBMITTED, ReportStatus.ACCEPTED),
    ReportStatus.ADOPTED: (ReportStatus.SUBMITTED, ReportStatus.ACCEPTED),
    ReportStatus.INSTRUCTED: (ReportStatus.ADOPTED,),
}


async def find_report(reference: str) -> Report:
    """A report by its reference (SQ2026-00012, typed in any case or width) or its number (12)."""
    text = fold(reference).upper()
    if not text:
        raise ServiceError("review/report_usage.j2")
    if text.startswith("SQ"):
        if not fits(Report, "reference", text):
            raise ServiceError("review/report_not_found.j2", reference=text)
        query = Report.filter(reference=text)
    else:
        query = Report.filter(id=parse_number(text, what="社情民意编号"))
    report = await query.select_related("member").first()
    if report is None:
        raise ServiceError("review/report_not_found.j2", reference=reference.strip())
    return report


def parse_level(text: str) -> str:
    text = fold(text)
    level = LEVEL_ALIASES.get(text.lower()) or LEVEL_ALIASES.get(text)
    if level is None:
        raise ServiceError("review/bad_level.j2", text=text, levels=list(LEVEL_LABELS.values()))
    return level


async def move(
    actor: Actor, reference: str, status: ReportStatus, *, level: str = "", note: str = ""
) -> Report:
    """Move a report to `status` (with an adoption level or a note) and tell its author."""
    report = await find_report(reference)
    note = note.strip()[:200]
    if status == ReportStatus.RETURNED and not note:
        raise ServiceError("review/return_needs_reason.j2")
    if report.status not in ALLOWED_FROM[status]:
        raise ServiceError(
            "review/report_bad_step.j2",
            report=report,
            current=REPORT_STATUS_LABELS[ReportStatus(report.status)],
            wanted=REPORT_STATUS_LABELS[status],
        )
    now = clock.now()
    new_level = level or report.adopted_level
    async with in_transaction():
        changed = await Report.filter(id=report.id, status=report.status).update(
            status=status, adopted_level=new_level, status_note=note, updated_at=now
        )
        if not changed:
            raise ServiceError("review/report_changed.j2", report=report)
        step = await ReportReview.create(
            report_id=report.id, status=status.value, level=level, note=note, reviewed_by=actor.label, at=now
        )
        await outbox.enqueue(
            key=f"report-review:{report.id}:{step.id}",
            recipient=MemberRecipient(member_id=report.member.id),
            template="review/report_notice.j2",
            context={
                "reference": report.reference,
                "title": report.title,
                "status": status.value,
                "status_label": REPORT_STATUS_LABELS[status],
                "level_label": LEVEL_LABELS.get(new_level, ""),
                "note": note,
            },
            kind="report_review",
        )
    report.status = status
    report.adopted_level = new_level
    report.status_note = note
    return report


async def confirm_record(actor: Actor, reference: str) -> Record:
    number = parse_number(reference, what="记录编号")
    record = await Record.filter(id=number).select_related("member").first()
    if record is None:
        raise ServiceError("review/record_not_found.j2", number=number)
    if record.confirmed_at is not None:
        raise ServiceError(
            "review/record_already_confirmed.j2", record=record, kind=RECORD_KIND_LABELS[record.kind]
        )
    now = clock.now()
    await Record.filter(id=record.id, confirmed_at__isnull=True).update(
        confirmed_by=actor.label, confirmed_at=now
    )
    record.confirmed_by = actor.label
    record.confirmed_at = now
    return record

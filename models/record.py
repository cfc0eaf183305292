"""What lands in a member's archive: 社情民意 reports, proposals, visits, deeds, speeches, research."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from models.member import Member


class ReportStatus(StrEnum):
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    RETURNED = "returned"
    ADOPTED = "adopted"
    INSTRUCTED = "instructed"


REPORT_STATUS_LABELS = {
    ReportStatus.SUBMITTED: "已提交",
    ReportStatus.ACCEPTED: "已受理",
    ReportStatus.RETURNED: "已退回",
    ReportStatus.ADOPTED: "已采用",
    ReportStatus.INSTRUCTED: "获领导批示",
}


class Report(Model):
    """社情民意 social-condition report."""

    id = fields.IntField(primary_key=True)
    reference = fields.CharField(max_length=24, unique=True, description="e.g. SQ2026-0007")
    member: fields.ForeignKeyRelation[Member] = fields.ForeignKeyField(
        "models.Member", related_name="reports", on_delete=fields.CASCADE
    )
    member_id: int
    title = fields.CharField(max_length=100)
    content = fields.TextField()
    category = fields.CharField(max_length=32, default="")
    status = fields.CharEnumField(ReportStatus, max_length=12, default=ReportStatus.SUBMITTED)
    adopted_level = fields.CharField(max_length=16, default="")
    status_note = fields.CharField(max_length=200, default="")
    year = fields.IntField(db_index=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "report"


class Proposal(Model):
    """提案: filed in the formal system, recorded here for the archive."""

    id = fields.IntField(primary_key=True)
    member: fields.ForeignKeyRelation[Member] = fields.ForeignKeyField(
        "models.Member", related_name="proposals", on_delete=fields.CASCADE
    )
    member_id: int
    title = fields.CharField(max_length=100)
    number = fields.CharField(max_length=32, default="")
    cosigners = fields.CharField(max_length=500, default="")
    year = fields.IntField(db_index=True)
    recorded_by = fields.CharField(max_length=64, default="")
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "proposal"


class RecordKind(StrEnum):
    VISIT = "visit"
    DEED = "deed"
    SPEECH = "speech"
    RESEARCH = "research"
    OPINION = "opinion"


RECORD_KIND_LABELS = {
    RecordKind.VISIT: "走访",
    RecordKind.DEED: "好事实事",
    RecordKind.SPEECH: "会议发言",
    RecordKind.RESEARCH: "调研报告",
    RecordKind.OPINION: "意见建议",
}


class VisitType(StrEnum):
    RURAL = "乡村农户"
    COMMUNITY = "社区居民"
    ENTERPRISE = "企业职工"
    PROJECT = "项目工地"


class VisitQuestion(StrEnum):
    """四问: what a visit asked the people about (问政于民、问需于民、问计于民、问候于民)."""

    POLICY = "问政"
    NEEDS = "问需"
    IDEAS = "问计"
    WELLBEING = "问候"


class Record(Model):
    id = fields.IntField(primary_key=True)
    member: fields.ForeignKeyRelation[Member] = fields.ForeignKeyField(
        "models.Member", related_name="records", on_delete=fields.CASCADE
    )
    member_id: int
    kind = fields.CharEnumField(RecordKind, max_length=10)
    visit_type = fields.CharField(max_length=8, default="", description="VisitType for kind=visit")
    # db_default: adding a NOT NULL column to a table that has rows needs a default in the database
    questions = fields.CharField(
        max_length=16,
        default="",
        db_default="",
        description="四问 a visit covered, VisitQuestion values joined by 、",
    )
    description = fields.CharField(max_length=500)
    occurred_on = fields.DateField()
    year = fields.IntField(db_index=True)
    recorded_by = fields.CharField(max_length=64, default="")
    confirmed_by = fields.CharField(max_length=64, default="")
    confirmed_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "record"

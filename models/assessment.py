"""Rule reminders sent once, consequence drafts waiting for staff review, and the audit trail."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from models.member import Member


class ConsequenceKind(StrEnum):
    CRITICISM = "criticism"
    WRITTEN_NOTICE = "written_notice"
    RESIGN = "resign"


CONSEQUENCE_LABELS = {
    ConsequenceKind.CRITICISM: "通报批评",
    ConsequenceKind.WRITTEN_NOTICE: "书面通报",
    ConsequenceKind.RESIGN: "劝其辞去委员职务",
}


class ConsequenceStatus(StrEnum):
    DRAFT = "draft"
    CONFIRMED = "confirmed"
    DISMISSED = "dismissed"


CONSEQUENCE_STATUS_LABELS = {
    ConsequenceStatus.DRAFT: "待确认",
    ConsequenceStatus.CONFIRMED: "已确认",
    ConsequenceStatus.DISMISSED: "已撤销",
}


class RuleReminder(Model):
    """A private reminder sent before a threshold, once per rule, condition, member and year."""

    id = fields.IntField(primary_key=True)
    rule = fields.CharField(max_length=64)
    member: fields.ForeignKeyRelation[Member] = fields.ForeignKeyField(
        "models.Member", related_name="rule_reminders", on_delete=fields.CASCADE
    )
    member_id: int
    year = fields.IntField()
    condition = fields.SmallIntField(
        default=0, db_default=0, description="which condition of the rule (0 for one)"
    )
    count = fields.IntField(description="the count that triggered it, 0 for date-based reminders")
    term_start = fields.DateField(null=True, description="a rule counted over the term: its first day")
    sent_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "rule_reminder"
        unique_together = (("rule", "member", "year", "condition", "count"),)


class Consequence(Model):
    """A drafted consequence: nothing reaches the member or a group until staff confirm it."""

    id = fields.IntField(primary_key=True, description="the number staff type")
    rule = fields.CharField(max_length=64)
    kind = fields.CharEnumField(ConsequenceKind, max_length=16)
    member: fields.ForeignKeyRelation[Member] = fields.ForeignKeyField(
        "models.Member", related_name="consequences", on_delete=fields.CASCADE
    )
    member_id: int
    year = fields.IntField(db_index=True)
    count = fields.IntField(default=0, description="the count that reached the threshold")
    threshold = fields.IntField(default=0)
    term_start = fields.DateField(null=True, description="a rule counted over the term: its first day")
    status = fields.CharEnumField(ConsequenceStatus, max_length=12, default=ConsequenceStatus.DRAFT)
    reason = fields.CharField(max_length=200, default="", description="why it was dismissed")
    decided_by = fields.CharField(max_length=64, default="")
    decided_at = fields.DatetimeField(null=True)
    published = fields.BooleanField(default=False)
    published_to = fields.CharField(max_length=64, default="")
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "consequence"
        unique_together = (("rule", "member", "year"),)


class AuditEntry(Model):
    """A staff action on personal data: who, when, what, and a reference (never the data itself)."""

    id = fields.IntField(primary_key=True)
    actor = fields.CharField(max_length=64, description="member:<id>, qq:<account>, cli")
    action = fields.CharField(max_length=32, db_index=True)
    target_member_id = fields.IntField(null=True, db_index=True)
    target = fields.CharField(max_length=100, default="", description="object reference, e.g. year:2026")
    at = fields.DatetimeField(db_index=True)

    class Meta:
        table = "audit_entry"

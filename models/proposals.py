"""提案 co-signers, handling progress, and the review trail of 社情民意 reports."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from models.member import Member
    from models.record import Proposal, Report


class ProposalStage(StrEnum):
    ASSIGNED = "assigned"
    REPLIED = "replied"
    SATISFIED = "satisfied"
    UNSATISFIED = "unsatisfied"


PROPOSAL_STAGE_LABELS = {
    ProposalStage.ASSIGNED: "已交办",
    ProposalStage.REPLIED: "已答复",
    ProposalStage.SATISFIED: "委员满意",
    ProposalStage.UNSATISFIED: "委员不满意",
}


class ProposalCosigner(Model):
    """A co-signer of a proposal: a roster member when the name matched one, else just the name."""

    id = fields.IntField(primary_key=True)
    proposal: fields.ForeignKeyRelation[Proposal] = fields.ForeignKeyField(
        "models.Proposal", related_name="cosigner_rows", on_delete=fields.CASCADE
    )
    proposal_id: int
    member: fields.ForeignKeyNullableRelation[Member] = fields.ForeignKeyField(
        "models.Member", related_name="cosigned", null=True, on_delete=fields.SET_NULL
    )
    member_id: int | None
    name = fields.CharField(max_length=32)

    class Meta:
        table = "proposal_cosigner"


class ProposalProgress(Model):
    id = fields.IntField(primary_key=True)
    proposal: fields.ForeignKeyRelation[Proposal] = fields.ForeignKeyField(
        "models.Proposal", related_name="progress", on_delete=fields.CASCADE
    )
    proposal_id: int
    stage = fields.CharEnumField(ProposalStage, max_length=12)
    department = fields.CharField(max_length=64, default="")
    note = fields.CharField(max_length=200, default="")
    recorded_by = fields.CharField(max_length=64)
    at = fields.DatetimeField()

    class Meta:
        table = "proposal_progress"


class ReportReview(Model):
    """One step of a 社情民意 report's review: who moved it to which status, when, and why."""

    id = fields.IntField(primary_key=True)
    report: fields.ForeignKeyRelation[Report] = fields.ForeignKeyField(
        "models.Report", related_name="reviews", on_delete=fields.CASCADE
    )
    report_id: int
    status = fields.CharField(max_length=12)
    level = fields.CharField(max_length=16, default="")
    note = fields.CharField(max_length=200, default="")
    reviewed_by = fields.CharField(max_length=64)
    at = fields.DatetimeField()

    class Meta:
        table = "report_review"

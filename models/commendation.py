"""表彰: members nominated by staff for the year's commendation, then confirmed."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from models.member import Member


class CommendationStatus(StrEnum):
    NOMINATED = "nominated"
    CONFIRMED = "confirmed"


COMMENDATION_STATUS_LABELS = {CommendationStatus.NOMINATED: "已提名", CommendationStatus.CONFIRMED: "已确认"}


class Commendation(Model):
    """One member commended for one year: nominated by staff (with the reasons), then confirmed."""

    id = fields.IntField(primary_key=True)
    year = fields.IntField(db_index=True)
    member: fields.ForeignKeyRelation[Member] = fields.ForeignKeyField(
        "models.Member", related_name="commendations", on_delete=fields.CASCADE
    )
    member_id: int
    status = fields.CharEnumField(CommendationStatus, max_length=12, default=CommendationStatus.NOMINATED)
    reasons = fields.CharField(max_length=200, default="", description="表彰事由")
    nominated_by = fields.CharField(max_length=64)
    nominated_at = fields.DatetimeField()
    confirmed_by = fields.CharField(max_length=64, default="")
    confirmed_at = fields.DatetimeField(null=True)

    class Meta:
        table = "commendation"
        unique_together = (("year", "member"),)

"""Attendance corrected after an activity closed: who changed what, from what, and why."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

from models.activity import AttendanceStatus

if TYPE_CHECKING:
    from models.activity import Activity
    from models.member import Member


class AttendanceCorrection(Model):
    """One correction of one member's final status at a closed activity (e.g. 缺席 → 请假, 补办手续)."""

    id = fields.IntField(primary_key=True)
    activity: fields.ForeignKeyRelation[Activity] = fields.ForeignKeyField(
        "models.Activity", related_name="corrections", on_delete=fields.CASCADE
    )
    activity_id: int
    member: fields.ForeignKeyRelation[Member] = fields.ForeignKeyField(
        "models.Member", related_name="attendance_corrections", on_delete=fields.CASCADE
    )
    member_id: int
    old_status = fields.CharEnumField(AttendanceStatus, max_length=8)
    new_status = fields.CharEnumField(AttendanceStatus, max_length=8)
    reason = fields.CharField(max_length=200)
    corrected_by = fields.CharField(max_length=64)
    corrected_at = fields.DatetimeField()

    class Meta:
        table = "attendance_correction"

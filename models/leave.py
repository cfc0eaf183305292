"""Leave requests (请假) for an activity."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from models.activity import Activity
    from models.member import Member


class LeaveStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REFUSED = "refused"


# A request that is leave, or may still become it. A refused request is no leave anywhere: the
# member is expected, reminded, listed and, without a check-in, absent.
STANDING_LEAVE = (LeaveStatus.PENDING, LeaveStatus.APPROVED)

LEAVE_LABELS = {LeaveStatus.PENDING: "待审批", LeaveStatus.APPROVED: "已批准", LeaveStatus.REFUSED: "已驳回"}


class LeaveRequest(Model):
    id = fields.IntField(primary_key=True)
    activity: fields.ForeignKeyRelation[Activity] = fields.ForeignKeyField(
        "models.Activity", related_name="leave_requests", on_delete=fields.CASCADE
    )
    activity_id: int
    member: fields.ForeignKeyRelation[Member] = fields.ForeignKeyField(
        "models.Member", related_name="leave_requests", on_delete=fields.CASCADE
    )
    member_id: int
    reason = fields.CharField(max_length=200)
    status = fields.CharEnumField(LeaveStatus, max_length=8, default=LeaveStatus.PENDING)
    decided_by = fields.CharField(max_length=64, default="")
    decided_at = fields.DatetimeField(null=True)
    decision_reason = fields.CharField(max_length=200, default="")
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "leave_request"

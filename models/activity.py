"""Activities (meetings, inspections, trainings) and per-member attendance."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from models.member import Member


class ActivityType(StrEnum):
    PLENARY = "全体会议"
    STANDING = "常委会议"
    COMMITTEE = "专委会活动"
    INSPECTION = "视察调研"
    CONSULTATION = "协商议政"
    SUPERVISION = "民主监督"
    TRAINING = "学习培训"


class Audience(StrEnum):
    ALL = "all"
    COMMITTEE = "committee"
    SECTOR = "sector"
    LIST = "list"


class ActivityStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class AttendanceStatus(StrEnum):
    PENDING = "pending"
    PRESENT = "present"
    LATE = "late"
    LEAVE = "leave"
    ABSENT = "absent"


ATTENDANCE_LABELS: dict[AttendanceStatus, str] = {
    AttendanceStatus.PENDING: "未签到",
    AttendanceStatus.PRESENT: "出席",
    AttendanceStatus.LATE: "迟到",
    AttendanceStatus.LEAVE: "请假",
    AttendanceStatus.ABSENT: "缺席",
}


class Activity(Model):
    id = fields.IntField(primary_key=True, description="the short number members see")
    type = fields.CharEnumField(ActivityType, max_length=8)
    title = fields.CharField(max_length=100)
    start_at = fields.DatetimeField()
    end_at = fields.DatetimeField()
    place = fields.CharField(max_length=100, default="")
    audience = fields.CharEnumField(Audience, max_length=12, default=Audience.ALL)
    audience_value = fields.CharField(max_length=64, default="", description="committee or sector name")
    checkin_opens_at = fields.DatetimeField()
    checkin_closes_at = fields.DatetimeField()
    checkin_code = fields.CharField(max_length=16, null=True)
    announce_platform = fields.CharField(max_length=16, default="")
    announce_group = fields.CharField(max_length=64, default="")
    status = fields.CharEnumField(ActivityStatus, max_length=8, default=ActivityStatus.OPEN)
    created_by = fields.CharField(max_length=64, default="")
    created_at = fields.DatetimeField(auto_now_add=True)
    closed_at = fields.DatetimeField(null=True)

    class Meta:
        table = "activity"


class Attendance(Model):
    """One row per expected member, created with the activity, its status moves on from pending."""

    id = fields.IntField(primary_key=True)
    activity: fields.ForeignKeyRelation[Activity] = fields.ForeignKeyField(
        "models.Activity", related_name="attendances", on_delete=fields.CASCADE
    )
    activity_id: int
    member: fields.ForeignKeyRelation[Member] = fields.ForeignKeyField(
        "models.Member", related_name="attendances", on_delete=fields.CASCADE
    )
    member_id: int
    status = fields.CharEnumField(AttendanceStatus, max_length=8, default=AttendanceStatus.PENDING)
    checked_in_at = fields.DatetimeField(null=True)
    channel = fields.CharField(max_length=16, default="")
    notified_at = fields.DatetimeField(null=True, description="when the activity notice was queued")
    response = fields.CharField(max_length=8, null=True, description="attend when the member confirmed")
    confirmed_at = fields.DatetimeField(null=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "attendance"
        unique_together = (("activity", "member"),)

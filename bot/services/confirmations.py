"""参加: a member confirms they will attend. Staff see who confirmed, who asked for leave, who is silent.

A leave request (请假, the existing flow) also answers the request to confirm.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot import clock
from bot.sender import Sender
from bot.services import activities, membership
from bot.services.activity_listing import PHASE_LABELS, phase
from bot.services.actors import require_member, require_staff
from bot.services.errors import ServiceError
from bot.services.parsing import parse_number
from models import Activity, Attendance, AttendanceStatus, LeaveRequest, LeaveStatus
from models.activity import ActivityStatus
from models.leave import LEAVE_LABELS, STANDING_LEAVE

ATTEND = "attend"


async def confirm(sender: Sender, activity_ref: str) -> tuple[Activity, bool]:
    """Record 参加. Returns the activity and whether this answer is new (False: already confirmed)."""
    member = await require_member(sender)
    if not activity_ref.strip():
        raise ServiceError("notices/confirm_usage.j2")
    activity = await activities.get(parse_number(activity_ref, what="活动编号"))
    if activity.status != ActivityStatus.OPEN or clock.now() >= activity.start_at:
        raise ServiceError("notices/confirm_closed.j2", activity=activity)
    row = await Attendance.filter(activity=activity, member=member).first()
    if row is None:
        raise ServiceError("notices/confirm_not_expected.j2", activity=activity)
    leave = await LeaveRequest.filter(activity=activity, member=member, status__in=STANDING_LEAVE).first()
    if leave is not None:
        raise ServiceError("notices/confirm_has_leave.j2", activity=activity, leave=leave)
    if row.response == ATTEND:
        return activity, False
    await Attendance.filter(id=row.id).update(response=ATTEND, confirmed_at=clock.now())
    return activity, True


@dataclass(frozen=True, slots=True)
class LeaveLine:
    name: str
    reason: str
    status: str


@dataclass(frozen=True, slots=True)
class ConfirmationSheet:
    """Every expected 委员 is in exactly one of confirmed, leave, silent, checked_in. Leave is a
    request pending or approved; someone whose leave was refused is expected like everybody else
    (confirmed or silent) and is also named in `refused`."""

    activity: Activity
    confirmed: list[str]
    leave: list[LeaveLine]
    silent: list[str]
    checked_in: list[str]
    refused: list[LeaveLine] = field(default_factory=list)

    @property
    def phase_label(self) -> str:
        return PHASE_LABELS[phase(self.activity)]

    @property
    def expected(self) -> int:
        return len(self.confirmed) + len(self.leave) + len(self.silent) + len(self.checked_in)


async def sheet(sender: Sender, activity_ref: str) -> ConfirmationSheet:
    """确认名单: staff only, in a private chat (names of individuals are not for groups)."""
    await require_staff(sender, private_only=True)
    if not activity_ref.strip():
        raise ServiceError("notices/confirm_list_usage.j2")
    activity = await activities.get(parse_number(activity_ref, what="活动编号"))
    return await build_sheet(activity)


async def build_sheet(activity: Activity) -> ConfirmationSheet:
    rows = (
        await Attendance.filter(membership.member_q("member"), activity=activity)
        .order_by("member_id")
        .values_list("member_id", "member__name", "status", "response")
    )
    leaves = (
        await LeaveRequest.filter(activity=activity)
        .order_by("created_at", "id")
        .values_list("member_id", "reason", "status", "decision_reason")
    )
    latest = {member_id: (reason, LeaveStatus(status), why) for member_id, reason, status, why in leaves}
    confirmed: list[str] = []
    leave: list[LeaveLine] = []
    silent: list[str] = []
    checked_in: list[str] = []
    refused: list[LeaveLine] = []
    for member_id, name, status, response in rows:
        reason, leave_status, why = latest.get(member_id, ("", None, ""))
        if leave_status == LeaveStatus.REFUSED:
            refused.append(LeaveLine(name, why or reason, LEAVE_LABELS[leave_status]))
        if status in (AttendanceStatus.PRESENT, AttendanceStatus.LATE):
            checked_in.append(name)
        elif leave_status in STANDING_LEAVE:
            leave.append(LeaveLine(name, reason, LEAVE_LABELS[leave_status]))
        elif response == ATTEND:
            confirmed.append(name)
        else:
            silent.append(name)
    return ConfirmationSheet(activity, confirmed, leave, silent, checked_in, refused)

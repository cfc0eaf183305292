"""请假: a member asks before the start with a reason; staff approve or refuse; the member is told."""

from __future__ import annotations

from tortoise.transactions import in_transaction

from bot import clock
from bot.config import get_settings
from bot.delivery import outbox
from bot.delivery.recipients import MemberRecipient
from bot.sender import Sender
from bot.services import activities, membership
from bot.services.actors import Actor, require_member
from bot.services.errors import ServiceError
from bot.services.parsing import parse_number
from models import Attendance, AttendanceStatus, LeaveRequest, LeaveStatus
from models.activity import ActivityStatus
from models.leave import STANDING_LEAVE


async def request(sender: Sender, activity_ref: str, reason: str) -> LeaveRequest:
    member = await require_member(sender)
    number = parse_number(activity_ref, what="活动编号")
    activity = await activities.get(number)
    reason = reason.strip()
    limit = get_settings().leave_reason_max
    if not reason:
        raise ServiceError("leave/usage.j2")
    if len(reason) > limit:
        raise ServiceError("leave/reason_too_long.j2", limit=limit, length=len(reason))
    if activity.status != ActivityStatus.OPEN or clock.now() >= activity.start_at:
        raise ServiceError("leave/too_late.j2", activity=activity)
    row = await Attendance.filter(activity=activity, member=member).first()
    if row is None:
        raise ServiceError("leave/not_expected.j2", activity=activity)
    if row.status in (AttendanceStatus.PRESENT, AttendanceStatus.LATE):
        raise ServiceError("leave/already_checked_in.j2", activity=activity)
    existing = await LeaveRequest.filter(activity=activity, member=member, status__in=STANDING_LEAVE).first()
    if existing is not None:
        raise ServiceError("leave/duplicate.j2", activity=activity, leave=existing)
    async with in_transaction():
        leave = await LeaveRequest.create(activity=activity, member=member, reason=reason)
        context = {
            "leave_id": leave.id,
            "member_name": member.name,
            "activity_id": activity.id,
            "activity_title": activity.title,
            "start_at": activity.start_at.isoformat(),
            "reason": reason,
        }
        await outbox.enqueue_many(
            [
                outbox.Outgoing(
                    key=f"leave-request:{leave.id}:{suffix}",
                    recipient=recipient,
                    template="leave/staff_notice.j2",
                    context=context,
                    kind="leave_request",
                )
                for suffix, recipient in await membership.staff_to_reach(activity)
            ]
        )
    leave.activity = activity
    leave.member = member
    return leave


async def _pending(leave_ref: str) -> LeaveRequest:
    number = parse_number(leave_ref, what="请假编号")
    leave = await LeaveRequest.filter(id=number).select_related("activity", "member").first()
    if leave is None:
        raise ServiceError("leave/not_found.j2", number=number)
    if leave.status != LeaveStatus.PENDING:
        raise ServiceError("leave/already_decided.j2", leave=leave)
    return leave


async def decide(actor: Actor, leave_ref: str, *, approve: bool, reason: str = "") -> LeaveRequest:
    """Approve or refuse a pending request and queue the member's notice in the same transaction."""
    leave = await _pending(leave_ref)
    reason = reason.strip()
    if not approve and not reason:
        raise ServiceError("leave/refuse_needs_reason.j2")
    if leave.activity.status != ActivityStatus.OPEN:
        raise ServiceError("leave/activity_closed.j2", activity=leave.activity)
    status = LeaveStatus.APPROVED if approve else LeaveStatus.REFUSED
    now = clock.now()
    async with in_transaction():
        changed = await LeaveRequest.filter(id=leave.id, status=LeaveStatus.PENDING).update(
            status=status, decided_by=actor.label, decided_at=now, decision_reason=reason[:200]
        )
        if not changed:
            raise ServiceError("leave/already_decided.j2", leave=leave)
        if approve:
            await Attendance.filter(
                activity_id=leave.activity.id, member_id=leave.member.id, status=AttendanceStatus.PENDING
            ).update(status=AttendanceStatus.LEAVE)
        await outbox.enqueue(
            key=f"leave-decision:{leave.id}",
            recipient=MemberRecipient(member_id=leave.member.id),
            template="leave/decision_notice.j2",
            context={
                "approved": approve,
                "activity_id": leave.activity.id,
                "activity_title": leave.activity.title,
                "start_at": leave.activity.start_at.isoformat(),
                "reason": reason,
                "leave_id": leave.id,
            },
            kind="leave_decision",
        )
    leave.status = status
    leave.decision_reason = reason
    return leave


async def pending_for_staff(limit: int = 20) -> list[LeaveRequest]:
    return list(
        await LeaveRequest.filter(status=LeaveStatus.PENDING, activity__status=ActivityStatus.OPEN)
        .select_related("activity", "member")
        .order_by("created_at")
        .limit(limit)
    )

"""Audit trail of staff actions on personal data: who, when, what, and a reference, never the data."""

from __future__ import annotations

from datetime import datetime

from bot import clock
from models import AuditEntry, Member

ACTION_LABELS = {
    "archive_view": "查看个人档案",
    "archive_export": "导出年度档案",
    "member_export": "导出个人档案",
    "commendations_export": "导出表彰名单",
    "commendation_view": "查看表彰候选",
    "commendation_nominate": "提名表彰",
    "commendation_confirm": "确认表彰",
    "ranking_view": "查看排名",
    "watchlist_view": "查看预警",
    "unfinished_view": "查看未完成名单",
    "broadcast": "群发通知",
    "binding_code": "签发绑定码",
    "unbind": "解除绑定",
    "consequence_confirm": "确认处理",
    "consequence_dismiss": "撤销处理",
    "consequence_publish": "公开通报",
    # the web console: every write, and every full view of personal data
    "personal_view": "查看联系方式",
    "role_change": "修改角色",
    "roster_preview": "检查名册文件",
    "roster_import": "导入名册",
    "activity_create": "新建活动",
    "activity_edit": "编辑活动",
    "activity_close": "结束活动",
    "attendance_correct": "更正考勤",
    "leave_approve": "批准请假",
    "leave_refuse": "驳回请假",
    "report_accept": "受理社情民意",
    "report_return": "退回社情民意",
    "report_adopt": "采用社情民意",
    "report_instruct": "社情民意批示",
    "record_confirm": "确认履职记录",
    "broadcast_resend": "补发群发",
}

Target = Member | int | str | None


async def record(actor_label: str, action: str, target: Target = None) -> AuditEntry:
    """Write one entry. `target` is a Member, a member id, or an object reference such as 'year:2026'."""
    member_id: int | None = None
    reference = ""
    if isinstance(target, Member):
        member_id = target.id
    elif isinstance(target, int):
        member_id = target
    elif target:
        reference = str(target)[:100]
    return await AuditEntry.create(
        actor=actor_label[:64],
        action=action[:32],
        target_member_id=member_id,
        target=reference,
        at=clock.now(),
    )


async def entries(
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    actor: str = "",
    action: str = "",
    limit: int = 200,
) -> list[AuditEntry]:
    query = AuditEntry.all()
    if since is not None:
        query = query.filter(at__gte=since)
    if until is not None:
        query = query.filter(at__lt=until)
    if actor:
        query = query.filter(actor=actor)
    if action:
        query = query.filter(action=action)
    return list(await query.order_by("-at", "-id").limit(limit))


async def actors(limit: int = 500) -> list[str]:
    """Who has entries in the log (member:<id>, cli, …), for choosing one."""
    return list(await AuditEntry.all().distinct().limit(limit).values_list("actor", flat=True))

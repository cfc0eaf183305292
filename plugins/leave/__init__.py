from bot.chat import Request, Where, router
from bot.render import render
from bot.services import leave
from bot.services.actors import require_staff
from bot.services.errors import ServiceError
from bot.services.parsing import one_item


@router.command(
    "请假",
    usage="请假 <活动编号> <事由>",
    summary="活动开始前请假，审批结果私聊告知",
    doc=(
        "ask for leave before the start; the staff responsible are told at once (see Notifications), "
        "the decision arrives privately"
    ),
)
@router.hint(
    "不能参加", "无法参加", "没法参加", "参加不了", "去不了", "来不了", "到不了", "缺席", "有事", "出差"
)
async def ask(req: Request) -> str:
    if not req.words:
        raise ServiceError("leave/usage.j2")
    request = await leave.request(req.sender, req.word(0), req.rest(1))
    return render("leave/requested.j2", leave=request, private=req.sender.is_private)


@router.command(
    "待审批",
    usage="待审批",
    summary="查看待审批的请假",
    doc="pending leave requests",
    staff=True,
    where=Where.PRIVATE,
)
@router.fixed_form
@router.hint("审批", "请假申请", "谁请假", staff=True)
async def pending(req: Request) -> str:
    await require_staff(req.sender, private_only=True)
    return render("leave/pending_list.j2", requests=await leave.pending_for_staff())


@router.command(
    "批准",
    usage="批准 <请假编号>",
    summary="批准请假，委员会收到通知",
    doc="approve a leave request; the member is told privately",
    staff=True,
)
@router.fixed_form
@router.hint("同意请假", "准假", "通过请假", staff=True)
async def approve(req: Request) -> str:
    actor = await require_staff(req.sender)
    one_item(req.name, req.words)
    decided = await leave.decide(actor, req.word(0), approve=True)
    return render("leave/decided.j2", leave=decided)


@router.command(
    "驳回",
    usage="驳回 <请假编号> <原因>",
    summary="驳回请假，委员会收到原因",
    doc="refuse a leave request with a reason; the member is told privately",
    staff=True,
)
@router.hint("不同意请假", "不准假", "拒绝请假", staff=True)
async def refuse(req: Request) -> str:
    actor = await require_staff(req.sender)
    if not req.words:
        raise ServiceError("leave/refuse_usage.j2")
    one_item(req.name, req.words)
    decided = await leave.decide(actor, req.word(0), approve=False, reason=req.rest(1))
    return render("leave/decided.j2", leave=decided)


__plugin_meta__ = router.metadata(
    __name__, name="请假", description="Ask for leave from an activity; staff approve or refuse"
)

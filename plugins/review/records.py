from bot.chat import Request, Where, router
from bot.render import render
from bot.services import proposals, record_review
from bot.services.actors import find_member, recorder_name, require_staff
from bot.services.parsing import one_item
from models import ReportStatus
from models.proposals import PROPOSAL_STAGE_LABELS
from models.record import RECORD_KIND_LABELS, REPORT_STATUS_LABELS

REPORT_STEPS = {
    "受理": ReportStatus.ACCEPTED,
    "退回": ReportStatus.RETURNED,
    "采用": ReportStatus.ADOPTED,
    "批示": ReportStatus.INSTRUCTED,
}


@router.hint("审核", "社情民意审核", "审核社情民意", staff=True)
async def review_report(req: Request) -> str:
    actor = await require_staff(req.sender, private_only=True)
    status = REPORT_STEPS[req.name]
    one_item(req.name, req.words)
    level = record_review.parse_level(req.word(1)) if status == ReportStatus.ADOPTED else ""
    note = req.rest(1) if status in (ReportStatus.RETURNED, ReportStatus.INSTRUCTED) else ""
    report = await record_review.move(actor, req.word(0), status, level=level, note=note)
    return render(
        "review/report_done.j2",
        report=report,
        status_label=REPORT_STATUS_LABELS[status],
        level_label=record_review.LEVEL_LABELS.get(level, ""),
    )


# One command each, so a question naming one points at that one; the author is told at each step.
REPORT_STEP_HELP = {
    "受理": ("受理 <社情民意编号>", "受理社情民意", "accept a 社情民意 report"),
    "退回": ("退回 <社情民意编号> <原因>", "退回社情民意并说明原因", "return a report, with the reason"),
    "采用": ("采用 <社情民意编号> <级别>", "记录采用及级别", "record a report as adopted, at which level"),
    "批示": ("批示 <社情民意编号> <批示内容>", "记录领导批示", "record a leader's instruction on a report"),
}
for step_name, (step_usage, step_summary, step_doc) in REPORT_STEP_HELP.items():
    router.command(
        step_name,
        usage=step_usage,
        summary=f"{step_summary}，作者会收到通知",
        doc=f"{step_doc}; the author is told",
        staff=True,
        where=Where.PRIVATE,
    )(review_report)


@router.command(
    "确认记录",
    usage="确认记录 <编号>",
    summary="确认发言、调研报告等履职记录",
    doc="confirm a speech or research report",
    staff=True,
    where=Where.PRIVATE,
)
@router.hint("确认发言", "确认调研", "记录确认", staff=True)
async def confirm_record(req: Request) -> str:
    actor = await require_staff(req.sender, private_only=True)
    record = await record_review.confirm_record(actor, req.args)
    return render(
        "review/record_confirmed.j2",
        record=record,
        kind=RECORD_KIND_LABELS[record.kind],
        recorder=await recorder_name(record.recorded_by),
    )


@router.command(
    "提案",
    usage="提案 <委员> <编号> <标题> [联名 张三、李四]",
    summary="记录提案及联名人",
    doc="record a proposal with its first author and co-signers",
    staff=True,
    where=Where.PRIVATE,
)
@router.hint("录入提案", "登记提案", "联名", staff=True)
async def record_proposal(req: Request) -> str:
    actor = await require_staff(req.sender, private_only=True)
    form = proposals.parse_form(req.arguments)
    proposal = await proposals.record(
        await find_member(form.member), form.number, form.title, form.cosigners, actor.label
    )
    unmatched = await proposals.unmatched_cosigners(proposal)
    return render(
        "proposal/recorded.j2",
        proposal=proposal,
        unmatched=unmatched,
        recorder=await recorder_name(proposal.recorded_by),
    )


@router.command(
    "提案办理",
    usage="提案办理 <编号> <进展>",
    summary="记录提案办理进展（交办 部门｜已答复｜满意｜不满意），告知全部提案人",
    doc="record a proposal's handling (交办 <部门> / 已答复 / 满意 / 不满意) and tell every author",
    staff=True,
    where=Where.PRIVATE,
)
@router.hint("办理", "交办", "答复", "办理进展", staff=True)
async def proposal_progress(req: Request) -> str:
    actor = await require_staff(req.sender, private_only=True)
    proposal, step, authors = await proposals.advance(req.word(0), req.arguments.rest(1), actor.label)
    return render(
        "proposal/advanced.j2",
        proposal=proposal,
        step=step,
        stage_label=PROPOSAL_STAGE_LABELS[step.stage],
        authors=authors,
    )

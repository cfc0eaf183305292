from bot.chat import Request, Where, router
from bot.render import render
from bot.services import archive, review
from bot.services.actors import require_staff
from bot.services.errors import ServiceError
from models.assessment import CONSEQUENCE_LABELS


@router.command(
    "待确认",
    usage="待确认",
    summary="规则生成、待确认的处理",
    doc="consequences drafted by the rules, waiting for review",
    staff=True,
    where=Where.PRIVATE,
)
@router.hint("待处理", "通报批评", "劝辞", staff=True)
async def list_pending(req: Request) -> str:
    await require_staff(req.sender, private_only=True)
    return render("review/pending.j2", drafts=await review.pending(), labels=CONSEQUENCE_LABELS)


@router.command(
    "预警",
    usage="预警",
    summary="接近或达到处理条件的委员",
    doc="members near or past a threshold",
    staff=True,
    where=Where.PRIVATE,
)
@router.hint("快达到", "接近", "警示", staff=True)
async def show_watchlist(req: Request) -> str:
    actor = await require_staff(req.sender, private_only=True)
    return render(
        "archive/watchlist.j2", w=await archive.watchlist(actor, req.args), labels=CONSEQUENCE_LABELS
    )


@router.command(
    "确认处理",
    usage="确认处理 <编号> [公开 [群号]]",
    summary="确认处理决定（加「公开」才发布到群）",
    doc="confirm a consequence (the member is notified; published only with 公开)",
    staff=True,
    where=Where.PRIVATE,
)
@router.hint("处理决定", "公开通报", staff=True)
async def confirm(req: Request) -> str:
    actor = await require_staff(req.sender, private_only=True)
    words = req.words
    if not words:
        raise ServiceError("review/confirm_usage.j2")
    publish = len(words) > 1 and words[1] == "公开"
    group = words[2] if publish and len(words) > 2 else ""
    found = await review.confirm(actor, words[0], publish=publish, group=group)
    return render("review/confirmed.j2", c=found, labels=CONSEQUENCE_LABELS)


@router.command(
    "撤销",
    usage="撤销 <编号> <原因>",
    summary="撤销处理",
    doc="dismiss a consequence, with the reason",
    staff=True,
    where=Where.PRIVATE,
)
@router.hint("撤回处理", "不处理", staff=True)
async def dismiss(req: Request) -> str:
    actor = await require_staff(req.sender, private_only=True)
    found = await review.dismiss(actor, req.word(0), req.rest(1))
    return render("review/dismissed.j2", c=found, labels=CONSEQUENCE_LABELS)

from bot.chat import Request, router
from bot.render import render
from bot.services import archive, review
from bot.services.actors import require_staff
from bot.services.errors import ServiceError
from models.assessment import CONSEQUENCE_LABELS


@router.command("待确认")
@router.hint("待处理", "通报批评", "劝辞", staff=True)
async def list_pending(req: Request) -> str:
    await require_staff(req.sender, private_only=True)
    return render("review/pending.j2", drafts=await review.pending(), labels=CONSEQUENCE_LABELS)


@router.command("预警")
@router.hint("快达到", "接近", "警示", staff=True)
async def show_watchlist(req: Request) -> str:
    actor = await require_staff(req.sender, private_only=True)
    return render(
        "archive/watchlist.j2", w=await archive.watchlist(actor, req.args), labels=CONSEQUENCE_LABELS
    )


@router.command("确认处理")
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


@router.command("撤销")
@router.hint("撤回处理", "不处理", staff=True)
async def dismiss(req: Request) -> str:
    actor = await require_staff(req.sender, private_only=True)
    found = await review.dismiss(actor, req.word(0), req.rest(1))
    return render("review/dismissed.j2", c=found, labels=CONSEQUENCE_LABELS)

from typing import Any

from bot.chat import Ask, Request, Where, router
from bot.render import render
from bot.services import archive, review, review_batch
from bot.services.actors import require_staff
from bot.services.errors import ServiceError
from models.assessment import CONSEQUENCE_LABELS

CONFIRM_WORDS = {"确认", "确定", "执行"}


@router.command(
    "待确认",
    usage="待确认 [页码]",
    summary="规则生成、待确认的处理（共几项，分页）",
    doc="consequences drafted by the rules, waiting for review: the total, 20 a page",
    staff=True,
    where=Where.PRIVATE,
)
@router.hint("待处理", "通报批评", "劝辞", staff=True)
async def list_pending(req: Request) -> str:
    await require_staff(req.sender, private_only=True)
    page = await review_batch.pending_page(req.word(0))
    return render("review/pending.j2", page=page, labels=CONSEQUENCE_LABELS)


async def _preview(state: dict[str, Any], selection: review_batch.Selection) -> Ask:
    drafts = await review_batch.selected_drafts(selection)
    state["numbers"] = [c.id for c in drafts]
    text = render(
        "review/batch_preview.j2",
        drafts=drafts,
        labels=CONSEQUENCE_LABELS,
        limit=review_batch.PREVIEW_LINES,
        **state,
    )
    return Ask(text, _decide_batch, state)


async def _decide_batch(req: Request, state: dict[str, Any]) -> str | Ask:
    if req.answer not in CONFIRM_WORDS:
        return Ask(render("review/batch_confirm_again.j2"), _decide_batch, state)
    actor = await require_staff(req.sender, private_only=True)
    if state["action"] == "confirm":
        result = await review_batch.confirm_many(
            actor, state["numbers"], publish=state["publish"], group=state["group"]
        )
    else:
        result = await review_batch.dismiss_many(actor, state["numbers"], state["reason"])
    return render("review/batch_done.j2", result=result, limit=review_batch.PREVIEW_LINES, **state)


@router.command(
    "预警",
    usage="预警 [专委会 名称｜界别 名称]",
    summary="接近或达到处理条件的委员（可按专委会、界别）",
    doc="members near or past a threshold, everyone or within a 专委会 / 界别",
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
    usage="确认处理 <编号｜3-12｜全部> [公开 [群号]]",
    summary="确认处理决定（加「公开」才发布到群；多项先预览再「确认」）",
    doc=(
        "confirm a consequence (the member is notified; published only with 公开); several at once "
        "(3-12, 3、5、8, 全部) after a preview and `确认`"
    ),
    staff=True,
    where=Where.PRIVATE,
)
@router.hint("处理决定", "公开通报", "批量确认", staff=True)
async def confirm(req: Request) -> str | Ask:
    actor = await require_staff(req.sender, private_only=True)
    words = req.words
    if not words:
        raise ServiceError("review/confirm_usage.j2")
    named = max(review_batch.selection_length(words), 1)
    chosen, rest = " ".join(words[:named]), words[named:]
    publish = bool(rest) and rest[0] == "公开"
    if (rest and not publish) or len(rest) > 2:  # never decide while dropping words unread
        raise ServiceError("review/confirm_usage.j2")
    group = rest[1] if len(rest) > 1 else ""
    selection = review_batch.parse_selection(chosen)
    if selection is not None:
        if publish:
            review.publish_target(group)  # no group to publish to: refused before the preview
        return await _preview({"action": "confirm", "publish": publish, "group": group}, selection)
    found = await review.confirm(actor, chosen, publish=publish, group=group)
    return render("review/confirmed.j2", c=found, labels=CONSEQUENCE_LABELS)


@router.command(
    "撤销",
    usage="撤销 <编号｜3-12｜全部> <原因>",
    summary="撤销处理（多项先预览再「确认」）",
    doc="dismiss a consequence, with the reason; several at once (3-12, 3、5、8, 全部) after a preview",
    staff=True,
    where=Where.PRIVATE,
)
@router.hint("撤回处理", "不处理", "批量撤销", staff=True)
async def dismiss(req: Request) -> str | Ask:
    actor = await require_staff(req.sender, private_only=True)
    named = max(review_batch.selection_length(req.words), 1)
    chosen = " ".join(req.words[:named])
    selection = review_batch.parse_selection(chosen)
    reason = req.rest(named).strip()
    if selection is not None:
        if not reason:
            raise ServiceError("review/dismiss_needs_reason.j2")
        return await _preview({"action": "dismiss", "reason": reason}, selection)
    found = await review.dismiss(actor, chosen, reason)
    return render("review/dismissed.j2", c=found, labels=CONSEQUENCE_LABELS)

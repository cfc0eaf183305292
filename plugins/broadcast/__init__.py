"""Staff broadcasts: 通知 <对象> <内容> and 发布 《刊物》 <标题>, each previewed and sent only on 确认.

取消 (handled by the router for every conversation) drops the draft without sending anything.
"""

from typing import Any

from bot.chat import Ask, Request, Where, router
from bot.render import render
from bot.services import broadcasts
from bot.services.actors import require_staff

CONFIRM_WORDS = {"确认", "确定", "发送"}
EXCERPT = 200


def _preview_text(preview: broadcasts.Preview) -> str:
    content = preview.plan.content
    excerpt = content if len(content) <= EXCERPT else content[:EXCERPT] + "……"
    audience = render("broadcast/audience.j2", plan=preview.plan)
    return render("broadcast/preview.j2", preview=preview, audience=audience, excerpt=excerpt)


async def _ask_to_confirm(req: Request, plan: broadcasts.Plan) -> Ask:
    preview = await broadcasts.preview(req.sender, plan)
    return Ask(_preview_text(preview), confirm, {"plan": plan.dump()})


@router.command(
    "通知",
    usage="通知 <对象> <内容> [紧急]",
    summary=(
        "群发通知（对象：全体｜专委会 X｜界别 X｜群 群号｜名单 张三、李四），预览后回复「确认」；"
        "末尾加「紧急」即时发送并加发短信"
    ),
    doc=(
        "broadcast to 全体 / 专委会 X / 界别 X (their 委员) / 群 <群号> / 名单 张三、李四 (exactly those "
        "named, staff too): a preview with how many can be reached and who cannot (no chat account on a "
        "channel the bot sends on and no SMS, first 50 names), then `确认` (or `取消`). A last word "
        "`紧急` makes it urgent: sent at once even in quiet hours, and by SMS too"
    ),
    staff=True,
    where=Where.PRIVATE,
)
@router.hint("群发", "发通知", "发消息", "广播", staff=True)
async def notice(req: Request) -> Ask:
    await require_staff(req.sender, private_only=True)
    return await _ask_to_confirm(req, broadcasts.parse_notice(req.arguments))


@router.command(
    "发布",
    usage="发布 《刊物》 <标题>",
    summary="发布刊物（内容另起一行或下一条消息），预览后回复「确认」",
    doc=(
        "publish 《政协简报》《委员之声》…: content on the next line or in the next message; "
        "preview, then `确认`"
    ),
    staff=True,
    where=Where.PRIVATE,
)
@router.hint("刊物", "简报", "发布刊物", staff=True)
async def publish(req: Request) -> Ask:
    await require_staff(req.sender, private_only=True)
    plan = broadcasts.parse_publication(req.rest(0))
    if not plan.content:
        return Ask(render("broadcast/ask_content.j2", plan=plan), got_content, {"plan": plan.dump()})
    return await _ask_to_confirm(req, plan)


async def got_content(req: Request, state: dict[str, Any]) -> Ask:
    plan = broadcasts.Plan.load(state["plan"])
    plan.content = broadcasts.check_content(req.text)
    return await _ask_to_confirm(req, plan)


async def confirm(req: Request, state: dict[str, Any]) -> str | Ask:
    if req.answer not in CONFIRM_WORDS:
        return Ask(render("broadcast/confirm_again.j2"), confirm, state)
    batch, count = await broadcasts.send(req.sender, broadcasts.Plan.load(state["plan"]))
    return render("broadcast/queued.j2", batch=batch, count=count)


@router.command(
    "确认",
    usage="确认",
    summary="确认预览中的群发或表单",
    doc="confirm a previewed broadcast or form (outside a conversation: nothing is waiting)",
    staff=True,
    listed=False,
)
@router.hint("确定", "确认发送", staff=True)
async def nothing_pending(req: Request) -> str | None:
    """确认 outside a conversation: nothing is waiting (in a group the bot stays silent)."""
    if not req.sender.is_private:
        return None
    return render("broadcast/nothing_to_confirm.j2")


__plugin_meta__ = router.metadata(
    __name__,
    name="通知发布",
    description="Staff send a notice to an audience or publish a publication, after a preview",
)

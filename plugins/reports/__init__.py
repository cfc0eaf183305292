"""社情民意: a guided conversation (title → content → confirm) or a one-message form."""

from typing import Any

from bot.chat import Ask, Request, router
from bot.render import render
from bot.services import reports
from bot.services.actors import require_member

CONFIRM_WORDS = {"确认", "确定", "提交", "是"}


@router.command(
    "社情民意",
    usage="社情民意",
    summary="按提示提交社情民意（也可一条消息：社情民意 标题 换行 内容）",
    doc=(
        "guided: title → content → 确认 (取消 at any step); "
        "or one message: `社情民意 标题` + newline + content"
    ),
)
@router.hint("反映", "民意", "民情", "群众反映", "提交信息", "问题反映")
async def start(req: Request) -> str | Ask:
    member = await require_member(req.sender)
    if req.words:
        title, content = reports.parse_one_message(req.rest(0))
        report = await reports.submit(member, title, content)
        return render("report/submitted.j2", report=report)
    return Ask(render("report/ask_title.j2", limits=reports.limits()), got_title)


async def got_title(req: Request, state: dict[str, Any]) -> Ask:
    state["title"] = reports.check_title(req.text)
    return Ask(render("report/ask_content.j2", limits=reports.limits()), got_content, state)


async def got_content(req: Request, state: dict[str, Any]) -> Ask:
    state["content"] = reports.check_content(req.text)
    return Ask(render("report/confirm.j2", title=state["title"], content=state["content"]), confirm, state)


async def confirm(req: Request, state: dict[str, Any]) -> str | Ask:
    if req.answer not in CONFIRM_WORDS:
        return Ask(render("report/confirm_again.j2"), confirm, state)
    member = await require_member(req.sender)
    report = await reports.submit(member, state["title"], state["content"])
    return render("report/submitted.j2", report=report)


__plugin_meta__ = router.metadata(
    __name__, name="社情民意", description="Submit a social-condition report, guided or in one message"
)

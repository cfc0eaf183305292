"""社情民意: a guided conversation (title → content → confirm) or a one-message form."""

from nonebot.adapters import Event
from nonebot.plugin import PluginMetadata, on_message
from nonebot.typing import T_State

from bot.chat import Args, CurrentSender, answer, command, plain
from bot.render import render
from bot.services import reports
from bot.services.actors import require_member
from bot.services.errors import ServiceError

__plugin_meta__ = PluginMetadata(
    name="社情民意",
    description="Submit a social-condition report, guided or in one message",
    usage="社情民意｜社情民意 <标题>\\n<内容>",
)

CANCEL_WORDS = {"取消", "退出", "算了"}
CONFIRM_WORDS = {"确认", "确定", "提交", "是"}

report_flow = on_message(rule=command("社情民意"), priority=10, block=True)


def _reply_text(event: Event) -> str:
    return event.get_plaintext().strip()


@report_flow.handle()
async def start(sender: CurrentSender, args: Args, state: T_State) -> None:
    try:
        member = await require_member(sender)
        if args:
            title, content = reports.parse_one_message(args)
            report = await reports.submit(member, title, content)
            await report_flow.finish(plain(render("report/submitted.j2", report=report)))
    except ServiceError as refusal:
        await report_flow.finish(plain(refusal.render()))
    state["member_id"] = member.id
    await report_flow.pause(plain(render("report/ask_title.j2", limits=reports.limits())))


@report_flow.handle()
async def got_title(event: Event, state: T_State) -> None:
    text = _reply_text(event)
    if text in CANCEL_WORDS:
        await report_flow.finish(plain(render("report/cancelled.j2")))
    try:
        state["title"] = reports.check_title(text)
    except ServiceError as refusal:
        await report_flow.reject(plain(refusal.render()))
    await report_flow.pause(plain(render("report/ask_content.j2", limits=reports.limits())))


@report_flow.handle()
async def got_content(event: Event, state: T_State) -> None:
    text = _reply_text(event)
    if text in CANCEL_WORDS:
        await report_flow.finish(plain(render("report/cancelled.j2")))
    try:
        state["content"] = reports.check_content(text)
    except ServiceError as refusal:
        await report_flow.reject(plain(refusal.render()))
    await report_flow.pause(
        plain(render("report/confirm.j2", title=state["title"], content=state["content"]))
    )


@report_flow.handle()
@answer
async def confirm(event: Event, state: T_State, sender: CurrentSender) -> str:
    text = _reply_text(event)
    if text in CANCEL_WORDS:
        return render("report/cancelled.j2")
    if text not in CONFIRM_WORDS:
        await report_flow.reject(plain(render("report/confirm_again.j2")))
    member = await require_member(sender)
    report = await reports.submit(member, state["title"], state["content"])
    return render("report/submitted.j2", report=report)

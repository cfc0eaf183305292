"""Staff broadcasts: 通知 <对象> <内容> and 发布 <刊物> <标题>, each previewed and sent only on 确认."""

from nonebot.adapters import Event
from nonebot.plugin import PluginMetadata, on_message
from nonebot.typing import T_State

from bot.chat import Args, CurrentSender, answer, command, plain
from bot.render import render
from bot.services import broadcasts
from bot.services.actors import require_staff
from bot.services.errors import ServiceError

__plugin_meta__ = PluginMetadata(
    name="通知发布",
    description="Staff send a notice to an audience or publish a publication, after a preview",
    usage="通知 <对象> <内容>｜发布 《刊物》 <标题>｜确认｜取消",
)

CANCEL_WORDS = {"取消", "退出", "算了"}
CONFIRM_WORDS = {"确认", "确定", "发送"}
EXCERPT = 200

notice_flow = on_message(rule=command("通知"), priority=10, block=True)
publish_flow = on_message(rule=command("发布"), priority=10, block=True)
stray_confirm = on_message(rule=command("确认"), priority=11, block=True)


def _preview_text(preview: broadcasts.Preview) -> str:
    content = preview.plan.content
    excerpt = content if len(content) <= EXCERPT else content[:EXCERPT] + "……"
    audience = render("broadcast/audience.j2", plan=preview.plan)
    return render("broadcast/preview.j2", preview=preview, audience=audience, excerpt=excerpt)


@notice_flow.handle()
async def notice_start(sender: CurrentSender, args: Args, state: T_State) -> None:
    try:
        await require_staff(sender, private_only=True)
        plan = broadcasts.parse_notice(args)
        preview = await broadcasts.preview(sender, plan)
    except ServiceError as refusal:
        await notice_flow.finish(plain(refusal.render()))
    state["plan"] = plan.dump()
    await notice_flow.pause(plain(_preview_text(preview)))


@notice_flow.handle()
@answer
async def notice_confirm(event: Event, state: T_State, sender: CurrentSender) -> str:
    return await _confirm(notice_flow, event, state, sender)


@publish_flow.handle()
async def publish_start(sender: CurrentSender, args: Args, state: T_State) -> None:
    try:
        await require_staff(sender, private_only=True)
        plan = broadcasts.parse_publication(args)
    except ServiceError as refusal:
        await publish_flow.finish(plain(refusal.render()))
    state["plan"] = plan.dump()
    if not plan.content:
        await publish_flow.pause(plain(render("broadcast/ask_content.j2", plan=plan)))


@publish_flow.handle()
async def publish_content(event: Event, state: T_State, sender: CurrentSender) -> None:
    plan = broadcasts.Plan.load(state["plan"])
    if not plan.content:
        text = event.get_plaintext().strip()
        if text in CANCEL_WORDS:
            await publish_flow.finish(plain(render("broadcast/cancelled.j2")))
        try:
            plan.content = broadcasts.check_content(text)
        except ServiceError as refusal:
            await publish_flow.reject(plain(refusal.render()))
        state["plan"] = plan.dump()
    try:
        preview = await broadcasts.preview(sender, plan)
    except ServiceError as refusal:
        await publish_flow.finish(plain(refusal.render()))
    await publish_flow.pause(plain(_preview_text(preview)))


@publish_flow.handle()
@answer
async def publish_confirm(event: Event, state: T_State, sender: CurrentSender) -> str:
    return await _confirm(publish_flow, event, state, sender)


async def _confirm(flow: type, event: Event, state: T_State, sender: CurrentSender) -> str:
    text = event.get_plaintext().strip()
    if text in CANCEL_WORDS:
        return render("broadcast/cancelled.j2")
    if text not in CONFIRM_WORDS:
        await flow.reject(plain(render("broadcast/confirm_again.j2")))  # type: ignore[attr-defined]
    batch, count = await broadcasts.send(sender, broadcasts.Plan.load(state["plan"]))
    return render("broadcast/queued.j2", batch=batch, count=count)


@stray_confirm.handle()
@answer
async def nothing_pending(sender: CurrentSender) -> str | None:
    if not sender.is_private:
        return None
    return render("broadcast/nothing_to_confirm.j2")

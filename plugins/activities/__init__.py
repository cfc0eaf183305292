"""Staff: create activities (guided), list them, see attendance, close them."""

from nonebot.adapters import Event
from nonebot.plugin import PluginMetadata, on_message
from nonebot.typing import T_State

from bot.chat import Args, CurrentSender, answer, command, plain
from bot.render import render
from bot.services import activities
from bot.services.activity_form import ACTIVITY_TYPES, STEPS
from bot.services.actors import require_staff
from bot.services.errors import ServiceError
from bot.services.parsing import parse_number

__plugin_meta__ = PluginMetadata(
    name="活动管理",
    description="Staff create, list and close activities and read attendance",
    usage="新建活动｜活动列表｜考勤 <编号>｜结束活动 <编号>",
)

CANCEL_WORDS = {"取消", "退出"}
CONFIRM_WORDS = {"确认", "确定", "是"}

create_flow = on_message(rule=command("新建活动"), priority=10, block=True)
list_matcher = on_message(rule=command("活动列表", "活动"), priority=10, block=True)
sheet_matcher = on_message(rule=command("考勤"), priority=10, block=True)
close_matcher = on_message(rule=command("结束活动"), priority=10, block=True)


def _prompt(step: int, state: T_State) -> str:
    return render(STEPS[step].prompt, types=ACTIVITY_TYPES, step=step + 1, total=len(STEPS))


@create_flow.handle()
async def start(sender: CurrentSender, state: T_State) -> None:
    try:
        actor = await require_staff(sender)
    except ServiceError as refusal:
        await create_flow.finish(plain(refusal.render()))
    state["actor"] = actor.label
    state["draft"] = activities.ActivityDraft()
    state["step"] = 0
    await create_flow.pause(plain(render("activity/form_intro.j2") + "\n" + _prompt(0, state)))


@create_flow.handle()
async def fill(event: Event, state: T_State) -> None:
    text = event.get_plaintext().strip()
    if text in CANCEL_WORDS:
        await create_flow.finish(plain(render("activity/form_cancelled.j2")))
    step: int = state["step"]
    draft: activities.ActivityDraft = state["draft"]
    if step < len(STEPS):
        try:
            await STEPS[step].apply(draft, text)
        except ServiceError as refusal:
            await create_flow.reject(plain(refusal.render() + "\n" + _prompt(step, state)))
        state["step"] = step = step + 1
        if step < len(STEPS):
            await create_flow.reject(plain(_prompt(step, state)))
        count = len(await activities.expected_member_ids(draft))
        await create_flow.reject(
            plain(
                render(
                    "activity/form_preview.j2",
                    draft=draft,
                    count=count,
                    audience=activities.audience_text(draft, count),
                )
            )
        )
    if text not in CONFIRM_WORDS:
        await create_flow.reject(plain(render("activity/form_confirm_again.j2")))
    try:
        activity, count = await activities.create(draft, state["actor"])
    except ServiceError as refusal:
        await create_flow.finish(plain(refusal.render()))
    await create_flow.finish(plain(render("activity/created.j2", activity=activity, count=count)))


@list_matcher.handle()
@answer
async def list_activities() -> str:
    return render("activity/list.j2", activities=await activities.list_current())


@sheet_matcher.handle()
@answer
async def attendance(sender: CurrentSender, args: Args) -> str:
    await require_staff(sender, private_only=True)
    sheet = await activities.attendance_sheet(parse_number(args, what="活动编号"))
    return render("activity/sheet.j2", sheet=sheet)


@close_matcher.handle()
@answer
async def close(sender: CurrentSender, args: Args) -> str:
    actor = await require_staff(sender)
    sheet = await activities.close(parse_number(args, what="活动编号"), actor.label)
    return render("activity/closed.j2", sheet=sheet, private=sender.is_private)

from nonebot.plugin import PluginMetadata, on_message

from bot.chat import Args, CurrentSender, answer, command
from bot.render import render
from bot.services import leave
from bot.services.actors import require_staff
from bot.services.errors import ServiceError

__plugin_meta__ = PluginMetadata(
    name="请假",
    description="Ask for leave from an activity; staff approve or refuse",
    usage="请假 <活动编号> <事由>｜待审批｜批准 <编号>｜驳回 <编号> <原因>",
)

request_matcher = on_message(rule=command("请假"), priority=10, block=True)
pending_matcher = on_message(rule=command("待审批"), priority=10, block=True)
approve_matcher = on_message(rule=command("批准"), priority=10, block=True)
refuse_matcher = on_message(rule=command("驳回"), priority=10, block=True)


@request_matcher.handle()
@answer
async def ask(sender: CurrentSender, args: Args) -> str:
    activity_ref, _, reason = args.partition(" ")
    if not activity_ref:
        raise ServiceError("leave/usage.j2")
    request = await leave.request(sender, activity_ref, reason)
    return render("leave/requested.j2", leave=request, private=sender.is_private)


@pending_matcher.handle()
@answer
async def pending(sender: CurrentSender) -> str:
    await require_staff(sender, private_only=True)
    return render("leave/pending_list.j2", requests=await leave.pending_for_staff())


@approve_matcher.handle()
@answer
async def approve(sender: CurrentSender, args: Args) -> str:
    actor = await require_staff(sender)
    decided = await leave.decide(actor, args.split(" ")[0], approve=True)
    return render("leave/decided.j2", leave=decided)


@refuse_matcher.handle()
@answer
async def refuse(sender: CurrentSender, args: Args) -> str:
    actor = await require_staff(sender)
    number, _, reason = args.partition(" ")
    if not number:
        raise ServiceError("leave/refuse_usage.j2")
    decided = await leave.decide(actor, number, approve=False, reason=reason)
    return render("leave/decided.j2", leave=decided)

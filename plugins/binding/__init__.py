from nonebot.plugin import PluginMetadata, on_message

from bot.chat import Args, CurrentSender, answer, command
from bot.render import render
from bot.services import audit, binding
from bot.services.actors import find_member, require_staff

__plugin_meta__ = PluginMetadata(
    name="绑定",
    description="Bind a chat account with a one-time code; staff issue codes and unbind",
    usage="绑定 <绑定码>｜绑定码 <成员>｜解绑 <成员>",
)

bind_matcher = on_message(rule=command("绑定"), priority=10, block=True)
issue_matcher = on_message(rule=command("绑定码"), priority=10, block=True)
unbind_matcher = on_message(rule=command("解绑"), priority=10, block=True)


@bind_matcher.handle()
@answer
async def bind(sender: CurrentSender, args: Args) -> str:
    member = await binding.bind(sender, args)
    return render("binding/bound.j2", member=member)


@issue_matcher.handle()
@answer
async def issue(sender: CurrentSender, args: Args) -> str:
    actor = await require_staff(sender, private_only=True)
    issued = await binding.issue_code(await find_member(args), actor.label)
    await audit.record(actor.label, "binding_code", issued.member)
    return render("binding/code_issued.j2", issued=issued)


@unbind_matcher.handle()
@answer
async def unbind(sender: CurrentSender, args: Args) -> str:
    actor = await require_staff(sender, private_only=True)
    member = await find_member(args)
    removed = await binding.unbind(member, actor.label)
    await audit.record(actor.label, "unbind", member)
    return render("binding/unbound.j2", member=member, removed=removed)

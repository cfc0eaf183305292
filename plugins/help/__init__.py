from nonebot.plugin import PluginMetadata, on_message

from bot.chat import CurrentSender, answer, command
from bot.render import render
from bot.services.actors import resolve

__plugin_meta__ = PluginMetadata(
    name="帮助",
    description="Lists the commands a member (and, for staff, the staff commands) can use",
    usage="帮助",
)

help_matcher = on_message(rule=command("帮助", "菜单", "help"), priority=10, block=True)


@help_matcher.handle()
@answer
async def show_help(sender: CurrentSender) -> str:
    actor = await resolve(sender)
    return render("help/help.j2", actor=actor, private=sender.is_private)

from nonebot.adapters import Event
from nonebot.plugin import PluginMetadata, on_message
from nonebot.rule import Rule

from bot.chat import CurrentSender, answer
from bot.render import render

__plugin_meta__ = PluginMetadata(
    name="未识别",
    description="In a private chat, a message no command understood gets a pointer to 帮助",
    usage="",
)


async def _private_message(event: Event) -> bool:
    return event.get_type() == "message" and not getattr(event, "group_id", None)


fallback = on_message(rule=Rule(_private_message), priority=99, block=True)


@fallback.handle()
@answer
async def unknown(sender: CurrentSender) -> str | None:
    if not sender.is_private:
        return None
    return render("common/unknown_command.j2")

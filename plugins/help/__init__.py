from nonebot.plugin import PluginMetadata

from bot.chat import Request, router
from bot.render import render
from bot.services.actors import resolve

__plugin_meta__ = PluginMetadata(
    name="帮助",
    description="Lists the commands a member (and, for staff, the staff commands) can use",
    usage="帮助",
)


@router.command("帮助", "菜单", "help")
async def show_help(req: Request) -> str:
    actor = await resolve(req.sender)
    return render("help/help.j2", actor=actor, private=req.sender.is_private)

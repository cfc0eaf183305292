from bot.chat import Request, router
from bot.hints import suggest
from bot.render import render
from bot.services.actors import resolve


@router.command(
    "帮助",
    "菜单",
    "help",
    usage="帮助",
    summary="查看您可以使用的指令",
    doc="the commands this person may use (staff see theirs too)",
)
@router.hint("怎么用", "如何使用", "使用说明", "指令", "命令", "功能", "能做什么", "会什么", "不会用")
async def show_help(req: Request) -> str:
    actor = await resolve(req.sender)
    commands = router.listed(staff=actor.is_staff)
    return render("help/help.j2", actor=actor, commands=commands, private=req.sender.is_private)


@router.fallback
async def point_to_a_command(req: Request) -> str:
    """A private message that names no command: point a natural question at the right one."""
    actor = await resolve(req.sender)
    commands = suggest(req.text, router.hints(), staff=actor.is_staff)
    if not commands:
        return render("common/unknown_command.j2")
    return render("common/hint.j2", commands=commands)


__plugin_meta__ = router.metadata(
    __name__,
    name="帮助",
    description="Lists the commands a member (and, for staff, the staff commands) can use",
)

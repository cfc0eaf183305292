from nonebot.plugin import PluginMetadata, on_message

from bot.chat import CurrentSender, answer, command
from bot.render import render
from bot.services import assessment, progress
from bot.services.actors import require_member
from bot.services.errors import ServiceError

__plugin_meta__ = PluginMetadata(
    name="我的履职",
    description="This year's attendance, reports, 五个一 and 四访四问 with what is still missing",
    usage="我的履职 (私聊)",
)

progress_matcher = on_message(rule=command("我的履职", "履职"), priority=10, block=True)


@progress_matcher.handle()
@answer
async def my_progress(sender: CurrentSender) -> str:
    member = await require_member(sender)
    if not sender.is_private:
        raise ServiceError("common/private_only.j2")
    p = await progress.for_member(member)
    standing, total = await assessment.standing_of(member.id, p.year)
    return render("progress/mine.j2", p=p, standing=standing, total=total)

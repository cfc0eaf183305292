from pathlib import Path

from nonebot.adapters import Bot
from nonebot.plugin import on_message

from bot.adapters.files import send_private_file
from bot.chat import Args, CurrentSender, answer, command
from bot.render import render
from bot.services import archive
from bot.services.actors import require_staff
from models.assessment import CONSEQUENCE_LABELS

ranking_matcher = on_message(rule=command("排名"), priority=10, block=True)
unfinished_matcher = on_message(rule=command("未完成"), priority=10, block=True)
member_matcher = on_message(rule=command("档案"), priority=10, block=True)
export_matcher = on_message(rule=command("导出档案"), priority=10, block=True)


@ranking_matcher.handle()
@answer
async def show_ranking(sender: CurrentSender, args: Args) -> str:
    actor = await require_staff(sender, private_only=True)
    return render("archive/ranking.j2", r=await archive.ranking(actor, args))


@unfinished_matcher.handle()
@answer
async def show_unfinished(sender: CurrentSender, args: Args) -> str:
    actor = await require_staff(sender, private_only=True)
    year, missing, total = await archive.unfinished(actor, args)
    return render("archive/unfinished.j2", year=year, missing=missing, total=total)


@member_matcher.handle()
@answer
async def show_member(sender: CurrentSender, args: Args) -> str:
    actor = await require_staff(sender, private_only=True)
    member, standing, total, year = await archive.member_view(actor, args)
    return render(
        "archive/member.j2",
        member=member,
        standing=standing,
        total=total,
        year=year,
        labels=CONSEQUENCE_LABELS,
    )


@export_matcher.handle()
@answer
async def export_archive(bot: Bot, sender: CurrentSender, args: Args) -> str:
    actor = await require_staff(sender, private_only=True)
    year, path = await archive.export_year(actor, args)
    if await send_private_file(bot, sender, Path(path)):
        return render("archive/exported.j2", year=year)
    return render("archive/export_saved.j2", year=year, path=path)

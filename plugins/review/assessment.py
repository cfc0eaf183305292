from pathlib import Path

from bot.adapters.files import send_private_file
from bot.chat import Request, router
from bot.render import render
from bot.services import archive
from bot.services.actors import require_staff
from models.assessment import CONSEQUENCE_LABELS


@router.command("排名")
@router.hint("排行", "名次", "考核", "谁第一", staff=True)
async def show_ranking(req: Request) -> str:
    actor = await require_staff(req.sender, private_only=True)
    return render("archive/ranking.j2", r=await archive.ranking(actor, req.args))


@router.command("未完成")
@router.hint("没完成", "五个一", "任务完成", staff=True)
async def show_unfinished(req: Request) -> str:
    actor = await require_staff(req.sender, private_only=True)
    year, missing, total = await archive.unfinished(actor, req.args)
    return render("archive/unfinished.j2", year=year, missing=missing, total=total)


@router.command("档案")
@router.hint("履职档案", "实绩档案", "查委员", staff=True)
async def show_member(req: Request) -> str:
    actor = await require_staff(req.sender, private_only=True)
    member, standing, total, year = await archive.member_view(actor, req.args)
    return render(
        "archive/member.j2",
        member=member,
        standing=standing,
        total=total,
        year=year,
        labels=CONSEQUENCE_LABELS,
    )


@router.command("导出档案")
@router.hint("导出", "表格", "excel", "下载", staff=True)
async def export_archive(req: Request) -> str:
    actor = await require_staff(req.sender, private_only=True)
    year, path = await archive.export_year(actor, req.args)
    if await send_private_file(req.bot, req.sender, Path(path)):
        return render("archive/exported.j2", year=year)
    return render("archive/export_saved.j2", year=year, path=path)

from pathlib import Path

from bot.adapters.files import send_private_file
from bot.chat import Request, Where, router
from bot.render import render
from bot.services import archive
from bot.services.actors import require_staff
from models.assessment import CONSEQUENCE_LABELS


@router.command(
    "排名",
    usage="排名 [N｜专委会 名称｜界别 名称]",
    summary="考核排名",
    doc="ranking, overall or within a 专委会 / 界别",
    staff=True,
    where=Where.PRIVATE,
)
@router.hint("排行", "名次", "考核", "谁第一", staff=True)
async def show_ranking(req: Request) -> str:
    actor = await require_staff(req.sender, private_only=True)
    return render("archive/ranking.j2", r=await archive.ranking(actor, req.args))


@router.command(
    "未完成",
    usage="未完成 [专委会 名称｜界别 名称]",
    summary="五个一尚未完成的委员（可按专委会、界别）",
    doc="members with 五个一 missing, everyone or within a 专委会 / 界别",
    staff=True,
    where=Where.PRIVATE,
)
@router.hint("没完成", "五个一", "任务完成", staff=True)
async def show_unfinished(req: Request) -> str:
    actor = await require_staff(req.sender, private_only=True)
    year, missing, total, group = await archive.unfinished(actor, req.args)
    return render("archive/unfinished.j2", year=year, missing=missing, total=total, group=group)


@router.command(
    "档案",
    usage="档案 <委员>",
    summary="查看委员的实绩档案",
    doc="one member's archive",
    staff=True,
    where=Where.PRIVATE,
)
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


@router.command(
    "导出档案",
    usage="导出档案 [年份] [分专委会]",
    summary="导出年度档案（.xlsx，私聊发送；加「分专委会」每个专委会一页）",
    doc="the year's archive as .xlsx, sent in the private chat (`分专委会`: a sheet per 专委会 too)",
    staff=True,
    where=Where.PRIVATE,
)
@router.hint("导出", "表格", "excel", "下载", staff=True)
async def export_archive(req: Request) -> str:
    actor = await require_staff(req.sender, private_only=True)
    year, path = await archive.export_year(actor, req.args)
    if await send_private_file(req.bot, req.sender, Path(path)):
        return render("archive/exported.j2", year=year)
    return render("archive/export_saved.j2", year=year, path=path)

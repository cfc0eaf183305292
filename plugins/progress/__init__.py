from bot.chat import Request, Where, router
from bot.render import render
from bot.services import assessment, membership, progress
from bot.services.actors import require_member
from bot.services.errors import ServiceError


@router.command(
    "我的履职",
    "履职",
    usage="我的履职",
    summary="查看本年度履职情况",
    doc=(
        "this year's attendance by type, 五个一 and 四访四问 with the records behind each and what is "
        "missing, days left; score, rank and the items that earned it"
    ),
    where=Where.PRIVATE,
)
@router.hint("我的", "积分", "得分", "分数", "进度", "完成情况", "五个一", "四访四问", "排名多少", "还差")
async def my_progress(req: Request) -> str:
    member = await require_member(req.sender)
    if not req.sender.is_private:
        raise ServiceError("common/private_only.j2")
    membership.require_counted(member, own=True)
    p = await progress.for_member(member)
    standing, total = await assessment.own_standing(member.id, p.year)
    return render("progress/mine.j2", p=p, standing=standing, total=total)


__plugin_meta__ = router.metadata(
    __name__,
    name="我的履职",
    description="This year's attendance, reports, 五个一 and 四访四问 with what is still missing",
)

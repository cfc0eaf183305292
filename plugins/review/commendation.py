from bot.chat import Request, Where, router
from bot.render import render
from bot.services import audit, commendation
from bot.services.actors import require_staff
from bot.services.archive import only_year
from models.commendation import COMMENDATION_STATUS_LABELS


@router.command(
    "表彰候选",
    usage="表彰候选 [年份]",
    summary="符合表彰标准的委员（出席率、社情民意采用、提案办理满意）",
    doc="members meeting the policy's commendation criteria, with the reasons",
    staff=True,
    where=Where.PRIVATE,
)
@router.hint("表彰名单", "评优", "优秀委员", "表彰", staff=True)
async def show_candidates(req: Request) -> str:
    actor = await require_staff(req.sender, private_only=True)
    year = only_year(req.args, "表彰候选")
    found = await commendation.candidates(year)
    await audit.record(actor.label, "commendation_view", f"year:{year}")
    return render("commendation/candidates.j2", year=year, found=found, labels=COMMENDATION_STATUS_LABELS)


@router.command(
    "提名表彰",
    usage="提名表彰 [年份] <张三、李四｜全部候选> [事由]",
    summary="提名表彰（事由默认取符合的标准）",
    doc="nominate members for commendation (the reasons: the criteria they meet, or as typed)",
    staff=True,
    where=Where.PRIVATE,
)
@router.hint("提名", "推荐表彰", "评优提名", staff=True)
async def nominate(req: Request) -> str:
    actor = await require_staff(req.sender, private_only=True)
    return render("commendation/nominated.j2", o=await commendation.nominate(actor, req.args))


@router.command(
    "确认表彰",
    usage="确认表彰 [年份] <张三、李四｜全部>",
    summary="确认已提名的表彰",
    doc="confirm nominated commendations (then export them for 组织部, 统战部 and employers)",
    staff=True,
    where=Where.PRIVATE,
)
@router.hint("表彰确认", "确定表彰", staff=True)
async def confirm(req: Request) -> str:
    actor = await require_staff(req.sender, private_only=True)
    return render("commendation/confirmed.j2", o=await commendation.confirm(actor, req.args))

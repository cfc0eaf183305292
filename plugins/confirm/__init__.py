"""参加: a member confirms attendance; staff read who confirmed, asked for leave or stayed silent."""

from bot.chat import Request, Where, router
from bot.render import render
from bot.services import confirmations


@router.command(
    "参加",
    usage="参加 <活动编号>",
    summary="确认参加活动",
    doc="confirm attendance after a notice (`请假` counts as an answer too)",
)
@router.hint("能参加", "会参加", "准时参加", "出席", "报名", "确认参加")
async def attend(req: Request) -> str:
    activity, fresh = await confirmations.confirm(req.sender, req.word(0))
    template = "notices/confirmed.j2" if fresh else "notices/already_confirmed.j2"
    return render(template, activity=activity)


@router.command(
    "确认名单",
    usage="确认名单 <活动编号>",
    summary="已确认/请假/未回复/已签到名单",
    doc="who confirmed, who asked for leave, who is silent, who checked in",
    staff=True,
    where=Where.PRIVATE,
)
@router.hint("谁确认", "回复情况", "没回复", "未回复", staff=True)
async def confirmation_list(req: Request) -> str:
    sheet = await confirmations.sheet(req.sender, req.word(0))
    return render("notices/confirm_list.j2", sheet=sheet)


__plugin_meta__ = router.metadata(
    __name__, name="确认出席", description="Members confirm attendance; staff see the confirmation list"
)

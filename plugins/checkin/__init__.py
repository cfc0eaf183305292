from bot.chat import Request, router
from bot.render import render
from bot.services import checkin


@router.command(
    "签到",
    usage="签到 [签到码]",
    summary="在签到时间内签到；多个活动时用 签到 #编号",
    doc="check in to the activity whose window is open; `签到 #12 [码]` when several are open",
)
@router.hint("打卡", "报到", "到会", "我到了", "已到", "签个到", "签到码")
async def check_in(req: Request) -> str:
    result = await checkin.check_in(req.sender, req.args)
    return render("checkin/done.j2", result=result, private=req.sender.is_private)


__plugin_meta__ = router.metadata(
    __name__, name="签到", description="Check in to the activity whose window is open"
)

from nonebot.plugin import PluginMetadata

from bot.chat import Request, router
from bot.render import render
from bot.services import checkin

__plugin_meta__ = PluginMetadata(
    name="签到",
    description="Check in to the activity whose window is open",
    usage="签到 [签到码]｜签到 #编号 [签到码]",
)


@router.command("签到")
@router.hint("打卡", "报到", "到会", "我到了", "已到", "签个到", "签到码")
async def check_in(req: Request) -> str:
    result = await checkin.check_in(req.sender, req.args)
    return render("checkin/done.j2", result=result, private=req.sender.is_private)

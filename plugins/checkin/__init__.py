from nonebot.plugin import PluginMetadata, on_message

from bot.chat import Args, CurrentSender, answer, command
from bot.render import render
from bot.services import checkin

__plugin_meta__ = PluginMetadata(
    name="签到",
    description="Check in to the activity whose window is open",
    usage="签到 [签到码]｜签到 #编号 [签到码]",
)

checkin_matcher = on_message(rule=command("签到"), priority=10, block=True)


@checkin_matcher.handle()
@answer
async def check_in(sender: CurrentSender, args: Args) -> str:
    result = await checkin.check_in(sender, args)
    return render("checkin/done.j2", result=result, private=sender.is_private)

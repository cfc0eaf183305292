"""参加: a member confirms attendance; staff read who confirmed, asked for leave or stayed silent."""

from nonebot.plugin import PluginMetadata, on_message

from bot.chat import Args, CurrentSender, answer, command
from bot.render import render
from bot.services import confirmations

__plugin_meta__ = PluginMetadata(
    name="确认出席",
    description="Members confirm attendance; staff see the confirmation list",
    usage="参加 <活动编号>｜确认名单 <活动编号>",
)

attend_matcher = on_message(rule=command("参加"), priority=10, block=True)
list_matcher = on_message(rule=command("确认名单"), priority=10, block=True)


@attend_matcher.handle()
@answer
async def attend(sender: CurrentSender, args: Args) -> str:
    activity, fresh = await confirmations.confirm(sender, args.split(" ")[0])
    template = "notices/confirmed.j2" if fresh else "notices/already_confirmed.j2"
    return render(template, activity=activity)


@list_matcher.handle()
@answer
async def confirmation_list(sender: CurrentSender, args: Args) -> str:
    sheet = await confirmations.sheet(sender, args.split(" ")[0])
    return render("notices/confirm_list.j2", sheet=sheet)

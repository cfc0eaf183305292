from nonebot.plugin import PluginMetadata, on_message

from bot.chat import Args, CurrentSender, answer, command
from bot.render import render
from bot.services import delivery_report
from bot.services.actors import require_staff

__plugin_meta__ = PluginMetadata(
    name="送达",
    description="Staff: delivery status of a broadcast, and re-sending its failed messages",
    usage="送达 <编号>｜补发 <编号>",
)

status_matcher = on_message(rule=command("送达"), priority=10, block=True)
resend_matcher = on_message(rule=command("补发"), priority=10, block=True)


@status_matcher.handle()
@answer
async def status(sender: CurrentSender, args: Args) -> str:
    await require_staff(sender, private_only=True)
    report = await delivery_report.batch_status(delivery_report.normalise_batch(args))
    return render("delivery/status.j2", s=report)


@resend_matcher.handle()
@answer
async def resend(sender: CurrentSender, args: Args) -> str:
    await require_staff(sender, private_only=True)
    result = await delivery_report.resend_failed(delivery_report.normalise_batch(args))
    return render("delivery/resent.j2", r=result)

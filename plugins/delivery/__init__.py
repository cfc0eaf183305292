from nonebot.plugin import PluginMetadata

from bot.chat import Request, router
from bot.render import render
from bot.services import delivery_report
from bot.services.actors import require_staff

__plugin_meta__ = PluginMetadata(
    name="送达",
    description="Staff: delivery status of a broadcast, and re-sending its failed messages",
    usage="送达 <编号>｜补发 <编号>",
)


@router.command("送达")
@router.hint("送达情况", "收到没", "发到了吗", "谁没收到", staff=True)
async def status(req: Request) -> str:
    await require_staff(req.sender, private_only=True)
    batch = await delivery_report.find_batch(req.args)
    return render("delivery/status.j2", s=await delivery_report.batch_status(batch))


@router.command("补发")
@router.hint("重发", "再发一次", staff=True)
async def resend(req: Request) -> str:
    await require_staff(req.sender, private_only=True)
    batch = await delivery_report.find_batch(req.args)
    return render("delivery/resent.j2", r=await delivery_report.resend_failed(batch))

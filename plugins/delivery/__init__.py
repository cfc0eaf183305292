from bot.chat import Request, Where, router
from bot.render import render
from bot.services import delivery_report
from bot.services.actors import require_staff


@router.command(
    "送达",
    usage="送达 <编号>",
    summary="查看群发送达情况",
    doc=(
        "delivery of broadcast B<编号>: sent (per channel) / pending / failed / unknown / unreachable "
        "and who, the way each rerouted message went and why"
    ),
    staff=True,
    where=Where.PRIVATE,
)
@router.hint("送达情况", "收到没", "发到了吗", "谁没收到", staff=True)
async def status(req: Request) -> str:
    await require_staff(req.sender, private_only=True)
    batch = await delivery_report.find_batch(req.args)
    return render("delivery/status.j2", s=await delivery_report.batch_status(batch))


@router.command(
    "补发",
    usage="补发 <编号>",
    summary="重发群发中失败的消息",
    doc="resend the failed messages of broadcast B<编号>, only those",
    staff=True,
    where=Where.PRIVATE,
)
@router.hint("重发", "再发一次", staff=True)
async def resend(req: Request) -> str:
    await require_staff(req.sender, private_only=True)
    batch = await delivery_report.find_batch(req.args)
    return render("delivery/resent.j2", r=await delivery_report.resend_failed(batch))


__plugin_meta__ = router.metadata(
    __name__,
    name="送达",
    description="Staff: delivery status of a broadcast, and re-sending its failed messages",
)

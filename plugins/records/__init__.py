from nonebot.plugin import PluginMetadata

from bot.chat import Request, router
from bot.render import render
from bot.services import records
from bot.services.actors import require_member
from models import RecordKind

__plugin_meta__ = PluginMetadata(
    name="履职记录",
    description="One-line logging of visits (四访), good deeds, speeches, research reports and opinions",
    usage="走访 <类型> <说明>｜好事 <说明>｜发言 <说明>｜调研报告 <标题>｜建议 <内容>",
)

KINDS = {
    "好事": RecordKind.DEED,
    "发言": RecordKind.SPEECH,
    "调研报告": RecordKind.RESEARCH,
    "建议": RecordKind.OPINION,
}


@router.command("走访")
async def visit(req: Request) -> str:
    record = await records.log_visit(await require_member(req.sender), req.arguments)
    return render("record/logged.j2", record=record)


@router.command(*KINDS)
async def log_record(req: Request) -> str:
    record = await records.log(await require_member(req.sender), KINDS[req.name], req.rest(0))
    return render("record/logged.j2", record=record)

from nonebot.plugin import PluginMetadata, on_message

from bot.chat import Args, CommandName, CurrentSender, answer, command
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

visit_matcher = on_message(rule=command("走访"), priority=10, block=True)
record_matcher = on_message(rule=command(*KINDS), priority=10, block=True)


@visit_matcher.handle()
@answer
async def visit(sender: CurrentSender, args: Args) -> str:
    record = await records.log_visit(await require_member(sender), args)
    return render("record/logged.j2", record=record)


@record_matcher.handle()
@answer
async def log_record(sender: CurrentSender, args: Args, name: CommandName) -> str:
    kind = KINDS[name]
    record = await records.log(await require_member(sender), kind, args)
    return render("record/logged.j2", record=record)

from bot.chat import Request, router
from bot.render import render
from bot.services import records
from bot.services.actors import require_member
from models import RecordKind


@router.command(
    "走访",
    usage="走访 <类型> <说明> [问政、问需、问计、问候]",
    summary="记录四访四问（乡村农户/社区居民/企业职工/项目工地；问政/问需/问计/问候）",
    doc=(
        "log a 四访 visit (乡村农户 / 社区居民 / 企业职工 / 项目工地) and which of "
        "问政 / 问需 / 问计 / 问候 it covered"
    ),
)
@router.hint("四访", "拜访", "访问", "下乡", "入户", "走访记录")
async def visit(req: Request) -> str:
    record = await records.log_visit(await require_member(req.sender), req.arguments)
    return render("record/logged.j2", record=record, pending=await records.awaits_confirmation(record))


async def _log(req: Request, kind: RecordKind) -> str:
    record = await records.log(await require_member(req.sender), kind, req.rest(0))
    return render("record/logged.j2", record=record, pending=await records.awaits_confirmation(record))


@router.command(
    "好事",
    usage="好事 <说明>",
    summary="记录为群众办的好事实事",
    doc="log a good deed done for the public",
)
@router.hint("实事", "做好事", "好人好事", "帮扶", "捐赠", "志愿服务", "慰问")
async def deed(req: Request) -> str:
    return await _log(req, RecordKind.DEED)


@router.command(
    "发言",
    usage="发言 <说明>",
    summary="记录会议发言",
    doc="log a speech at a meeting (staff confirm it)",
)
@router.hint("讲话", "大会发言", "会上发言", "交流发言")
async def speech(req: Request) -> str:
    return await _log(req, RecordKind.SPEECH)


@router.command(
    "调研报告",
    usage="调研报告 <标题>",
    summary="记录调研报告",
    doc="log a research report (staff confirm it)",
)
@router.hint("调研", "报告", "调查报告", "考察报告")
async def research(req: Request) -> str:
    return await _log(req, RecordKind.RESEARCH)


@router.command(
    "建议",
    usage="建议 <内容>",
    summary="记录意见建议",
    doc="log an opinion or suggestion",
)
@router.hint("意见", "提意见", "意见建议")
async def opinion(req: Request) -> str:
    return await _log(req, RecordKind.OPINION)


__plugin_meta__ = router.metadata(
    __name__,
    name="履职记录",
    description="One-line logging of visits (四访), good deeds, speeches, research reports and opinions",
)

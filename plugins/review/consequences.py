from nonebot.plugin import on_message

from bot.chat import Args, CurrentSender, answer, command
from bot.render import render
from bot.services import archive, review
from bot.services.actors import require_staff
from bot.services.errors import ServiceError
from models.assessment import CONSEQUENCE_LABELS

pending_matcher = on_message(rule=command("待确认"), priority=10, block=True)
watch_matcher = on_message(rule=command("预警"), priority=10, block=True)
confirm_matcher = on_message(rule=command("确认处理"), priority=10, block=True)
dismiss_matcher = on_message(rule=command("撤销"), priority=10, block=True)


@pending_matcher.handle()
@answer
async def list_pending(sender: CurrentSender) -> str:
    await require_staff(sender, private_only=True)
    return render("review/pending.j2", drafts=await review.pending(), labels=CONSEQUENCE_LABELS)


@watch_matcher.handle()
@answer
async def show_watchlist(sender: CurrentSender, args: Args) -> str:
    actor = await require_staff(sender, private_only=True)
    return render("archive/watchlist.j2", w=await archive.watchlist(actor, args), labels=CONSEQUENCE_LABELS)


@confirm_matcher.handle()
@answer
async def confirm(sender: CurrentSender, args: Args) -> str:
    actor = await require_staff(sender, private_only=True)
    words = args.split()
    if not words:
        raise ServiceError("review/confirm_usage.j2")
    publish = len(words) > 1 and words[1] == "公开"
    group = words[2] if publish and len(words) > 2 else ""
    found = await review.confirm(actor, words[0], publish=publish, group=group)
    return render("review/confirmed.j2", c=found, labels=CONSEQUENCE_LABELS)


@dismiss_matcher.handle()
@answer
async def dismiss(sender: CurrentSender, args: Args) -> str:
    actor = await require_staff(sender, private_only=True)
    number, _, reason = args.partition(" ")
    found = await review.dismiss(actor, number, reason)
    return render("review/dismissed.j2", c=found, labels=CONSEQUENCE_LABELS)

"""Official Account events: follow (welcome, and check-in when the follow came from a venue QR
code), unfollow, scanning a venue QR code, template delivery receipts. Menu clicks arrive as
ordinary command messages and need nothing here."""

from nonebot.plugin import PluginMetadata, on_notice
from nonebot.rule import is_type

from bot.adapters.wechat_oa import FollowEvent, ScanSceneEvent, TemplateReceiptEvent, UnfollowEvent
from bot.chat import CurrentSender, answer
from bot.render import render
from bot.services import followers
from bot.services.actors import Sender
from bot.services.errors import ServiceError

__plugin_meta__ = PluginMetadata(
    name="公众号事件",
    description="WeChat Official Account follow/unfollow, venue QR check-in and template receipts",
    usage="扫描活动现场的签到二维码即可签到",
)

# on_notice, not on_type: NoneBot skips a notice matcher for a message event before running any
# rule, so these cost nothing on the message path (on_type would be checked for every message).
follow_matcher = on_notice(rule=is_type(FollowEvent), priority=5, block=True)
unfollow_matcher = on_notice(rule=is_type(UnfollowEvent), priority=5, block=True)
scan_matcher = on_notice(rule=is_type(ScanSceneEvent), priority=5, block=True)
receipt_matcher = on_notice(rule=is_type(TemplateReceiptEvent), priority=5, block=True)


async def _scene_checkin(sender: Sender, scene: str) -> str | None:
    number = followers.checkin_scene(scene)
    if number is None:
        return None
    try:
        result = await followers.scan_checkin(sender, number)
    except ServiceError as refusal:
        return refusal.render()
    return render("checkin/done.j2", result=result, private=True)


@follow_matcher.handle()
@answer
async def followed(event: FollowEvent, sender: CurrentSender) -> str:
    member = await followers.follow(sender)
    welcome = render("wechat/welcome.j2", member=member)
    checked_in = await _scene_checkin(sender, event.scene) if member else None
    return f"{welcome}\n\n{checked_in}" if checked_in else welcome


@unfollow_matcher.handle()
async def unfollowed(sender: CurrentSender) -> None:
    await followers.unfollow(sender)


@scan_matcher.handle()
@answer
async def scanned(event: ScanSceneEvent, sender: CurrentSender) -> str | None:
    return await _scene_checkin(sender, event.scene)


@receipt_matcher.handle()
async def receipt(event: TemplateReceiptEvent) -> None:
    await followers.template_receipt(event.msg_id, event.status)

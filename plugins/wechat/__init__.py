"""Official Account events: follow (welcome, and check-in when the follow came from a venue QR
code), unfollow, scanning a venue QR code, template delivery receipts. Menu clicks arrive as
ordinary command messages and go through the command router like typed text."""

from nonebot.adapters import Bot
from nonebot.plugin import PluginMetadata, on_notice
from nonebot.rule import is_type

from bot.adapters.wechat_oa import (
    FollowEvent,
    ScanSceneEvent,
    TemplateReceiptEvent,
    UnfollowEvent,
    WechatEvent,
    plain,
    sender_of,
)
from bot.render import render
from bot.sender import Sender
from bot.services import followers
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


def _sender(event: WechatEvent) -> Sender:
    sender = sender_of(event)
    assert sender is not None
    return sender


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
async def followed(bot: Bot, event: FollowEvent) -> None:
    sender = _sender(event)
    member = await followers.follow(sender)
    text = render("wechat/welcome.j2", member=member)
    checked_in = await _scene_checkin(sender, event.scene) if member else None
    await bot.send(event, plain(f"{text}\n\n{checked_in}" if checked_in else text))


@unfollow_matcher.handle()
async def unfollowed(event: UnfollowEvent) -> None:
    await followers.unfollow(_sender(event))


@scan_matcher.handle()
async def scanned(bot: Bot, event: ScanSceneEvent) -> None:
    text = await _scene_checkin(_sender(event), event.scene)
    if text:
        await bot.send(event, plain(text))


@receipt_matcher.handle()
async def receipt(event: TemplateReceiptEvent) -> None:
    await followers.template_receipt(event.msg_id, event.status)

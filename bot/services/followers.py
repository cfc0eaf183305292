"""Official Account followers: follow / unfollow, venue QR check-in scenes, template receipts.

Unfollowing marks the member's WeChat identity inactive (it is kept, with its history); following
again with the same openid (WeChat keeps a follower's openid) makes it active again, so the member
need not bind a second time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from loguru import logger

from bot import clock
from bot.delivery import receipts
from bot.sender import Sender
from bot.services import activities, checkin
from bot.services.actors import forget_account
from bot.services.errors import ServiceError
from bot.services.parsing import read_number
from models import Identity, Member, MemberStatus, WechatTemplateSend
from models.activity import ActivityStatus

CHECKIN_SCENE = "checkin:"
MAX_QR_SECONDS = 30 * 24 * 3600  # WeChat's limit for a temporary QR code
MIN_QR_SECONDS = 60


@dataclass(frozen=True, slots=True)
class CheckinQr:
    """What to ask WeChat for: a temporary QR code with this scene, valid this long."""

    activity_id: int
    scene: str
    expire_seconds: int


async def checkin_qr(activity_id: int, days: int | None = None) -> CheckinQr:
    """The venue QR code of an open activity: `days` long, else until a day after check-in closes."""
    activity = await activities.get(activity_id)
    if activity.status != ActivityStatus.OPEN:
        raise ServiceError("activity/already_closed.j2", activity=activity)
    if days is not None:
        seconds = days * 24 * 3600
    else:
        seconds = int((activity.checkin_closes_at + timedelta(days=1) - clock.now()).total_seconds())
    seconds = max(MIN_QR_SECONDS, min(seconds, MAX_QR_SECONDS))
    return CheckinQr(activity.id, f"{CHECKIN_SCENE}{activity.id}", seconds)


async def follow(sender: Sender) -> Member | None:
    """The member behind a (re)followed account, its identity made active again; None if unbound."""
    identity = (
        await Identity.filter(platform=sender.platform, account_id=sender.account_id)
        .select_related("member")
        .first()
    )
    if identity is None or identity.member.status != MemberStatus.ACTIVE:
        return None
    if not identity.active:
        await Identity.filter(id=identity.id).update(active=True)
        forget_account(sender.platform, sender.account_id)
    return identity.member


async def unfollow(sender: Sender) -> bool:
    """Mark the account's identity inactive (never deleted). Returns whether one was active."""
    changed = await Identity.filter(
        platform=sender.platform, account_id=sender.account_id, active=True
    ).update(active=False)
    forget_account(sender.platform, sender.account_id)
    return bool(changed)


def checkin_scene(scene: str) -> int | None:
    """`checkin:<activity number>` → the number; anything else → None."""
    if not scene.startswith(CHECKIN_SCENE):
        return None
    return read_number(scene[len(CHECKIN_SCENE) :])


async def scan_checkin(sender: Sender, activity_id: int) -> checkin.CheckInResult:
    """Check in by scanning the venue QR code: the scan counts as presenting the check-in code."""
    return await checkin.check_in(sender, f"#{activity_id}", venue_verified=True)


async def template_receipt(msgid: str, status: str) -> bool:
    """Record TEMPLATESENDJOBFINISH. A failed one ("failed:user block", "failed:system failed")
    continues the notice's route to the member's next channel, or fails it with the reason."""
    send = await WechatTemplateSend.filter(msgid=msgid).first()
    if send is None:
        logger.info("wechat: receipt for unknown template msgid {}: {}", msgid, status)
        return False
    await WechatTemplateSend.filter(id=send.id).update(status=status[:64], finished_at=clock.now())
    if send.outbox_id is not None and status != "success":
        await receipts.undelivered(send.outbox_id, "wechat", "template", status)
    return True

"""The venue page's WeChat QR code: scanning it checks a follower in to the activity.

The code comes from WeChat (a temporary parametric QR code, scene `checkin:<number>`, as the CLI's
`wechat qr` makes it) and is kept in memory until shortly before it expires.
"""

from __future__ import annotations

import base64
import io
import time

from loguru import logger

from bot.config import get_settings
from models import Activity

_tickets: dict[int, tuple[float, str]] = {}


def _png_data_uri(content: str) -> str:
    import qrcode
    from qrcode.image.pure import PyPNGImage

    buffer = io.BytesIO()
    qrcode.make(content, image_factory=PyPNGImage, box_size=10, border=2).save(buffer)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


async def wechat_qr(activity: Activity) -> tuple[str, str]:
    """(data URI of the QR code, "") or ("", why there is none)."""
    if not get_settings().enable_wechat:
        return "", "disabled"
    cached = _tickets.get(activity.id)
    if cached and cached[0] > time.monotonic():
        return cached[1], ""
    from bot.adapters.wechat_oa.api import WechatApiError, shared_api
    from bot.services import followers
    from bot.services.errors import ServiceError

    try:
        wanted = await followers.checkin_qr(activity.id)
        ticket = await shared_api().create_qr_scene(wanted.scene, expire_seconds=wanted.expire_seconds)
    except (ServiceError, WechatApiError, OSError) as exc:
        logger.warning("venue QR code for activity {} unavailable: {}", activity.id, exc)
        return "", "failed"
    uri = _png_data_uri(ticket.url)
    lifetime = ticket.expire_seconds or wanted.expire_seconds
    _tickets[activity.id] = (time.monotonic() + max(60, lifetime - 300), uri)
    return uri, ""

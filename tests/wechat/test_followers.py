"""Follower events as services: unfollow keeps the identity, the venue QR counts as the code."""

from __future__ import annotations

import pytest

from bot.app import ConfigurationError, check_settings
from bot.config import SettingsError, load_settings
from bot.sender import Sender
from bot.services import checkin, followers
from bot.services.actors import member_of
from bot.services.errors import ServiceError
from models import Attendance, AttendanceStatus, Identity
from tests import factories
from tests.wechat.wechat_side import AES_KEY

WX = Sender("wechat", "o-follower-1")


async def _bound(name: str = "冯志远"):
    member = await factories.member(name)
    await Identity.create(member=member, platform="wechat", account_id=WX.account_id)
    return member


async def test_unfollow_marks_inactive_and_follow_reactivates(db, clock):
    member = await _bound()
    assert await followers.unfollow(WX)
    assert not await followers.unfollow(WX)  # already inactive
    identity = await Identity.get(platform="wechat", account_id=WX.account_id)
    assert identity.active is False and identity.member_id == member.id
    assert await member_of(WX) is None
    again = await followers.follow(WX)
    assert again is not None and again.id == member.id
    assert (await member_of(WX)).id == member.id


async def test_follow_of_an_unbound_account(db, clock):
    assert await followers.follow(Sender("wechat", "o-stranger")) is None


def test_checkin_scene_parsing():
    assert followers.checkin_scene("checkin:12") == 12
    assert followers.checkin_scene("checkin:x") is None
    assert followers.checkin_scene("promo:12") is None
    assert followers.checkin_scene("") is None


async def test_venue_qr_counts_as_the_code_but_typing_still_needs_it(db, clock):
    member = await _bound()
    activity = await factories.activity(code="4321")
    with pytest.raises(ServiceError) as refusal:
        await checkin.check_in(WX, f"#{activity.id}")
    assert refusal.value.template == "checkin/code_required.j2"
    result = await followers.scan_checkin(WX, activity.id)
    assert result.activity.id == activity.id and result.status == AttendanceStatus.PRESENT
    row = await Attendance.get(activity_id=activity.id, member_id=member.id)
    assert (row.status, row.channel) == (AttendanceStatus.PRESENT, "wechat")
    with pytest.raises(ServiceError) as again:
        await followers.scan_checkin(WX, activity.id)
    assert again.value.template == "checkin/already.j2"


async def test_venue_qr_outside_the_window_is_refused(db, clock):
    await _bound()
    activity = await factories.activity(code="4321")
    clock.advance(hours=5)
    with pytest.raises(ServiceError) as refusal:
        await followers.scan_checkin(WX, activity.id)
    assert refusal.value.template == "checkin/not_in_window.j2"


def _wechat_settings(**overrides):
    base = {
        "enable_onebot": False,
        "enable_wechat": True,
        "wechat_token": "t",
        "wechat_aes_key": AES_KEY,
        "wechat_app_id": "wx1",
        "wechat_app_secret": "s",
    }
    return load_settings(**{**base, **overrides})


def test_settings_checks():
    check_settings(_wechat_settings())
    check_settings(_wechat_settings(wechat_encoding_mode="plain", wechat_aes_key=""))
    with pytest.raises(ConfigurationError, match="WECHAT_TOKEN"):
        check_settings(_wechat_settings(wechat_token=""))
    with pytest.raises(SettingsError, match="WECHAT_AES_KEY"):  # refused as it is read
        _wechat_settings(wechat_aes_key="short")
    with pytest.raises(SettingsError, match="WECHAT_ENCODING_MODE"):
        _wechat_settings(wechat_encoding_mode="secret")
    check_settings(_wechat_settings(wechat_app_secret=""))  # development: passive replies only
    with pytest.raises(ConfigurationError, match="WECHAT_APP_SECRET"):
        check_settings(_wechat_settings(wechat_app_secret="", production=True))

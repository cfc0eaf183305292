"""Console sign-in links and sessions: single use, short-lived, only for staff, dead once revoked."""

from __future__ import annotations

import pytest

from bot.services import console_auth, roster
from bot.services.errors import ServiceError
from models import ConsoleLogin, ConsoleSession, Role
from tests import factories


def _token(url: str) -> str:
    return url.rsplit("/", 1)[1]


async def test_a_link_signs_in_once(db, clock):
    staff = await factories.member("周文清", role=Role.STAFF)
    link = await console_auth.issue_link(staff, "qq")
    assert link.url.startswith("http://") and "/console/login/" in link.url
    stored = await ConsoleLogin.get(member_id=staff.id)
    assert _token(link.url) not in stored.token_hash  # only the hash is kept
    signed = await console_auth.redeem(_token(link.url))
    assert (await console_auth.authenticate(signed.cookie)).member.id == staff.id
    with pytest.raises(ServiceError) as again:
        await console_auth.redeem(_token(link.url))
    assert again.value.template == "console/link_invalid.j2"


async def test_a_link_expires_after_its_minutes(db, clock, settings):
    staff = await factories.member("周文清", role=Role.ADMIN)
    link = await console_auth.issue_link(staff, "cli")
    clock.advance(minutes=settings.console_login_ttl_minutes, seconds=1)
    with pytest.raises(ServiceError):
        await console_auth.redeem(_token(link.url))


async def test_a_new_link_voids_the_previous_one(db, clock):
    staff = await factories.member("周文清", role=Role.STAFF)
    first = await console_auth.issue_link(staff, "qq")
    await console_auth.issue_link(staff, "qq")
    with pytest.raises(ServiceError):
        await console_auth.redeem(_token(first.url))


async def test_members_and_group_chats_get_no_link(db, clock):
    await factories.member("林建国", qq="10002")
    await factories.member("周文清", role=Role.STAFF, qq="20001")
    with pytest.raises(ServiceError) as member:
        await console_auth.request_link(factories.private("10002"))
    assert member.value.template == "common/staff_only.j2"
    with pytest.raises(ServiceError) as group:
        await console_auth.request_link(factories.group("20001"))
    assert group.value.template == "common/private_only.j2"
    assert await ConsoleLogin.all().count() == 0


async def test_idle_sessions_end(db, clock, settings):
    staff = await factories.member("周文清", role=Role.STAFF)
    signed = await console_auth.redeem(_token((await console_auth.issue_link(staff, "qq")).url))
    clock.advance(minutes=settings.console_idle_minutes - 1)
    assert await console_auth.authenticate(signed.cookie) is not None  # use keeps it alive
    clock.advance(minutes=settings.console_idle_minutes - 1)
    assert await console_auth.authenticate(signed.cookie) is not None
    clock.advance(minutes=settings.console_idle_minutes + 1)
    assert await console_auth.authenticate(signed.cookie) is None
    assert (await ConsoleSession.get(id=signed.session.id)).revoked_reason == "expired"


async def test_sessions_end_after_their_lifetime_even_in_use(db, clock, settings):
    staff = await factories.member("周文清", role=Role.STAFF)
    signed = await console_auth.redeem(_token((await console_auth.issue_link(staff, "qq")).url))
    for _ in range(settings.console_session_hours * 3):
        clock.advance(minutes=20)
        await console_auth.authenticate(signed.cookie)
    assert await console_auth.authenticate(signed.cookie) is None


async def test_sign_out_in_chat_ends_every_session(db, clock):
    staff = await factories.member("周文清", role=Role.STAFF, qq="20001")
    cookies = [
        (await console_auth.redeem(_token((await console_auth.issue_link(staff, "qq")).url))).cookie
        for _ in range(2)
    ]
    assert await console_auth.sign_out_everywhere(factories.private("20001")) == 2
    for cookie in cookies:
        assert await console_auth.authenticate(cookie) is None


async def test_roster_import_taking_staff_rights_away_ends_sessions(db, clock):
    rows = [{"姓名": "周文清", "手机": "13800000001", "角色": "工作人员"}]
    assert (await roster.import_rows(rows)).created == 1
    staff = await roster.Member.get(name="周文清")
    signed = await console_auth.redeem(_token((await console_auth.issue_link(staff, "qq")).url))
    pending_link = await console_auth.issue_link(staff, "qq")
    await roster.import_rows([{**rows[0], "角色": "委员"}])
    session = await ConsoleSession.get(id=signed.session.id)
    assert session.revoked_at is not None and session.revoked_reason == "rights_removed"
    assert await console_auth.authenticate(signed.cookie) is None
    with pytest.raises(ServiceError):  # a link issued before the change is void too
        await console_auth.redeem(_token(pending_link.url))


async def test_a_session_is_only_as_good_as_the_role_behind_it(db, clock):
    """Even when the role changes behind the services' back (another process, SQL), the next
    request finds the member no longer staff and ends the session."""
    staff = await factories.member("周文清", role=Role.STAFF)
    signed = await console_auth.redeem(_token((await console_auth.issue_link(staff, "qq")).url))
    await roster.Member.filter(id=staff.id).update(role=Role.MEMBER)
    assert await console_auth.authenticate(signed.cookie) is None


async def test_csrf_token_is_per_session_and_compared_exactly(db, clock):
    staff = await factories.member("周文清", role=Role.STAFF)
    one = await console_auth.redeem(_token((await console_auth.issue_link(staff, "qq")).url))
    two = await console_auth.redeem(_token((await console_auth.issue_link(staff, "qq")).url))
    assert console_auth.csrf_ok(one.session, one.session.csrf_token)
    assert not console_auth.csrf_ok(one.session, two.session.csrf_token)
    assert not console_auth.csrf_ok(one.session, "")
    assert not console_auth.csrf_ok(one.session, None)


async def test_the_web_account_acts_as_the_member(db, clock):
    """Services that take a chat Sender accept the console's: same member, same checks."""
    from bot.services.actors import require_staff

    staff = await factories.member("周文清", role=Role.STAFF)
    member = await factories.member("林建国")
    assert (await require_staff(console_auth.web_sender(staff.id), private_only=True)).member.id == staff.id
    with pytest.raises(ServiceError):
        await require_staff(console_auth.web_sender(member.id))

"""Signing in to the staff web console without passwords, and its server-side sessions.

- `登录` in a private chat (or the CLI, for the first admin) issues a one-time link: a random token,
  single use, valid `CONSOLE_LOGIN_TTL_MINUTES`; only its SHA-256 is stored.
- Redeeming the link creates a session: the cookie carries a random token (hashed in the database)
  and the session has its own CSRF token, sent back with every form.
- A session dies when revoked (退出登录, sign-out in the browser, staff rights removed), after
  `CONSOLE_IDLE_MINUTES` without use, or `CONSOLE_SESSION_HOURS` after sign-in; and it is only as
  good as the roster role behind it, checked on every request.

In the console a member acts as the chat account ("web", <member id>): every service that takes a
`Sender` resolves it to the same member with the same checks as a chat command.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from tortoise.transactions import in_transaction

from bot import clock
from bot.config import get_settings
from bot.services.actors import WEB_PLATFORM, Sender, forget_account, require_staff
from bot.services.errors import ServiceError
from models import ConsoleLogin, ConsoleSession, Member, MemberStatus

TOUCH_EVERY = timedelta(seconds=60)  # last_seen_at is written at most once a minute per session


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class SignInLink:
    member: Member
    url: str
    expires_at: datetime
    minutes: int


@dataclass(frozen=True, slots=True)
class SignedIn:
    """A fresh session: `cookie` goes to the browser, nowhere else."""

    session: ConsoleSession
    cookie: str


def base_url() -> str:
    settings = get_settings()
    if settings.console_base_url:
        return settings.console_base_url.rstrip("/")
    host = "127.0.0.1" if settings.host in ("0.0.0.0", "::") else settings.host
    return f"http://{host}:{settings.port}"


async def issue_link(member: Member, issued_via: str) -> SignInLink:
    """A one-time sign-in link for a staff member; earlier unused links of theirs stop working."""
    if member.status != MemberStatus.ACTIVE or not member.is_staff:
        raise ServiceError("console/not_staff.j2", member=member)
    now = clock.now()
    minutes = get_settings().console_login_ttl_minutes
    token = secrets.token_urlsafe(32)
    async with in_transaction():
        await ConsoleLogin.filter(member_id=member.id, used_at=None, expires_at__gt=now).update(used_at=now)
        await ConsoleLogin.create(
            token_hash=_hash(token),
            member_id=member.id,
            issued_via=issued_via[:16],
            expires_at=now + timedelta(minutes=minutes),
        )
    return SignInLink(
        member, f"{base_url()}/console/login/{token}", now + timedelta(minutes=minutes), minutes
    )


async def request_link(sender: Sender) -> SignInLink:
    """`登录`: staff only, in a private chat (the link is as good as a key)."""
    actor = await require_staff(sender, private_only=True)
    if actor.member is None:  # a superuser account without a roster row cannot own a session
        raise ServiceError("console/not_in_roster.j2")
    return await issue_link(actor.member, sender.platform)


async def redeem(token: str, user_agent: str = "") -> SignedIn:
    """Use a sign-in link once. Refused when unknown, used, expired, or the member is no longer staff."""
    now = clock.now()
    login = await ConsoleLogin.filter(token_hash=_hash(token)).first() if token else None
    if login is None or login.used_at is not None or login.expires_at <= now:
        raise ServiceError("console/link_invalid.j2")
    member = await Member.filter(id=login.member_id).first()  # type: ignore[attr-defined]
    if member is None or member.status != MemberStatus.ACTIVE or not member.is_staff:
        raise ServiceError("console/link_invalid.j2")
    settings = get_settings()
    cookie = secrets.token_urlsafe(32)
    async with in_transaction():
        claimed = await ConsoleLogin.filter(id=login.id, used_at=None).update(used_at=now)
        if not claimed:  # the same link opened twice at once: only one wins
            raise ServiceError("console/link_invalid.j2")
        session = await ConsoleSession.create(
            token_hash=_hash(cookie),
            csrf_token=secrets.token_urlsafe(32),
            member_id=member.id,
            user_agent=user_agent[:200],
            created_at=now,
            last_seen_at=now,
            expires_at=now + timedelta(hours=settings.console_session_hours),
        )
    session.member = member
    return SignedIn(session, cookie)


async def authenticate(cookie: str) -> ConsoleSession | None:
    """The live session behind a cookie (with its member loaded), or None. Touches it when used."""
    if not cookie:
        return None
    session = (
        await ConsoleSession.filter(token_hash=_hash(cookie), revoked_at=None)
        .select_related("member")
        .first()
    )
    if session is None:
        return None
    now = clock.now()
    idle = timedelta(minutes=get_settings().console_idle_minutes)
    member: Member = session.member
    if session.expires_at <= now or now - session.last_seen_at > idle:
        await _revoke(ConsoleSession.filter(id=session.id), "expired")
        return None
    if member.status != MemberStatus.ACTIVE or not member.is_staff:
        await revoke_member(member.id, "rights_removed")
        return None
    if now - session.last_seen_at >= TOUCH_EVERY:
        await ConsoleSession.filter(id=session.id).update(last_seen_at=now)
        session.last_seen_at = now
    return session


def csrf_ok(session: ConsoleSession, submitted: str | None) -> bool:
    return bool(submitted) and hmac.compare_digest(session.csrf_token, submitted or "")


async def _revoke(query, reason: str) -> int:  # type: ignore[no-untyped-def]
    return await query.filter(revoked_at=None).update(revoked_at=clock.now(), revoked_reason=reason[:32])


async def sign_out(session: ConsoleSession) -> None:
    await _revoke(ConsoleSession.filter(id=session.id), "logout")


async def revoke_member(member_id: int, reason: str) -> int:
    """End every session of a member (退出登录, rights removed, deactivated). Returns how many."""
    ended = await _revoke(ConsoleSession.filter(member_id=member_id), reason)
    await ConsoleLogin.filter(member_id=member_id, used_at=None).update(used_at=clock.now())
    forget_account(WEB_PLATFORM, str(member_id))
    return ended


async def sign_out_everywhere(sender: Sender) -> int:
    """`退出登录` in a chat: every console session of the member behind this account ends."""
    actor = await require_staff(sender)
    if actor.member is None:
        raise ServiceError("console/not_in_roster.j2")
    return await revoke_member(actor.member.id, "logout")


def web_sender(member_id: int) -> Sender:
    """The chat-like account a console session acts as (a private chat of the member)."""
    return Sender(WEB_PLATFORM, str(member_id))

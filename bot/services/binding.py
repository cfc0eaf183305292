"""Account binding with one-time codes issued by staff.

A code is random, single use, expires, and only its SHA-256 is stored. An account that sends too
many wrong codes is locked for a while. Codes are accepted in private chats only: a code seen in a
group is void at once, since everybody in that group has now read it.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F
from tortoise.transactions import in_transaction

from bot import clock
from bot.config import get_settings
from bot.sender import Sender
from bot.services.actors import forget_account, member_of
from bot.services.errors import ServiceError
from models import BindingAttempt, BindingCode, BindingLog, Identity, Member

CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read aloud and typed on phones
CODE_LENGTH = 8


def hash_code(code: str) -> str:
    normalised = code.strip().upper().replace(" ", "").replace("-", "")
    return hashlib.sha256(normalised.encode()).hexdigest()


def looks_like_code(text: str) -> bool:
    cleaned = text.strip().upper().replace(" ", "").replace("-", "")
    return len(cleaned) == CODE_LENGTH and all(ch in CODE_ALPHABET for ch in cleaned)


@dataclass(frozen=True, slots=True)
class IssuedCode:
    member: Member
    code: str
    expires_at: datetime


async def issue_code(member: Member, issued_by: str) -> IssuedCode:
    """A fresh code for `member`; any earlier unused code of theirs stops working."""
    now = clock.now()
    code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    expires_at = now + timedelta(minutes=get_settings().binding_code_ttl_minutes)
    async with in_transaction():
        await BindingCode.filter(member=member, used_at=None, invalidated_at=None).update(invalidated_at=now)
        await BindingCode.create(
            member=member, code_hash=hash_code(code), expires_at=expires_at, issued_by=issued_by
        )
        await BindingLog.create(member=member, action="code_issued", actor=issued_by)
    return IssuedCode(member=member, code=code, expires_at=expires_at)


async def void_code_seen_in_group(sender: Sender, text: str) -> bool:
    """A code posted in a group is void. Returns whether a live code was voided."""
    now = clock.now()
    code = await BindingCode.filter(
        code_hash=hash_code(text), used_at=None, invalidated_at=None, expires_at__gt=now
    ).first()
    if code is None:
        return False
    async with in_transaction():
        await BindingCode.filter(id=code.id).update(invalidated_at=now)
        await BindingLog.create(
            member_id=code.member_id,
            action="code_voided",
            platform=sender.platform,
            account_id=sender.account_id,
            actor="group_exposure",
        )
    return True


async def _check_lock(sender: Sender, now: datetime) -> None:
    attempt = await BindingAttempt.filter(platform=sender.platform, account_id=sender.account_id).first()
    if attempt and attempt.locked_until and attempt.locked_until > now:
        minutes = max(1, int((attempt.locked_until - now).total_seconds() // 60) + 1)
        raise ServiceError("binding/locked.j2", minutes=minutes)


async def _record_failure(sender: Sender, now: datetime) -> None:
    settings = get_settings()
    attempt, _ = await BindingAttempt.get_or_create(platform=sender.platform, account_id=sender.account_id)
    if attempt.locked_until and attempt.locked_until <= now:
        await BindingAttempt.filter(id=attempt.id).update(failures=0, locked_until=None)
    await BindingAttempt.filter(id=attempt.id).update(failures=F("failures") + 1)
    await attempt.refresh_from_db()
    left = settings.binding_max_failures - attempt.failures
    if left <= 0:
        attempt.locked_until = now + timedelta(minutes=settings.binding_lock_minutes)
        await attempt.save(update_fields=["locked_until"])
        raise ServiceError("binding/locked.j2", minutes=settings.binding_lock_minutes)
    raise ServiceError("binding/wrong_code.j2", tries_left=left)


async def bind(sender: Sender, code_text: str) -> Member:
    """Bind the sender's account to the member the code was issued for."""
    if not sender.is_private:
        voided = await void_code_seen_in_group(sender, code_text) if code_text.strip() else False
        raise ServiceError("binding/group_refused.j2", voided=voided)
    if not code_text.strip():
        raise ServiceError("binding/usage.j2")
    now = clock.now()
    await _check_lock(sender, now)
    current = await member_of(sender)
    if current is not None:
        raise ServiceError("binding/already_bound.j2", member=current)
    code = await BindingCode.filter(
        code_hash=hash_code(code_text), used_at=None, invalidated_at=None, expires_at__gt=now
    ).first()
    if code is None:
        await _record_failure(sender, now)
    assert code is not None
    member = await Member.get(id=code.member_id)
    existing = await Identity.filter(member=member, platform=sender.platform).first()
    if existing is not None and existing.account_id != sender.account_id:
        raise ServiceError("binding/member_has_other_account.j2", member=member, platform=sender.platform)
    try:
        async with in_transaction():
            claimed = await BindingCode.filter(id=code.id, used_at=None).update(used_at=now)
            if not claimed:
                raise ServiceError("binding/wrong_code.j2", tries_left=None)
            await Identity.filter(platform=sender.platform, account_id=sender.account_id).delete()
            await Identity.create(member=member, platform=sender.platform, account_id=sender.account_id)
            await BindingAttempt.filter(platform=sender.platform, account_id=sender.account_id).delete()
            await BindingLog.create(
                member=member,
                action="bind",
                platform=sender.platform,
                account_id=sender.account_id,
                actor="self",
            )
    except IntegrityError as exc:  # the same account bound concurrently by another request
        raise ServiceError("binding/already_bound.j2", member=member) from exc
    forget_account(sender.platform, sender.account_id)
    return member


async def unbind(member: Member, actor_label: str, platform: str | None = None) -> int:
    """Remove the member's identities (on one platform or all). Returns how many were removed."""
    query = Identity.filter(member=member)
    if platform:
        query = query.filter(platform=platform)
    identities = await query
    async with in_transaction():
        for identity in identities:
            await identity.delete()
            await BindingLog.create(
                member=member,
                action="unbind",
                platform=identity.platform,
                account_id=identity.account_id,
                actor=actor_label,
            )
    for identity in identities:
        forget_account(identity.platform, identity.account_id)
    return len(identities)

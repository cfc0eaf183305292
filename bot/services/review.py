"""Staff review of consequence drafts: list, confirm (then tell the member), dismiss with a reason.

Publication to a group happens only when staff ask for it on confirmation.
"""

from __future__ import annotations

from tortoise.transactions import in_transaction

from bot import clock
from bot.config import get_settings
from bot.delivery import outbox
from bot.delivery.recipients import GroupRecipient, MemberRecipient
from bot.input_text import fold, is_number
from bot.services import audit
from bot.services.actors import Actor
from bot.services.errors import ServiceError
from bot.services.parsing import parse_number
from models import Consequence, ConsequenceStatus
from models.assessment import CONSEQUENCE_LABELS


async def pending(limit: int = 30) -> list[Consequence]:
    return list(
        await Consequence.filter(status=ConsequenceStatus.DRAFT)
        .select_related("member")
        .order_by("created_at", "id")
        .limit(limit)
    )


async def _draft(reference: str) -> Consequence:
    number = parse_number(reference, what="处理编号")
    found = await Consequence.filter(id=number).select_related("member").first()
    if found is None:
        raise ServiceError("review/not_found.j2", number=number)
    if found.status != ConsequenceStatus.DRAFT:
        raise ServiceError("review/already_decided.j2", consequence=found)
    return found


def publish_target(group: str) -> GroupRecipient:
    target = fold(group) or get_settings().rules_publish_group
    if not target:
        raise ServiceError("review/no_publish_group.j2")
    platform, _, group_id = target.rpartition(":")
    if not is_number(group_id):
        raise ServiceError("review/no_publish_group.j2")
    return GroupRecipient(platform=platform or "qq", group_id=group_id)


def _context(found: Consequence) -> dict[str, object]:
    return {
        "number": found.id,
        "year": found.year,
        "rule": found.rule,
        "kind": found.kind.value,
        "consequence_label": CONSEQUENCE_LABELS[found.kind],
        "count": found.count,
        "threshold": found.threshold,
        "member_name": found.member.name,
        "term_start": found.term_start.isoformat() if found.term_start else "",
    }


async def confirm(actor: Actor, reference: str, *, publish: bool = False, group: str = "") -> Consequence:
    """Confirm a draft: the member's notice goes through the outbox; a group only when `publish`."""
    found = await _draft(reference)
    target = publish_target(group) if publish else None
    now = clock.now()
    async with in_transaction():
        changed = await Consequence.filter(id=found.id, status=ConsequenceStatus.DRAFT).update(
            status=ConsequenceStatus.CONFIRMED,
            decided_by=actor.label,
            decided_at=now,
            published=target is not None,
            published_to=f"{target.platform}:{target.group_id}" if target else "",
        )
        if not changed:
            raise ServiceError("review/already_decided.j2", consequence=found)
        await outbox.enqueue(
            key=f"consequence-notice:{found.id}",
            recipient=MemberRecipient(member_id=found.member.id),
            template="rules/notice.j2",
            context=_context(found),
            kind="consequence_notice",
        )
        if target is not None:
            await outbox.enqueue(
                key=f"consequence-publish:{found.id}",
                recipient=target,
                template="rules/publication.j2",
                context=_context(found),
                kind="consequence_publication",
            )
        await audit.record(actor.label, "consequence_confirm", found.member.id)
        if target is not None:
            await audit.record(actor.label, "consequence_publish", found.member.id)
    found.status = ConsequenceStatus.CONFIRMED
    found.published = target is not None
    found.decided_by = actor.label
    found.decided_at = now
    return found


async def dismiss(actor: Actor, reference: str, reason: str) -> Consequence:
    reason = reason.strip()
    if not reason:
        raise ServiceError("review/dismiss_needs_reason.j2")
    found = await _draft(reference)
    now = clock.now()
    async with in_transaction():
        changed = await Consequence.filter(id=found.id, status=ConsequenceStatus.DRAFT).update(
            status=ConsequenceStatus.DISMISSED, decided_by=actor.label, decided_at=now, reason=reason[:200]
        )
        if not changed:
            raise ServiceError("review/already_decided.j2", consequence=found)
        await audit.record(actor.label, "consequence_dismiss", found.member.id)
    found.status = ConsequenceStatus.DISMISSED
    found.reason = reason[:200]
    return found

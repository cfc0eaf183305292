"""Routing: where each claimed row can go, in order, looked up for a whole claim at once.

A member is reached on their bound identities in `settings.delivery_order`, skipping platforms that
have no registered channel and those that already refused this message (its route, see
`bot.delivery.trail`). SMS is a route like the others: while the SMS channel is registered, a member
with a phone number in the roster (checked at import; never taken from chat) is reachable on "sms" at
that number. A member with no route at all is unreachable (reported to staff).
A group or single account has exactly one route.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Container, Sequence
from dataclasses import dataclass

from bot import db
from bot.config import get_settings
from bot.delivery import channels, trail
from bot.delivery.outbox import Outgoing
from bot.delivery.recipients import GroupRecipient, MemberOnChannel, MemberRecipient, Recipient
from bot.delivery.store import Job
from models import Identity, Member

SMS = "sms"  # the platform whose "account" is the member's roster phone


@dataclass(frozen=True, slots=True)
class Route:
    """One way to reach a recipient: a platform, private or group, and the address there."""

    platform: str
    group: bool
    address: str

    @property
    def lane(self) -> str:
        return f"{self.platform}:{'group' if self.group else 'private'}"


async def bound_accounts(member_ids: Sequence[int]) -> dict[int, dict[str, str]]:
    """member id → platform → account: active identities, and "sms" → the roster phone while the
    SMS channel is registered (in chunks: PostgreSQL's parameter limit)."""
    bound: dict[int, dict[str, str]] = defaultdict(dict)
    with_sms = channels.get(SMS) is not None
    for chunk in db.chunks(sorted(set(member_ids))):
        rows = await Identity.filter(member_id__in=chunk, active=True).values_list(
            "member_id", "platform", "account_id"
        )
        for member_id, platform, account_id in rows:
            bound[member_id][platform] = account_id
        if with_sms:
            phones = await Member.filter(id__in=chunk, phone__not_isnull=True).values_list("id", "phone")
            for member_id, phone in phones:
                if phone:
                    bound[member_id][SMS] = phone
    return bound


def _member_routes(accounts: dict[str, str], order: Sequence[str], registered: Container[str]) -> list[Route]:
    return [
        Route(platform, False, accounts[platform])
        for platform in order
        if platform in accounts and platform in registered
    ]


async def unreachable_members(member_ids: Sequence[int]) -> list[int]:
    """The members (in the order given) that no route reaches: what a broadcast to them would
    report as 无法联系, known before anything is queued."""
    bound = await bound_accounts(member_ids)
    order, registered = get_settings().delivery_order, channels.registered()
    return [
        member_id
        for member_id in member_ids
        if not _member_routes(bound.get(member_id, {}), order, registered)
    ]


async def routes_for(jobs: Sequence[Job]) -> dict[int, list[Route]]:
    """Candidate routes per job id, best first (empty list: unreachable)."""
    personal = (MemberRecipient, MemberOnChannel)
    member_ids = {job.recipient.member_id for job in jobs if isinstance(job.recipient, personal)}
    bound = await bound_accounts(list(member_ids)) if member_ids else {}
    order, registered = get_settings().delivery_order, channels.registered()
    result: dict[int, list[Route]] = {}
    for job in jobs:
        recipient = job.recipient
        if isinstance(recipient, MemberRecipient):
            routes = _member_routes(bound.get(recipient.member_id, {}), order, registered)
            refused = trail.refused_platforms(job.route)
            result[job.id] = [route for route in routes if route.platform not in refused]
        elif isinstance(recipient, MemberOnChannel):
            account = bound.get(recipient.member_id, {}).get(recipient.platform)
            ok = account is not None and recipient.platform in registered
            result[job.id] = [Route(recipient.platform, False, account)] if ok and account else []
        elif isinstance(recipient, GroupRecipient):
            ok = recipient.platform in registered
            result[job.id] = [Route(recipient.platform, True, recipient.group_id)] if ok else []
        else:
            ok = recipient.platform in registered
            result[job.id] = [Route(recipient.platform, False, recipient.account_id)] if ok else []
    return result


async def planned_platforms(recipients: Sequence[Recipient]) -> list[str]:
    """Where each recipient's message is planned to go, written on the row so that only a process
    that sends there claims it: a group's or account's platform, a member's first bound platform in
    `DELIVERY_ORDER` ('' for a member bound nowhere: whoever claims it reports them unreachable).
    Checked again when the row is claimed (bindings may change, a channel may be down)."""
    members = [r.member_id for r in recipients if isinstance(r, MemberRecipient)]
    bound = await bound_accounts(members) if members else {}
    order = get_settings().delivery_order
    planned: list[str] = []
    for recipient in recipients:
        if isinstance(recipient, MemberRecipient):
            accounts = bound.get(recipient.member_id, {})
            planned.append(next((p for p in order if p in accounts), ""))
        else:
            planned.append(recipient.platform)
    return planned


def urgent_sms(jobs: Sequence[Job], routes: dict[int, list[Route]]) -> list[Outgoing]:
    """Urgent messages to members who can be reached on a chat channel AND by SMS go by both: the
    chat channel carries the row itself (SMS is taken off its routes) and a second row, pinned to
    SMS, is returned to be queued (key `<row id>:sms`, so a re-claim adds nothing). Only kinds with
    an SMS template get one."""
    templates = get_settings().sms_templates
    extra: list[Outgoing] = []
    for job in jobs:
        candidates = routes.get(job.id, [])
        if not (job.urgent and isinstance(job.recipient, MemberRecipient) and job.kind in templates):
            continue
        sms = [route for route in candidates if route.platform == SMS]
        chat = [route for route in candidates if route.platform != SMS]
        if not (sms and chat):
            continue
        routes[job.id] = chat
        extra.append(
            Outgoing(
                key=f"urgent-sms:{job.id}",
                recipient=MemberOnChannel(job.recipient.member_id, SMS),
                template=job.template,
                context=job.context,
                kind=job.kind,
                batch=job.batch,
                urgent=True,
            )
        )
    return extra


def is_private(job: Job) -> bool:
    return not isinstance(job.recipient, GroupRecipient)

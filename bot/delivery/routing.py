"""Routing: where each claimed row can go, in order, looked up for a whole claim at once.

A member is reached on their bound identities in `settings.delivery_order`, skipping platforms that
have no registered channel and those that already refused this message (its route, see
`bot.delivery.trail`). A member with no bound identity at all is unreachable (reported to staff).
A group or single account has exactly one route.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from bot.config import get_settings
from bot.delivery import channels, trail
from bot.delivery.recipients import GroupRecipient, MemberRecipient
from bot.delivery.store import Job
from models import Identity


@dataclass(frozen=True, slots=True)
class Route:
    """One way to reach a recipient: a platform, private or group, and the address there."""

    platform: str
    group: bool
    address: str

    @property
    def lane(self) -> str:
        return f"{self.platform}:{'group' if self.group else 'private'}"


async def routes_for(jobs: Sequence[Job]) -> dict[int, list[Route]]:
    """Candidate routes per job id, best first (empty list: unreachable)."""
    member_ids = {job.recipient.member_id for job in jobs if isinstance(job.recipient, MemberRecipient)}
    bound: dict[int, dict[str, str]] = defaultdict(dict)
    if member_ids:
        rows = await Identity.filter(member_id__in=list(member_ids), active=True).values_list(
            "member_id", "platform", "account_id"
        )
        for member_id, platform, account_id in rows:
            bound[member_id][platform] = account_id
    order = get_settings().delivery_order
    registered = channels.registered()
    result: dict[int, list[Route]] = {}
    for job in jobs:
        recipient = job.recipient
        if isinstance(recipient, MemberRecipient):
            accounts = bound.get(recipient.member_id, {})
            refused = trail.refused_platforms(job.route)
            result[job.id] = [
                Route(platform, False, accounts[platform])
                for platform in order
                if platform in accounts and platform in registered and platform not in refused
            ]
        elif isinstance(recipient, GroupRecipient):
            ok = recipient.platform in registered
            result[job.id] = [Route(recipient.platform, True, recipient.group_id)] if ok else []
        else:
            ok = recipient.platform in registered
            result[job.id] = [Route(recipient.platform, False, recipient.account_id)] if ok else []
    return result


def is_private(job: Job) -> bool:
    return not isinstance(job.recipient, GroupRecipient)

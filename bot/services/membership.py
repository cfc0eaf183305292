"""Who is a 委员 and who is staff: the one definition every audience, count and list uses.

A 委员 is an active roster row whose 角色 is 委员, alone or besides a staff role (`委员、工作人员`,
`委员、管理员`). Only 委员 are expected at activities, receive members' notices and reminders, appear
in confirmation lists and attendance, meet the committee's rules and are ranked and exported. Staff
(工作人员 / 管理员) receive what is meant for staff: leave requests, lists of the silent, drafted
consequences, delivery reports.

Use the Q expressions inside queries on related models (`Attendance.filter(member_q("member"))`),
the querysets for the people themselves.
"""

from __future__ import annotations

from typing import Any

from tortoise.expressions import Q
from tortoise.queryset import QuerySet

from bot.config import get_settings
from bot.delivery.recipients import AccountRecipient, MemberRecipient, Recipient
from bot.input_text import is_number
from bot.services.errors import ServiceError
from models import Activity, Audience, Member, MemberStatus, Role

STAFF_ROLES = (Role.STAFF, Role.ADMIN)


def _where(prefix: str, /, **conditions: Any) -> Q:
    """Q(**conditions) with each field reached through `prefix` (e.g. "member__status")."""
    prefixed: dict[str, Any] = {f"{prefix}__{name}" if prefix else name: v for name, v in conditions.items()}
    return Q(**prefixed)


def member_q(prefix: str = "") -> Q:
    """Active 委员; `prefix` is the relation that leads to the member (e.g. "member")."""
    return _where(prefix, status=MemberStatus.ACTIVE) & (
        _where(prefix, role=Role.MEMBER) | _where(prefix, also_member=True)
    )


def staff_q(prefix: str = "") -> Q:
    """Active staff and admins (whether or not they are also 委员)."""
    return _where(prefix, status=MemberStatus.ACTIVE, role__in=list(STAFF_ROLES))


def members() -> QuerySet[Member]:
    """Active 委员: expected at activities, sent members' notices, assessed."""
    return Member.filter(member_q())


def staff() -> QuerySet[Member]:
    """Active staff and admins: they receive what is meant for staff."""
    return Member.filter(staff_q())


async def member_ids() -> list[int]:
    return sorted(await members().values_list("id", flat=True))


async def staff_ids() -> list[int]:
    return sorted(await staff().values_list("id", flat=True))


def counts_as_member(member: Member) -> bool:
    """The same rule for a row already loaded."""
    return member.status == MemberStatus.ACTIVE and member.is_member


async def responsible_staff(activity: Activity) -> list[int]:
    """The staff who answer for an activity: its creator while an active staff member; else the staff
    of its 专委会 (roster 专委会 column) when it is a 专委会's activity; else every active staff member.
    Never empty while the roster has active staff, whoever or whatever created the activity."""
    if activity.created_by.startswith("member:"):
        creator = activity.created_by.removeprefix("member:")
        if is_number(creator) and await staff().filter(id=int(creator)).exists():
            return [int(creator)]
    if activity.audience == Audience.COMMITTEE and activity.audience_value:
        found = await staff().filter(committees__name=activity.audience_value).values_list("id", flat=True)
        if found:
            return sorted(set(found))
    return await staff_ids()


def require_counted(member: Member, *, own: bool) -> None:
    """Refuse progress and archive views of someone who is not a 委员 (they have none)."""
    if not counts_as_member(member):
        raise ServiceError("common/not_a_member.j2", person=member.name, own=own)


def _superuser_accounts() -> list[AccountRecipient]:
    """SUPERUSERS written as platform:account (e.g. qq:10001), the last resort of staff notices."""
    found = []
    for entry in get_settings().superusers:
        platform, _, account = str(entry).partition(":")
        if account:
            found.append(AccountRecipient(platform, account))
    return found


async def staff_to_reach(activity: Activity) -> list[tuple[str, Recipient]]:
    """Who is told about an activity's business (a leave request, the list of the silent), each
    with its dedupe-key suffix: the responsible staff (`responsible_staff`); when none of them can
    be reached on any channel, every staff member; when no staff member can be reached at all, also
    the SUPERUSERS accounts. Rows for unreachable staff are queued anyway, so 送达 shows them."""
    # imported here: the channel registry loads NoneBot, which the scheduler's import of the
    # services (and its leader election child) must not pay for or be configured by
    from bot.delivery import routing

    chosen = await responsible_staff(activity)
    unreachable = set(await routing.unreachable_members(chosen))
    if chosen and unreachable >= set(chosen):
        chosen = await staff_ids()
        unreachable = set(await routing.unreachable_members(chosen))
    targets: list[tuple[str, Recipient]] = [(str(staff_id), MemberRecipient(staff_id)) for staff_id in chosen]
    if unreachable >= set(chosen):  # nobody on the roster can be told: the superusers are
        targets += [(f"account:{a.platform}:{a.account_id}", a) for a in _superuser_accounts()]
    return targets

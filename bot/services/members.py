"""The roster as staff browse it: search and filters, one member's page, and role changes.

Only 管理员 change roles (and import the roster); taking staff rights away ends the member's console
sessions at once.
"""

from __future__ import annotations

from dataclasses import dataclass

from tortoise.expressions import Q, Subquery
from tortoise.transactions import in_transaction

from bot.input_text import is_number
from bot.services import audit, console_auth
from bot.services.actors import Actor, forget_all_accounts
from bot.services.errors import ServiceError
from models import BindingLog, Committee, Identity, Member, MemberStatus, Role

PAGE_SIZE = 50
BINDING_STATES = {"": "全部", "bound": "已绑定", "unbound": "未绑定"}


@dataclass(frozen=True, slots=True)
class RosterFilter:
    text: str = ""
    sector: str = ""
    committee: str = ""
    binding: str = ""  # "", "bound", "unbound"
    page: int = 1


@dataclass(frozen=True, slots=True)
class RosterPage:
    members: list[Member]
    platforms: dict[int, list[str]]
    committees: dict[int, list[str]]
    total: int
    page: int
    pages: int


def require_admin(actor: Actor) -> None:
    if actor.member is None or actor.member.role != Role.ADMIN:
        raise ServiceError("console/flash/admin_only.j2")


async def search(flt: RosterFilter) -> RosterPage:
    query = Member.filter(status=MemberStatus.ACTIVE)
    text = flt.text.strip()
    if text:
        number = text.lstrip("#＃")
        condition = Q(name__contains=text) | Q(phone__startswith=text)
        if is_number(number) and len(number) <= 6:
            condition |= Q(id=int(number))
        query = query.filter(condition)
    if flt.sector:
        query = query.filter(sector=flt.sector)
    if flt.committee:
        query = query.filter(committees__name=flt.committee)
    bound = Subquery(Identity.filter(active=True).values("member_id"))
    if flt.binding == "bound":
        query = query.filter(id__in=bound)
    elif flt.binding == "unbound":
        query = query.exclude(id__in=bound)
    total = await query.count()
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(flt.page, 1), pages)
    members = list(await query.order_by("id").offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE))
    ids = [m.id for m in members]
    platforms: dict[int, list[str]] = {i: [] for i in ids}
    committees: dict[int, list[str]] = {i: [] for i in ids}
    if ids:
        for member_id, platform in await Identity.filter(member_id__in=ids, active=True).values_list(
            "member_id", "platform"
        ):
            platforms[member_id].append(platform)
        for member_id, name in await Member.filter(id__in=ids).values_list("id", "committees__name"):
            if name:
                committees[member_id].append(name)
    return RosterPage(members, platforms, committees, total, page, pages)


async def sectors() -> list[str]:
    found = await Member.filter(status=MemberStatus.ACTIVE).distinct().values_list("sector", flat=True)
    return sorted(s for s in found if s)


async def committee_names() -> list[str]:
    return list(await Committee.all().order_by("name").values_list("name", flat=True))


@dataclass(frozen=True, slots=True)
class Profile:
    member: Member
    committees: list[str]
    identities: list[Identity]
    history: list[BindingLog]


async def profile(member_id: int) -> Profile:
    member = await Member.filter(id=member_id).first()
    if member is None:
        raise ServiceError("common/member_not_found.j2", query=f"#{member_id}")
    committees = sorted(c.name for c in await member.committees.all())
    identities = list(await Identity.filter(member_id=member_id).order_by("platform"))
    history = list(await BindingLog.filter(member_id=member_id).order_by("-at", "-id").limit(20))
    return Profile(member, committees, identities, history)


async def set_role(actor: Actor, member_id: int, role: Role) -> Member:
    """管理员 only. Taking staff rights away ends the member's console sessions at once."""
    require_admin(actor)
    member = (await profile(member_id)).member
    if actor.member is not None and actor.member.id == member.id and role != Role.ADMIN:
        raise ServiceError("console/cannot_demote_self.j2")
    if member.role == role:
        return member
    from bot.services import roster

    was_member = member.is_member
    async with in_transaction():
        await Member.filter(id=member.id).update(role=role)
        if was_member and role != Role.MEMBER and not member.also_member:
            await roster.no_longer_expected(member.id)  # as a roster import does
        await audit.record(actor.label, "role_change", member)
    forget_all_accounts()
    if role == Role.MEMBER:
        await console_auth.revoke_member(member.id, "rights_removed")
    member.role = role
    return member

"""Who is speaking: a chat account resolved to a roster member, and what they may do."""

from __future__ import annotations

from dataclasses import dataclass

from bot import db
from bot.config import get_settings
from bot.input_text import fold, is_number
from bot.sender import Sender
from bot.services.cache import TTLCache, missing
from bot.services.errors import ServiceError
from bot.services.parsing import fits, parse_number
from models import Member, MemberStatus

PLATFORM_LABELS = {"qq": "QQ", "wechat": "微信", "wecom": "企业微信", "console": "控制台", "web": "网页后台"}
# The staff web console acts as this platform, the account being the member's roster id: a signed-in
# session is a private chat of that member, so every service applies its usual checks.
WEB_PLATFORM = "web"


@dataclass(frozen=True, slots=True)
class Actor:
    """A resolved sender: the member behind it (if bound) and their rights."""

    sender: Sender
    member: Member | None
    is_superuser: bool = False

    @property
    def is_staff(self) -> bool:
        return self.is_superuser or (self.member is not None and self.member.is_staff)

    @property
    def label(self) -> str:
        """How the audit trail names this actor."""
        if self.member is not None:
            return f"member:{self.member.id}"
        return f"{self.sender.platform}:{self.sender.account_id}"


def is_superuser(sender: Sender) -> bool:
    names = get_settings().superusers
    return sender.account_id in names or f"{sender.platform}:{sender.account_id}" in names


# Who an account belongs to is read on every command, so a found member is cached for seconds
# (binding changes in this process forget the entry at once). A cache may make an answer slower,
# never wrong: "not bound" and "staff only" are confirmed against the database before they are
# said, so an account bound or promoted by another process (a second bot, the CLI) is recognised
# at once.
_members_by_account: TTLCache[Member] = TTLCache(seconds=30)


def forget_account(platform: str, account_id: str) -> None:
    _members_by_account.forget((platform, account_id))


def forget_all_accounts() -> None:
    _members_by_account.clear()


_WEB_MEMBER_SQL = "SELECT m.* FROM member m WHERE m.id = {0} AND m.status = {1} LIMIT 1"
_MEMBER_OF_SQL = (
    "SELECT m.* FROM identity i JOIN member m ON m.id = i.member_id "
    "WHERE i.platform = {0} AND i.account_id = {1} AND i.active = {2} AND m.status = {3} LIMIT 1"
)


async def member_of(sender: Sender, *, fresh: bool = False) -> Member | None:
    """The active member behind a chat account, or None (always read from the database).

    A found member is cached briefly (`fresh=True` skips the cache) and queried with one
    hand-written join: the ORM's query building costs more than the query itself."""
    key = (sender.platform, sender.account_id)
    if not fresh:
        cached = _members_by_account.get(key)
        if not missing(cached):
            return cached  # type: ignore[return-value]
    if sender.platform == WEB_PLATFORM:
        if not is_number(sender.account_id):
            return None
        _, rows = await db.execute(_WEB_MEMBER_SQL, [int(sender.account_id), MemberStatus.ACTIVE.value])
    else:
        params = [sender.platform, sender.account_id, True, MemberStatus.ACTIVE.value]
        _, rows = await db.execute(_MEMBER_OF_SQL, params)
    if not rows:
        _members_by_account.forget(key)
        return None
    member = Member._init_from_db(**dict(rows[0]))
    _members_by_account.put(key, member)
    return member


async def resolve(sender: Sender) -> Actor:
    """Who is speaking and with which rights, read from the database (rights are never cached)."""
    member = await member_of(sender, fresh=True)
    return Actor(sender=sender, member=member, is_superuser=is_superuser(sender))


async def require_member(sender: Sender) -> Member:
    member = await member_of(sender)
    if member is None:
        raise ServiceError("common/not_bound.j2")
    return member


async def require_staff(sender: Sender, *, private_only: bool = False) -> Actor:
    """Rights are always read from the database: a role changed by a roster import counts at once."""
    actor = await resolve(sender)
    if not actor.is_staff:
        raise ServiceError("common/staff_only.j2")
    if private_only and not sender.is_private:
        raise ServiceError("common/private_only.j2")
    return actor


async def find_member(query: str) -> Member:
    """Find one active member by roster number (#12), phone or exact name."""
    query = fold(query)
    if not query.lstrip("#"):
        raise ServiceError("common/member_query_empty.j2")
    if query.startswith("#"):  # a roster number, and nothing else
        number = parse_number(query, what="名册编号")
        found = await Member.filter(id=number).first()
        if found is None:
            raise ServiceError("common/member_not_found.j2", query=query)
        return found
    if is_number(query) and len(query) <= 6:
        found = await Member.filter(id=int(query)).first()
        if found is not None:
            return found
    if is_number(query) and fits(Member, "phone", query):
        found = await Member.filter(phone=query).first()
        if found is not None:
            return found
    if not fits(Member, "name", query):
        raise ServiceError("common/member_not_found.j2", query=query)
    matches = await Member.filter(name=query, status=MemberStatus.ACTIVE).limit(5)
    if not matches:
        raise ServiceError("common/member_not_found.j2", query=query)
    if len(matches) > 1:
        raise ServiceError("common/member_ambiguous.j2", query=query, matches=matches)
    return matches[0]


async def find_members(queries: list[str]) -> list[int]:
    """Several members by name, phone or roster number, in the order named, each once. Every query
    that finds nobody active is reported at once; a name two members share asks for their numbers."""
    found: list[int] = []
    missing: list[str] = []
    for query in queries:
        try:
            member = await find_member(query)
        except ServiceError as refusal:
            if refusal.template != "common/member_not_found.j2":
                raise
            missing.append(query)
            continue
        if member.status != MemberStatus.ACTIVE:
            missing.append(query)
        elif member.id not in found:
            found.append(member.id)
    if missing:
        raise ServiceError("activity/unknown_names.j2", names=missing)
    return found


async def recorder_name(label: str) -> str:
    """Who an actor label (`member:4`, `self`, `cli`) stands for, as templates/common/recorder.j2
    shows it: a member's name, else the label itself."""
    if label.startswith("member:") and is_number(label.removeprefix("member:")):
        name = await Member.filter(id=int(label.removeprefix("member:"))).values_list("name", flat=True)
        if name:
            return str(name[0])
    return label

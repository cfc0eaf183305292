"""Staff broadcasts: 通知 <对象> <内容> and 发布 <刊物> <标题>.

Nothing is queued until staff confirm the preview. A confirmed broadcast gets a number `B{n}` (the
outbox batch) that staff use with 送达 / 补发. Keys: broadcast:B{n}:{member|group}.

Audiences (对象): 全体 · 专委会 <名称> · 界别 <名称> · 群 <群号> · 名单 张三、李四.
A notice whose last word is 紧急 (通知 全体 会议改到下午三点 紧急) is urgent: sent at once even in quiet
hours, and by SMS as well to members reached on a chat channel (when SMS has a template for notices).
A publication (刊物) goes to every 委员 privately and to every known group.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from tortoise.transactions import in_transaction

from bot import db
from bot.delivery import routing
from bot.delivery.outbox import Outgoing, enqueue_many
from bot.delivery.recipients import GroupRecipient, MemberRecipient, Recipient
from bot.input_text import Arguments, as_arguments, is_blank, is_number, storable
from bot.sender import Sender
from bot.services import membership
from bot.services.actors import find_members, require_staff
from bot.services.delivery_report import NAMES_SHOWN
from bot.services.errors import ServiceError
from bot.services.greetings import known_groups
from bot.services.groups import chat_group, robot_names
from bot.services.parsing import fits
from models import Committee, Member, OutboxMessage

CONTENT_MAX = 2000
TITLE_MAX = 60
BATCH_LOCK_KEY = 727_002
_NAME_SPLIT = re.compile(r"[、,，;；\s]+")
_URGENT = re.compile(r"^(?P<content>.*\S)\s+紧急$", re.S)
_PUBLICATION = re.compile(r"^《(?P<name>[^》]{1,30})》\s*(?P<rest>.*)$", re.S)


@dataclass
class Plan:
    """What staff asked for, kept in the conversation state until 确认 (JSON-friendly)."""

    kind: str  # "notice" or "publication"
    audience: str  # all, committee, sector, group, list, publication
    value: str = ""
    names: list[str] = field(default_factory=list)
    content: str = ""
    publication: str = ""
    title: str = ""
    urgent: bool = False

    def dump(self) -> dict[str, Any]:
        return dict(self.__dict__)

    @classmethod
    def load(cls, data: dict[str, Any]) -> Plan:
        return cls(**data)


@dataclass(frozen=True, slots=True)
class Reach:
    """Who a broadcast would reach, known before it is sent: the same rule the dispatcher applies
    (a bound account on a channel this process sends on), names capped as in the delivery report."""

    reachable: int
    unreachable: int
    unreachable_names: tuple[str, ...]
    groups: int

    @property
    def members(self) -> int:
        return self.reachable + self.unreachable

    @property
    def total(self) -> int:
        """Messages queued on 确认 (the unreachable too: 送达 reports them)."""
        return self.members + self.groups


@dataclass(frozen=True, slots=True)
class Preview:
    plan: Plan
    reach: Reach


def check_content(text: str) -> str:
    text = storable(text)
    if is_blank(text):
        raise ServiceError("broadcast/empty_content.j2")
    if len(text) > CONTENT_MAX:
        raise ServiceError("broadcast/content_too_long.j2", limit=CONTENT_MAX, length=len(text))
    return text


def _urgent(plan: Plan) -> Plan:
    """A trailing 紧急 (after a space) marks the notice urgent and is not part of its content."""
    match = _URGENT.match(plan.content.rstrip())
    if match is not None:
        plan.content, plan.urgent = check_content(match["content"]), True
    return plan


def parse_notice(args: str | Arguments) -> Plan:
    """'全体 明天…' · '专委会 经济委 …' · '界别 教育界 …' · '群 123456 …' · '名单 张三、李四 …'.

    The audience is read from the folded words; the content is kept exactly as typed."""
    arguments = as_arguments(args)
    head = arguments.word(0)
    if head == "全体":
        return _urgent(Plan("notice", "all", content=check_content(arguments.rest(1))))
    if head in ("专委会", "界别", "群", "名单"):
        value, content = arguments.word(1), arguments.rest(2)
        if not value:
            raise ServiceError("broadcast/notice_usage.j2")
        audience = {"专委会": "committee", "界别": "sector", "群": "group", "名单": "list"}[head]
        if audience == "group" and chat_group(value) is None:
            raise ServiceError("broadcast/bad_group.j2", value=value, robots=robot_names())
        names = [name for name in _NAME_SPLIT.split(value) if name] if audience == "list" else []
        return _urgent(Plan("notice", audience, value=value, names=names, content=check_content(content)))
    raise ServiceError("broadcast/notice_usage.j2")


def parse_publication(args: str) -> Plan:
    """'《政协简报》第12期\\n正文…': the first line names the publication and the title; the content is
    the rest of the message (or, when empty, the next message)."""
    first, _, body = args.strip().partition("\n")
    match = _PUBLICATION.match(first.strip())
    if match is None:
        raise ServiceError("broadcast/publish_usage.j2")
    title = match["rest"].strip()
    if not title or len(title) > TITLE_MAX:
        raise ServiceError("broadcast/bad_title.j2", limit=TITLE_MAX)
    plan = Plan("publication", "publication", publication=match["name"].strip(), title=title)
    plan.content = body.strip()
    if plan.content:
        check_content(plan.content)
    return plan


async def _members(plan: Plan) -> list[int]:
    """全体, 专委会, 界别 and publications reach 委员 (bot.services.membership); a 名单 reaches
    exactly the people it names, staff included."""
    active = membership.members()
    if plan.audience in ("all", "publication"):
        query = active
    elif plan.audience == "committee":
        if not fits(Committee, "name", plan.value) or not await Committee.filter(name=plan.value).exists():
            names = await Committee.all().order_by("name").values_list("name", flat=True)
            raise ServiceError("activity/unknown_committee.j2", name=plan.value, names=list(names))
        query = active.filter(committees__name=plan.value)
    elif plan.audience == "sector":
        if not fits(Member, "sector", plan.value) or not await active.filter(sector=plan.value).exists():
            raise ServiceError("activity/unknown_sector.j2", name=plan.value)
        query = active.filter(sector=plan.value)
    elif plan.audience == "list":
        return sorted(await find_members(plan.names))
    else:
        return []
    return sorted(set(await query.values_list("id", flat=True)))


async def _groups(plan: Plan) -> list[GroupRecipient]:
    if plan.audience == "group":
        group = chat_group(plan.value)
        return [group] if group is not None else []
    if plan.audience == "publication":
        return await known_groups()
    return []


async def preview(sender: Sender, plan: Plan) -> Preview:
    """Check rights and the audience; count the recipients. Nothing is written."""
    await require_staff(sender, private_only=True)
    members = await _members(plan)
    groups = await _groups(plan)
    if not members and not groups:
        raise ServiceError("broadcast/nobody.j2")
    return Preview(plan, await reach(members, len(groups)))


async def reach(member_ids: list[int], groups: int = 0) -> Reach:
    """Reachable and unreachable members, the first NAMES_SHOWN unreachable by roster number."""
    unreachable = await routing.unreachable_members(member_ids)
    shown = unreachable[:NAMES_SHOWN]
    names = dict(await Member.filter(id__in=shown).values_list("id", "name")) if shown else {}
    return Reach(
        reachable=len(member_ids) - len(unreachable),
        unreachable=len(unreachable),
        unreachable_names=tuple(names[member_id] for member_id in shown),
        groups=groups,
    )


async def _next_batch() -> str:
    used = await OutboxMessage.filter(batch__startswith="B").distinct().values_list("batch", flat=True)
    numbers = [int(batch[1:]) for batch in used if is_number(batch[1:])]
    return f"B{max(numbers, default=0) + 1}"


def _message(plan: Plan, batch: str) -> tuple[str, dict[str, Any]]:
    if plan.kind == "publication":
        context = {"publication": plan.publication, "title": plan.title, "content": plan.content}
        return "broadcast/publication.j2", {**context, "batch": batch}
    return "broadcast/notice.j2", {"content": plan.content, "batch": batch}


async def send(sender: Sender, plan: Plan) -> tuple[str, int]:
    """Queue the confirmed broadcast. Returns its number and how many messages were queued."""
    await require_staff(sender, private_only=True)
    members = await _members(plan)
    groups = await _groups(plan)
    template, context = _message(plan, "")
    async with in_transaction() as conn:
        if db.is_postgres():  # two staff confirming at once must not share a number
            await conn.execute_query("SELECT pg_advisory_xact_lock($1)", [BATCH_LOCK_KEY])
        batch = await _next_batch()
        context["batch"] = batch
        targets: list[tuple[str, Recipient]] = [(f"member:{mid}", MemberRecipient(mid)) for mid in members]
        targets += [(f"group:{g.platform}:{g.group_id}", g) for g in groups]
        added = await enqueue_many(
            [
                Outgoing(
                    key=f"broadcast:{batch}:{suffix}",
                    recipient=recipient,
                    template=template,
                    context=context,
                    kind=plan.kind,
                    batch=batch,
                    urgent=plan.urgent,
                )
                for suffix, recipient in targets
            ]
        )
    return batch, added

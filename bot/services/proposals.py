"""提案: recorded by staff with number and co-signers; handling progress pushed to every author."""

from __future__ import annotations

import re
from dataclasses import dataclass

from tortoise.transactions import in_transaction

from bot import clock
from bot.delivery import outbox
from bot.delivery.outbox import Outgoing
from bot.delivery.recipients import MemberRecipient
from bot.input_text import Arguments, as_arguments, fold, is_blank
from bot.services import membership
from bot.services.errors import ServiceError
from bot.services.parsing import fits, parse_number
from models import Member, Proposal, ProposalCosigner, ProposalProgress, ProposalStage
from models.proposals import PROPOSAL_STAGE_LABELS

STAGE_WORDS = {
    "交办": ProposalStage.ASSIGNED,
    "已交办": ProposalStage.ASSIGNED,
    "答复": ProposalStage.REPLIED,
    "已答复": ProposalStage.REPLIED,
    "满意": ProposalStage.SATISFIED,
    "不满意": ProposalStage.UNSATISFIED,
}
_SPLIT_NAMES = re.compile(r"[、,，;；\s]+")


@dataclass(frozen=True, slots=True)
class ProposalForm:
    member: str
    number: str
    title: str
    cosigners: list[str]


def split_names(text: str) -> list[str]:
    """'王芳、张三,李四' → ['王芳', '张三', '李四']."""
    return [n for n in _SPLIT_NAMES.split(text.strip()) if n]


def parse_form(text: str | Arguments) -> ProposalForm:
    """`<成员> <编号> <标题> [联名 张三、李四]`: member and number folded, the title as typed."""
    arguments = as_arguments(text)
    if len(arguments.words) < 3:
        raise ServiceError("proposal/usage.j2")
    title, _, cosigned = arguments.rest(2).partition("联名")
    if is_blank(title):
        raise ServiceError("proposal/usage.j2")
    return ProposalForm(
        arguments.word(0), arguments.word(1), title.strip()[:100], split_names(fold(cosigned))
    )


async def _members_by_name(names: list[str]) -> dict[str, int]:
    """Co-signers matched to one 委员 each (a staff member who is not a 委员 is not matched)."""
    rows = await membership.members().filter(name__in=names).values_list("name", "id")
    found: dict[str, list[int]] = {}
    for name, mid in rows:
        found.setdefault(name, []).append(mid)
    return {name: ids[0] for name, ids in found.items() if len(ids) == 1}


async def record(author: Member, number: str, title: str, cosigners: list[str], recorded_by: str) -> Proposal:
    number, title = number.strip()[:32], title.strip()[:100]
    if not number or not title:
        raise ServiceError("proposal/usage.j2")
    membership.require_counted(author, own=False)  # 提案 are by 委员
    year = clock.today().year
    if await Proposal.filter(year=year, number=number).exists():
        raise ServiceError("proposal/duplicate.j2", number=number, year=year)
    names = [n for n in dict.fromkeys(cosigners) if n != author.name]
    matched = await _members_by_name(names)
    async with in_transaction():
        proposal = await Proposal.create(
            member=author,
            title=title,
            number=number,
            cosigners="、".join(names),
            year=year,
            recorded_by=recorded_by,
        )
        await ProposalCosigner.bulk_create(
            [ProposalCosigner(proposal_id=proposal.id, member_id=matched.get(n), name=n) for n in names]
        )
    proposal.member = author
    return proposal


async def find(number: str) -> Proposal:
    text = fold(number)
    if not text:
        raise ServiceError("proposal/progress_usage.j2")
    if not fits(Proposal, "number", text):
        raise ServiceError("proposal/not_found.j2", number=text)
    query = Proposal.filter(number=text)
    if text[:1] == "#":
        query = Proposal.filter(id=parse_number(text, what="提案编号"))
    proposal = await query.order_by("-year", "-id").select_related("member").first()
    if proposal is None:
        raise ServiceError("proposal/not_found.j2", number=text)
    return proposal


async def author_ids(proposal: Proposal) -> list[int]:
    cosigners = await ProposalCosigner.filter(proposal_id=proposal.id, member_id__isnull=False).values_list(
        "member_id", flat=True
    )
    return list(dict.fromkeys([proposal.member_id, *cosigners]))


async def advance(
    number: str, text: str | Arguments, recorded_by: str
) -> tuple[Proposal, ProposalProgress, int]:
    """`交办 <部门>` / `已答复 [说明]` / `满意` / `不满意 [说明]`: record a step, tell every author."""
    proposal = await find(number)
    arguments = as_arguments(text)
    stage = STAGE_WORDS.get(arguments.word(0))
    if stage is None:
        raise ServiceError("proposal/progress_usage.j2")
    rest = arguments.rest(1)
    if stage == ProposalStage.ASSIGNED and not rest:
        raise ServiceError("proposal/needs_department.j2")
    department = rest[:64] if stage == ProposalStage.ASSIGNED else ""
    note = "" if stage == ProposalStage.ASSIGNED else rest[:200]
    authors = await author_ids(proposal)
    async with in_transaction():
        step = await ProposalProgress.create(
            proposal_id=proposal.id,
            stage=stage,
            department=department,
            note=note,
            recorded_by=recorded_by,
            at=clock.now(),
        )
        context = {
            "number": proposal.number,
            "title": proposal.title,
            "stage": stage.value,
            "stage_label": PROPOSAL_STAGE_LABELS[stage],
            "department": department,
            "note": note,
        }
        await outbox.enqueue_many(
            [
                Outgoing(
                    key=f"proposal-progress:{step.id}:{mid}",
                    recipient=MemberRecipient(member_id=mid),
                    template="proposal/progress_notice.j2",
                    context=context,
                    kind="proposal_progress",
                )
                for mid in authors
            ]
        )
    return proposal, step, len(authors)


async def unmatched_cosigners(proposal: Proposal) -> list[str]:
    """Co-signers not matched to one roster member (they get no progress notices)."""
    rows = await ProposalCosigner.filter(proposal_id=proposal.id, member_id__isnull=True).values_list(
        "name", flat=True
    )
    return list(rows)

"""表彰 as the speech describes it: members who attend actively, or whose 社情民意 and 提案 work
stands out, are proposed to staff from the policy's criteria (`表彰候选`); staff nominate
(`提名表彰`) and confirm (`确认表彰`); the confirmed list is exported with one sheet per body it is
reported to: 组织部, 统战部 (the policy's `recipients`) and each member's employer (委员单位).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from tortoise.transactions import in_transaction

from bot import clock
from bot.input_text import fold
from bot.services import assessment, audit, membership
from bot.services.actors import Actor, find_member
from bot.services.archive import split_year
from bot.services.assessment import Standing
from bot.services.errors import ServiceError
from bot.services.policy import Policy
from models import Commendation, CommendationStatus, Member, ProposalCosigner, ProposalProgress, Report

ALL_CANDIDATES = ("全部候选", "全部")
_NAMES = re.compile(r"[、,，;；]+")


@dataclass
class Candidate:
    standing: Standing
    reasons: list[str] = field(default_factory=list)
    status: str = ""  # "", or a CommendationStatus value


async def _adopted_reports(year: int) -> Counter[int]:
    rows = await Report.filter(year=year, status__in=("adopted", "instructed")).values_list(
        "member_id", flat=True
    )
    return Counter(rows)


async def _satisfied_proposals(year: int, policy: Policy) -> Counter[int]:
    """提案 of the year whose latest handling step is 满意, per author (and co-signer, when the
    policy counts co-signing as submitting)."""
    latest: dict[int, tuple[str, int]] = {}
    for proposal_id, stage, author in (
        await ProposalProgress.filter(proposal__year=year)
        .order_by("at", "id")
        .values_list("proposal_id", "stage", "proposal__member_id")
    ):
        latest[proposal_id] = (str(stage), author)
    satisfied = {pid: author for pid, (stage, author) in latest.items() if stage == "satisfied"}
    counts: Counter[int] = Counter(satisfied.values())
    if policy.counting.co_signer_counts and satisfied:
        counts.update(
            await ProposalCosigner.filter(
                proposal_id__in=list(satisfied), member_id__isnull=False
            ).values_list("member_id", flat=True)
        )
    return counts


def _reasons(policy: Policy, s: Standing, adopted: int, satisfied: int) -> list[str]:
    rule = policy.commendation
    reasons = []
    counted = s.expected - (s.leave if policy.counting.leave_excused else 0)
    rate = s.attendance_rate
    attends = rule.min_attendance_rate and rule.min_activities and counted >= rule.min_activities
    if attends and rate is not None and rate >= rule.min_attendance_rate:
        reasons.append(f"积极参加政协会议和活动（出席率 {rate:.0%}）")
    if rule.min_adopted_reports and adopted >= rule.min_adopted_reports:
        reasons.append(f"社情民意被采用 {adopted} 篇")
    if rule.min_satisfied_proposals and satisfied >= rule.min_satisfied_proposals:
        reasons.append(f"提案办理满意 {satisfied} 件")
    return reasons


async def candidates(year: int) -> list[Candidate]:
    """Everyone meeting a criterion of the policy, by rank, with the reasons; and anyone already
    nominated or confirmed (staff may nominate beyond the criteria)."""
    result = await assessment.assess(year)
    adopted = await _adopted_reports(year)
    satisfied = await _satisfied_proposals(year, result.policy)
    decided = dict(await Commendation.filter(year=year).values_list("member_id", "status"))
    found = []
    for s in result.standings:
        reasons = _reasons(result.policy, s, adopted[s.member_id], satisfied[s.member_id])
        if reasons or s.member_id in decided:
            found.append(Candidate(s, reasons, str(decided.get(s.member_id, ""))))
    return found


async def _members(names: str) -> list[Member]:
    found: list[Member] = []
    for name in (n for n in _NAMES.split(names) if n.strip()):
        member = await find_member(name.strip())
        membership.require_counted(member, own=False)
        found.append(member)
    return found


@dataclass
class Outcome:
    year: int
    done: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


async def nominate(actor: Actor, args: str) -> Outcome:
    """`提名表彰 [年份] <张三、李四｜全部候选> [事由]`: the candidates' reasons are kept, or the one typed."""
    year, rest = split_year(args)
    who, _, typed = fold(rest).partition(" ")
    if not who:
        raise ServiceError("commendation/nominate_usage.j2")
    found = {c.standing.member_id: c for c in await candidates(year)}
    if who in ALL_CANDIDATES:
        chosen = [(c.standing.member_id, c.standing.name, c.reasons) for c in found.values() if not c.status]
    else:
        chosen = [(m.id, m.name, found[m.id].reasons if m.id in found else []) for m in await _members(who)]
    outcome = Outcome(year)
    now = clock.now()
    async with in_transaction():
        for member_id, name, reasons in chosen:
            if member_id in found and found[member_id].status:
                outcome.skipped.append(name)
                continue
            text = typed.strip() or "；".join(reasons) or "工作人员提名"
            await Commendation.create(
                year=year, member_id=member_id, reasons=text[:200], nominated_by=actor.label, nominated_at=now
            )
            outcome.done.append(name)
        await audit.record(actor.label, "commendation_nominate", f"year:{year}")
    return outcome


async def confirm(actor: Actor, args: str) -> Outcome:
    """`确认表彰 [年份] <张三、李四｜全部>`: nominated members become the year's commendations."""
    year, who = split_year(args)
    if not who:
        raise ServiceError("commendation/confirm_usage.j2")
    nominated = Commendation.filter(year=year, status=CommendationStatus.NOMINATED)
    if who not in ALL_CANDIDATES:
        ids = [m.id for m in await _members(who)]
        nominated = nominated.filter(member_id__in=ids)
    rows = await nominated.select_related("member")
    outcome = Outcome(year, done=[c.member.name for c in rows])
    if not rows:
        raise ServiceError("commendation/nothing_nominated.j2", year=year, who=who)
    await Commendation.filter(id__in=[c.id for c in rows], status=CommendationStatus.NOMINATED).update(
        status=CommendationStatus.CONFIRMED, confirmed_by=actor.label, confirmed_at=clock.now()
    )
    await audit.record(actor.label, "commendation_confirm", f"year:{year}")
    return outcome

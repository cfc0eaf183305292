"""Corrections after the fact: staff change a member's final status at a closed activity.

缺席 → 请假 (leave approved late, with a note), 出席 → 缺席, 迟到 → 出席 … each with a reason, kept
as an `AttendanceCorrection` row and an audit entry, in one transaction. The committee's rules are
then evaluated for that member at once: what the change reaches is drafted for staff, and a draft
that depended on the old status and is no longer reached is withdrawn (deleted, so that it can be
drafted again should the member reach it later), with a note to staff saying so. A consequence staff
already confirmed is never undone here; staff are told it no longer holds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from tortoise.transactions import in_transaction

from bot import clock
from bot.delivery import outbox
from bot.delivery.recipients import MemberRecipient
from bot.input_text import fold
from bot.services import activities, audit, membership, rules, terms
from bot.services import policy as policies
from bot.services.actors import Actor, find_member
from bot.services.errors import ServiceError
from bot.services.parsing import parse_number
from models import Attendance, AttendanceCorrection, AttendanceStatus, Consequence, ConsequenceStatus
from models.activity import ATTENDANCE_LABELS, ActivityStatus
from models.assessment import CONSEQUENCE_LABELS

STATUS_WORDS = {
    "出席": AttendanceStatus.PRESENT,
    "到会": AttendanceStatus.PRESENT,
    "迟到": AttendanceStatus.LATE,
    "请假": AttendanceStatus.LEAVE,
    "缺席": AttendanceStatus.ABSENT,
    "present": AttendanceStatus.PRESENT,
    "late": AttendanceStatus.LATE,
    "leave": AttendanceStatus.LEAVE,
    "absent": AttendanceStatus.ABSENT,
}
REASON_MAX = 200


@dataclass
class Corrected:
    correction: AttendanceCorrection
    member_name: str
    activity_title: str
    drafted: list[Consequence] = field(default_factory=list)
    withdrawn: list[Consequence] = field(default_factory=list)
    no_longer_held: list[Consequence] = field(default_factory=list)

    @property
    def old_label(self) -> str:
        return ATTENDANCE_LABELS[self.correction.old_status]

    @property
    def new_label(self) -> str:
        return ATTENDANCE_LABELS[self.correction.new_status]


def parse_status(word: str) -> AttendanceStatus:
    status = STATUS_WORDS.get(fold(word).lower())
    if status is None:
        raise ServiceError("correction/bad_status.j2", word=word)
    return status


async def correct(
    actor: Actor, activity_ref: str | int, member_query: str, status_word: str, reason: str
) -> Corrected:
    """Change one member's final status at a closed activity; see the module's docstring."""
    reason = reason.strip()
    if not reason:
        raise ServiceError("correction/needs_reason.j2")
    number = activity_ref if isinstance(activity_ref, int) else parse_number(activity_ref, what="活动编号")
    activity = await activities.get(number)
    if activity.status != ActivityStatus.CLOSED:
        raise ServiceError("correction/not_closed.j2", activity=activity)
    member = await find_member(member_query)
    new_status = parse_status(status_word)
    row = await Attendance.filter(activity_id=activity.id, member_id=member.id).first()
    if row is None:
        raise ServiceError("correction/not_expected.j2", activity=activity, member=member)
    if row.status == new_status:
        raise ServiceError("correction/unchanged.j2", member=member, label=ATTENDANCE_LABELS[new_status])
    now = clock.now()
    async with in_transaction():
        changed = await Attendance.filter(id=row.id, status=row.status).update(status=new_status)
        if not changed:  # corrected concurrently: read again and let staff decide
            raise ServiceError("correction/changed.j2", member=member)
        correction = await AttendanceCorrection.create(
            activity_id=activity.id,
            member_id=member.id,
            old_status=row.status,
            new_status=new_status,
            reason=reason[:REASON_MAX],
            corrected_by=actor.label,
            corrected_at=now,
        )
        await audit.record(actor.label, "attendance_correct", member)
    result = Corrected(correction, member.name, activity.title)
    if membership.counts_as_member(member):
        await _reevaluate(actor, result, member.id, clock.to_local(activity.start_at).year)
    return result


async def _reevaluate(actor: Actor, result: Corrected, member_id: int, year: int) -> None:
    """Draft what is reached now; withdraw the drafts no longer reached (and tell staff).

    A year rule is looked at in the activity's year; a term rule in the term the activity belongs to,
    counted up to today when that is the current term."""
    years = sorted({year, clock.today().year}) if year <= clock.today().year else [year]
    reached: set[tuple[str, int | date]] = set()  # (rule, year) for year rules, (rule, term) for term
    for each in years:
        outcome = await rules.after_correction(member_id, each)
        result.drafted.extend(outcome.drafts)
        term = await terms.term_for_year(each)
        for found in await rules.findings(each, [member_id], attendance_only=True):
            if found.reached:
                reached.add((found.rule.id, term.start if found.term else each))
    activity_term = (await terms.term_for_year(year)).start
    count_rules = {r.id: r for r in policies.for_year(year).count_rules}
    standing = await Consequence.filter(member_id=member_id, rule__in=list(count_rules)).exclude(
        status=ConsequenceStatus.DISMISSED
    )
    staff = await membership.staff_ids()
    for consequence in standing:
        over_term = count_rules[consequence.rule].window == "term"
        if over_term and consequence.term_start != activity_term:
            continue
        if not over_term and consequence.year != year:
            continue
        key = (consequence.rule, activity_term if over_term else year)
        if key in reached:
            continue
        if consequence.status == ConsequenceStatus.DRAFT:
            await _withdraw(actor, consequence, result, staff)
        else:
            result.no_longer_held.append(consequence)


async def _withdraw(actor: Actor, consequence: Consequence, result: Corrected, staff: list[int]) -> None:
    context = {
        "number": consequence.id,
        "member_name": result.member_name,
        "consequence_label": CONSEQUENCE_LABELS[consequence.kind],
        "activity_title": result.activity_title,
        "old_label": result.old_label,
        "new_label": result.new_label,
        "reason": result.correction.reason,
    }
    async with in_transaction():
        deleted = await Consequence.filter(id=consequence.id, status=ConsequenceStatus.DRAFT).delete()
        if not deleted:  # decided meanwhile
            return
        await outbox.enqueue_many(
            [
                outbox.Outgoing(
                    key=f"consequence-withdrawn:{consequence.id}:{result.correction.id}:{staff_id}",
                    recipient=MemberRecipient(member_id=staff_id),
                    template="correction/draft_withdrawn.j2",
                    context=context,
                    kind="consequence_draft",
                )
                for staff_id in staff
            ]
        )
        await audit.record(actor.label, "consequence_withdraw", consequence.member_id)
    result.withdrawn.append(consequence)

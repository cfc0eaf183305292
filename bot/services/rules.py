"""The committee's rules (提醒告诫): reminders before a threshold, consequence drafts when reached.

Entry points, safe to call again and again (reminders and drafts are created once):
- `evaluate_all(year)` nightly from the scheduler (and at year end for the no-submission rules): the
  only source of the members' private reminders;
- `evaluate_member(member_id, year)` / `evaluate_members(ids, year)`: the same, for some members;
- `after_activity_closed(activity, year)` from `activities.close`: drafts for staff what the new
  absences and leaves reached, and tells no member anything (reminders wait for the night, so that
  closing a meeting never sends an annual-task reminder seconds later).
Nothing is published here: drafts wait for staff (`review.confirm` / `review.dismiss`).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from loguru import logger
from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from bot import clock, db
from bot.delivery import outbox
from bot.delivery.outbox import Outgoing
from bot.delivery.recipients import MemberRecipient
from bot.services import history, membership, tallies, terms
from bot.services import policy as policies
from bot.services.policy import Policy
from bot.services.policy_rules import CountRule, SubmissionRule
from bot.services.rule_findings import Finding, count_finding, part_context
from bot.services.terms import TermSpan
from models import Consequence, ConsequenceStatus, RuleReminder
from models.assessment import CONSEQUENCE_LABELS


@dataclass
class Outcome:
    reminders: list[tuple[str, int]] = field(default_factory=list)
    drafts: list[Consequence] = field(default_factory=list)


def _reached_date(year: int, month_day: tuple[int, int] | None, today: date) -> bool:
    if month_day is None:
        return False
    return today.year > year or (today.year == year and (today.month, today.day) >= month_day)


async def _previous_findings(year: int, rules: list[SubmissionRule], *, dismissed: bool = False) -> set[int]:
    """Members with a (not dismissed; with `dismissed`, a dismissed) no-submission finding for the
    year before."""
    one_year = [r.id for r in rules if r.years == 1]
    if not one_year:
        return set()
    query = Consequence.filter(year=year - 1, rule__in=one_year)
    if dismissed:
        query = query.filter(status=ConsequenceStatus.DISMISSED)
    else:
        query = query.exclude(status=ConsequenceStatus.DISMISSED)
    return set(await query.values_list("member_id", flat=True))


async def term_tally(term: TermSpan, year: int, ids: list[int] | None) -> tallies.AttendanceTally:
    """Counts over the term, from its first day up to the end of `year` (or the term's end)."""
    zone = clock.local_zone()
    start = datetime.combine(term.start, time(), zone)
    end = datetime.combine(min(term.end, date(year, 12, 31)) + timedelta(days=1), time(), zone)
    return await tallies.attendance_between(start, end, ids, ("absent", "leave"))


async def findings(
    year: int,
    member_ids: list[int] | None = None,
    policy: Policy | None = None,
    *,
    attendance_only: bool = False,
) -> list[Finding]:
    """Every member's position against every rule that is near (warn point) or past its threshold;
    with `attendance_only`, against the attendance (count) rules alone."""
    policy = policy or policies.for_year(year)
    today = clock.today()
    members = await tallies.assessed_members(member_ids)
    ids = [m["id"] for m in members] if member_ids is not None else None
    counted = ("absent", "leave")
    by_year = await tallies.attendance(year, ids, counted) if policy.count_rules else {}
    term = await terms.term_for_year(year)
    by_term = await term_tally(term, year, ids) if policy.count_rules else {}
    due_rules = [
        r
        for r in ([] if attendance_only else policy.submission_rules)
        if _reached_date(year, r.warn_from or r.due, today)
    ]
    co_signers = policy.counting.co_signer_counts
    this_year = await tallies.submissions(year, ids, co_signers=co_signers) if due_rules else {}
    needs_last = any(r.years == 2 for r in due_rules)
    last_year = await tallies.submissions(year - 1, ids, co_signers=co_signers) if needs_last else {}
    previous = await _previous_findings(year, policy.submission_rules) if needs_last else set()
    # a year before the bot counts as recorded when its 提案 and 社情民意 were entered as history
    covered = needs_last and await history.covered_years(year - 1)
    dismissed = await _previous_findings(year, policy.submission_rules, dismissed=True) if covered else set()
    result: list[Finding] = []
    for member in members:
        mid = member["id"]
        in_year, in_term = by_year.get(mid, Counter()), by_term.get(mid, Counter())
        for rule in policy.count_rules:
            if finding := count_finding(member, rule, in_year, in_term, term):
                result.append(finding)
        for due_rule in due_rules:
            if this_year.get(mid, 0):
                continue
            recorded = mid in previous or (covered and mid not in dismissed)
            if due_rule.years == 2 and (last_year.get(mid, 0) or not recorded):
                continue
            reached = _reached_date(year, due_rule.due, today)
            result.append(Finding(mid, member["name"], due_rule, 0, 0, reached))
    return result


def _rule_context(finding: Finding, year: int, remind: tuple[int, ...] = ()) -> dict[str, object]:
    """What the reminder, the staff draft and the watchlist say about a finding."""
    rule = finding.rule
    context: dict[str, object] = {
        "rule": rule.id,
        "year": year,
        "count": finding.count,
        "consequence": rule.consequence.value,
        "consequence_label": CONSEQUENCE_LABELS[rule.consequence],
    }
    if isinstance(rule, CountRule):
        reminded = [finding.parts[i] for i in remind]
        context |= {
            "kind": "count",
            "combine": rule.combine,
            "threshold": finding.threshold,
            "parts": [part_context(p) for p in finding.parts],
            # the reminder: what is still missing, and (for `all`) what is already reached
            "missing": [part_context(p) for p in reminded],
            "reached_parts": [part_context(p) for p in finding.parts if p.reached],
            "window": rule.window,
            "term_since": finding.term.start.isoformat() if finding.term else "",
        }
    else:
        context |= {"kind": "no_submission", "years": rule.years, "due": f"{rule.due[0]}月{rule.due[1]}日"}
    return context


async def _staff_ids() -> list[int]:
    return await membership.staff_ids()


async def _draft(finding: Finding, year: int, staff: list[int]) -> Consequence | None:
    context = _rule_context(finding, year)
    try:
        async with in_transaction():
            draft = await Consequence.create(
                rule=finding.rule.id,
                kind=finding.rule.consequence,
                member_id=finding.member_id,
                year=year,
                count=finding.count,
                threshold=finding.threshold,
                term_start=finding.term.start if finding.term else None,
            )
            await outbox.enqueue_many(
                [
                    Outgoing(
                        key=f"consequence-draft:{draft.id}:{staff_id}",
                        recipient=MemberRecipient(member_id=staff_id),
                        template="rules/staff_draft.j2",
                        context={**context, "number": draft.id, "member_name": finding.name},
                        kind="consequence_draft",
                    )
                    for staff_id in staff
                ]
            )
    except IntegrityError:  # drafted concurrently by another evaluation
        return None
    return draft


async def _remind(finding: Finding, year: int, conditions: tuple[int, ...]) -> bool:
    """One private message about `conditions` (each recorded once), or about a date-based rule."""
    key = f"rule-reminder:{finding.rule.id}:{finding.member_id}:{year}:{finding.count}"
    if conditions:
        key = f"rule-reminder:{finding.rule.id}:{finding.member_id}:{year}:{conditions[0]}:{finding.count}"
    try:
        async with in_transaction():
            for condition in conditions or (0,):
                await RuleReminder.create(
                    rule=finding.rule.id,
                    member_id=finding.member_id,
                    year=year,
                    condition=condition,
                    count=finding.parts[condition].count if conditions else finding.count,
                    term_start=finding.term.start if finding.term else None,
                )
            await outbox.enqueue(
                key=key,
                recipient=MemberRecipient(member_id=finding.member_id),
                template="rules/reminder.j2",
                context=_rule_context(finding, year, conditions),
                kind="rule_reminder",
            )
    except IntegrityError:
        return False
    return True


async def _evaluate(year: int, member_ids: list[int] | None, *, drafts_only: bool = False) -> Outcome:
    """Draft what was reached and remind of what is near; `drafts_only` (an act other than the
    nightly run): the attendance rules' drafts for staff, and no reminder to anybody."""
    outcome = Outcome()
    found = await findings(year, member_ids, attendance_only=drafts_only)
    if not found:
        return outcome
    involved = sorted({f.member_id for f in found})
    drafted: set[tuple[str, int, date | None]] = set()
    reminded: set[tuple[str, int, date | None, int]] = set()
    term_start = next((f.term.start for f in found if f.term), None)
    # a year rule's drafts and reminders are the year's; a term rule's are the term's, whatever year
    within = Q(year=year, term_start__isnull=True)
    if term_start is not None:
        within |= Q(term_start=term_start)
    for chunk in db.chunks(involved):
        drafted.update(
            await Consequence.filter(within, member_id__in=chunk).values_list(
                "rule", "member_id", "term_start"
            )
        )
        reminded.update(
            await RuleReminder.filter(within, member_id__in=chunk).values_list(
                "rule", "member_id", "term_start", "condition"
            )
        )
    staff: list[int] | None = None
    for finding in found:
        key = (finding.rule.id, finding.member_id, finding.term.start if finding.term else None)
        if finding.reached:
            if key in drafted:
                continue
            staff = staff if staff is not None else await _staff_ids()
            draft = await _draft(finding, year, staff)
            if draft is not None:
                outcome.drafts.append(draft)
            continue
        if drafts_only:
            continue
        fresh = tuple(i for i in finding.remind if (*key, i) not in reminded)
        if isinstance(finding.rule, SubmissionRule):
            fresh = () if (*key, 0) in reminded else (0,)
            conditions: tuple[int, ...] = ()
        else:
            conditions = fresh
        if fresh and await _remind(finding, year, conditions):
            outcome.reminders.append(key[:2])
    if outcome.drafts or outcome.reminders:
        logger.info("rules {}: {} reminders, {} drafts", year, len(outcome.reminders), len(outcome.drafts))
    return outcome


async def evaluate_member(member_id: int, year: int | None = None) -> Outcome:
    return await _evaluate(year or clock.today().year, [member_id])


async def evaluate_members(member_ids: list[int], year: int | None = None) -> Outcome:
    return await _evaluate(year or clock.today().year, list(member_ids))


async def evaluate_all(year: int | None = None) -> Outcome:
    """Nightly job: evaluate everyone for `year` (default: this year).

    Schedule it once a day (e.g. 02:00 local time), and once more for the previous year early on
    1 January so that the year-end no-submission rules are drafted for the year that just ended.
    """
    return await _evaluate(year or clock.today().year, None)


async def after_correction(member_id: int, year: int) -> Outcome:
    """A corrected attendance: draft for staff what it reaches for this member; remind nobody."""
    return await _evaluate(year, [member_id], drafts_only=True)


async def after_activity_closed(activity_id: int, year: int) -> Outcome:
    """Hook for `activities.close`: draft, for staff, what the members the activity expected reached
    by its absences and leaves. Reminders are the nightly evaluation's alone.

    Closing has already happened; a failure here (say, a policy file with a mistake) is logged and
    left to the nightly run rather than reported as a failed close.
    """
    from models import Attendance

    try:
        ids = await Attendance.filter(activity_id=activity_id).values_list("member_id", flat=True)
        return await _evaluate(year, list(ids), drafts_only=True)
    except Exception:
        logger.exception("rules after closing activity {} failed", activity_id)
        return Outcome()

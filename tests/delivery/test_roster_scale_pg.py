"""A roster of 40,000 on PostgreSQL: no statement grows with the roster.

asyncpg refuses more than 32,767 parameters in one statement, so a query that lists every member
(`id IN (…40,000 ids…)`) fails at 32,768 members. Each staff command and scheduled job that reads
members or messages in bulk runs here once against a roster above that limit, seeded with COPY.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from bot.config import get_settings
from bot.render import render
from bot.services import delivery_report
from bot.services.timing import local_moment, parse_clock_time
from models import Consequence, OutboxMessage, OutboxStatus, RuleReminder
from scheduler.jobs import run_rules_due

pytestmark = pytest.mark.postgres

ROSTER = 40_000
SENT, FAILED = 1_000, 4_000  # the rest of the batch is unreachable
UNREACHABLE = ROSTER - SENT - FAILED
FRESH = 3  # members whose rule findings are new tonight (the others were handled on earlier nights)
CRITICISM, RESIGN = "absence-criticism", "absence-resign"  # config/policy/default.toml


async def _seed(url: str) -> tuple[list[int], int]:
    """40,000 委员 and one staff member; broadcast B1 to every 委员 (sent, failed, unreachable); one
    plenary meeting every 委员 missed, whose findings were drafted / reminded except for FRESH."""
    import asyncpg

    now = datetime(2026, 5, 1, tzinfo=UTC)
    conn = await asyncpg.connect(url)
    try:
        members = [
            (n, f"委员{n:05d}", "", "", "member", False, False, "active", now, now)
            for n in range(1, ROSTER + 1)
        ]
        members.append((ROSTER + 1, "周文清", "", "", "staff", False, False, "active", now, now))
        columns = ("id", "name", "gender", "sector", "role", "also_member", "birthday_lunar", "status")
        await conn.copy_records_to_table(
            "member", records=members, columns=[*columns, "created_at", "updated_at"]
        )
        await conn.execute("SELECT setval(pg_get_serial_sequence('member', 'id'), $1)", ROSTER + 1)
        ids = list(range(1, ROSTER + 1))

        def row(member_id: int) -> tuple[object, ...]:
            status = (
                "sent" if member_id <= SENT else "failed" if member_id <= SENT + FAILED else "unreachable"
            )
            error = {"sent": "", "failed": "retcode 100", "unreachable": "no bound channel"}[status]
            recipient = json.dumps({"type": "member", "member_id": member_id})
            return (
                f"B1:{member_id}", "notice", "B1", recipient, "delivery/usage.j2", "{}", False, status, 1,
                now, "", "" if status == "unreachable" else "qq", error, now if status == "sent" else None,
                now,
            )  # fmt: skip

        await conn.copy_records_to_table(
            "outbox",
            records=[row(m) for m in ids],
            columns=[
                "dedupe_key", "kind", "batch", "recipient", "template", "context", "urgent", "status",
                "attempts", "due_at", "claimed_by", "channel", "last_error", "sent_at", "created_at",
            ],
        )  # fmt: skip
        start = datetime(2026, 3, 1, 1, 0, tzinfo=UTC)
        activity = await conn.fetchval(
            "INSERT INTO activity (type, title, start_at, end_at, place, audience, audience_value,"
            " checkin_opens_at, checkin_closes_at, announce_platform, announce_group, status, created_by,"
            " created_at, closed_at) VALUES ('全体会议', '全体会议', $1, $2, '', 'all', '', $1, $2, '', '',"
            " 'closed', '', $1, $2) RETURNING id",
            start,
            start + timedelta(hours=2),
        )
        await conn.copy_records_to_table(
            "attendance",
            records=[(activity, m, "absent", "", now) for m in ids],
            columns=["activity_id", "member_id", "status", "channel", "updated_at"],
        )
        handled = ids[FRESH:]
        await conn.copy_records_to_table(
            "consequence",
            records=[
                (CRITICISM, "criticism", m, 2026, 1, 1, "draft", "", "", False, "", now) for m in handled
            ],
            columns=[
                "rule", "kind", "member_id", "year", "count", "threshold", "status", "reason",
                "decided_by", "published", "published_to", "created_at",
            ],
        )  # fmt: skip
        await conn.copy_records_to_table(
            "rule_reminder",
            records=[(RESIGN, m, 2026, 1, now) for m in handled],
            columns=["rule", "member_id", "year", "count", "sent_at"],
        )
    finally:
        await conn.close()
    return ids, ROSTER + 1


async def test_staff_commands_and_the_nightly_rules_at_40000_members(db, postgres_url, clock):
    if db != "postgres":
        pytest.skip(
            "the parameter limit is PostgreSQL's (asyncpg); SQLite has its own, far lower, per IN list"
        )
    ids, staff_id = await _seed(postgres_url)

    # 送达: counts, and the first names of each kind of problem
    status = await delivery_report.batch_status(await delivery_report.find_batch("1"))
    assert (status.total, status.sent, len(status.failed), len(status.unreachable)) == (
        ROSTER,
        SENT,
        FAILED,
        UNREACHABLE,
    )
    text = render("delivery/status.j2", s=status)
    assert f"失败 {FAILED}，状态不明 0，无法联系 {UNREACHABLE}" in text
    assert f"委员{SENT + 1:05d}（retcode 100）" in text and f"等 {UNREACHABLE} 人" in text

    # the staff's unreachable report: one notice per staff member, the first names and the count
    assert await delivery_report.notify_unreachable("B1") == 1
    notice = await OutboxMessage.get(dedupe_key=f"delivery-unreachable:B1:{staff_id}")
    notice_text = render(notice.template, **notice.context)
    assert f"以下 {UNREACHABLE} 位无法联系" in notice_text
    assert f"委员{SENT + FAILED + 1:05d}" in notice_text and notice_text.rstrip().endswith("等")

    # 补发: the failed rows only go back to the queue
    resent = await delivery_report.resend_failed("B1")
    assert (resent.requeued, resent.unknown_left) == (FAILED, 0)
    assert await OutboxMessage.filter(batch="B1", status=OutboxStatus.PENDING).count() == FAILED

    # the nightly rules evaluation: only the findings not handled on earlier nights are new
    night = local_moment(clock.current.date(), parse_clock_time(get_settings().rules_evaluation_time))
    assert await run_rules_due(night + timedelta(minutes=1), timedelta(hours=1)) == 1  # tonight's run
    fresh = set(ids[:FRESH])
    drafts = await Consequence.filter(rule=CRITICISM, year=2026).count()
    assert drafts == ROSTER
    assert (
        set(
            await RuleReminder.filter(rule=RESIGN, member_id__in=list(fresh)).values_list(
                "member_id", flat=True
            )
        )
        == fresh
    )
    staff_notes = await OutboxMessage.filter(kind="consequence_draft").values_list("context", flat=True)
    assert sorted(note["member_name"] for note in staff_notes) == [f"委员{m:05d}" for m in sorted(fresh)]
    reminders = await OutboxMessage.filter(kind="rule_reminder").values_list("recipient", flat=True)
    assert sorted(r["member_id"] for r in reminders) == sorted(fresh)

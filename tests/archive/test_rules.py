"""A scripted year that hits every rule exactly at, and just below, its threshold."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.delivery import recipients
from bot.render import render
from bot.sender import Sender
from bot.services import review, rules
from bot.services.actors import Actor
from bot.services.errors import ServiceError
from models import ActivityType, AuditEntry, Consequence, ConsequenceStatus, OutboxMessage, Role, RuleReminder
from tests import factories
from tests.archive import helpers

ZONE = ZoneInfo("Asia/Shanghai")


async def drafts() -> set[tuple[str, str, int]]:
    rows = await Consequence.all().values_list("rule", "member__name", "year")
    return set(rows)


async def reminders() -> set[tuple[str, str, int]]:
    rows = await RuleReminder.all().values_list("rule", "member__name", "count")
    return set(rows)


async def test_attendance_rules_at_and_below_threshold(db, clock):
    staff = await factories.member("值班员", role=Role.STAFF, qq="5000")
    m = {
        name: await factories.member(name)
        for name in ("全勤", "P1", "P2", "L2", "L3", "C2", "C3", "C5", "C6")
    }
    for n in range(3):
        await helpers.hold(
            ActivityType.PLENARY,
            absent=[m["P1"]] * (n < 1) + [m["P2"]] * (n < 2),
            leave=[m["L2"]] * (n < 2) + [m["L3"]],
            present=[m["全勤"]],
        )
        await rules.evaluate_all(2026)  # the night after each meeting
    for n in range(6):
        group = [m[name] for name, count in (("C2", 2), ("C3", 3), ("C5", 5), ("C6", 6)) if n < count]
        await helpers.hold(ActivityType.COMMITTEE, absent=group, present=[m["全勤"]])
        await rules.evaluate_all(2026)

    assert await drafts() == {
        ("absence-criticism", "P1", 2026),  # 1 unexcused plenary absence
        ("absence-criticism", "P2", 2026),
        ("absence-resign", "P2", 2026),  # 2 (P1 with 1 is just below)
        ("absence-resign", "L3", 2026),  # 3 leaves (L2 with 2 is just below)
        ("absence-criticism", "C3", 2026),  # 3 (C2 with 2 is just below)
        ("absence-criticism", "C5", 2026),
        ("absence-criticism", "C6", 2026),
        ("absence-resign", "C6", 2026),  # 6 (C5 with 5 is just below)
    }
    # one reminder per rule and member, one step before the threshold
    assert await reminders() == {
        ("absence-resign", "P1", 1),
        ("absence-resign", "P2", 1),
        ("absence-resign", "L2", 2),
        ("absence-resign", "L3", 2),
        ("absence-criticism", "C2", 2),
        ("absence-criticism", "C3", 2),
        ("absence-criticism", "C5", 2),
        ("absence-criticism", "C6", 2),
        ("absence-resign", "C5", 5),
        ("absence-resign", "C6", 5),
    }
    # evaluating again (the nightly job) changes nothing: sent once, drafted once
    outcome = await rules.evaluate_all(2026)
    assert outcome.reminders == [] and outcome.drafts == []

    rows = await OutboxMessage.all()
    assert all(recipients.load(r.recipient).type == "member" for r in rows)  # nothing to a group
    p1 = await OutboxMessage.get(dedupe_key=f"rule-reminder:absence-resign:{m['P1'].id}:2026:0:1")
    assert recipients.load(p1.recipient) == recipients.MemberRecipient(m["P1"].id)
    text = render(p1.template, **p1.context)
    assert "已缺席（未请假） 1 次" in text and "再缺席 1 次将被劝其辞去委员职务" in text
    staff_rows = [r for r in rows if r.kind == "consequence_draft"]
    assert len(staff_rows) == 8
    assert {recipients.load(r.recipient).member_id for r in staff_rows} == {staff.id}
    first = render(staff_rows[0].template, **staff_rows[0].context)
    assert "确认处理" in first and "未经确认不会通知本人或公开" in first
    assert not [r for r in rows if r.kind == "consequence_notice"]  # nothing reaches the member yet


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=ZONE)


async def test_no_submission_rules_over_two_years(db, clock):
    await factories.member("从未提交")
    some = await factories.member("提交过")
    await factories.member("已撤销")
    await factories.member("职员", role=Role.STAFF)
    await helpers.report(some, year=2026)

    clock.set(at(2026, 9, 30, 23, 59))
    await rules.evaluate_all(2026)
    assert await reminders() == set() and await drafts() == set()

    clock.set(at(2026, 10, 1))  # warn_from
    await rules.evaluate_all(2026)
    assert await reminders() == {
        ("no-submission-notice", "从未提交", 0),
        ("no-submission-notice", "已撤销", 0),
    }

    clock.set(at(2026, 11, 30, 23, 59))  # just below the due date
    await rules.evaluate_all(2026)
    assert await drafts() == set()

    clock.set(at(2026, 12, 1))  # due: drafted within the year
    await rules.evaluate_all(2026)
    assert await drafts() == {
        ("no-submission-notice", "从未提交", 2026),
        ("no-submission-notice", "已撤销", 2026),
    }

    late = await factories.member("年底新任")  # year end: the nightly run for the year that just ended
    clock.set(at(2027, 1, 1, 2))
    await rules.evaluate_all(2026)
    assert ("no-submission-notice", "年底新任", 2026) in await drafts()

    actor = Actor(Sender("qq", "1"), None, is_superuser=True)
    numbers = {name: cid for cid, name in await Consequence.all().values_list("id", "member__name")}
    await review.confirm(actor, str(numbers["从未提交"]))
    await review.dismiss(actor, str(numbers["已撤销"]), "已补交纸质提案")
    await review.confirm(actor, str(numbers["年底新任"]))

    clock.set(at(2027, 10, 1))
    await rules.evaluate_all(2027)
    assert ("no-submission-two-years-resign", "从未提交", 0) in await reminders()
    assert ("no-submission-two-years-resign", "已撤销", 0) not in await reminders()

    clock.set(at(2027, 11, 30, 23, 59))
    await rules.evaluate_all(2027)
    assert {d for d in await drafts() if d[2] == 2027} == set()

    await helpers.report(late, year=2027)  # submitted in the second year: no two-year consequence
    clock.set(at(2027, 12, 1))
    await rules.evaluate_all(2027)
    assert {d for d in await drafts() if d[2] == 2027} == {
        ("no-submission-notice", "从未提交", 2027),
        ("no-submission-two-years-resign", "从未提交", 2027),  # two years running
        ("no-submission-notice", "提交过", 2027),  # submitted in 2026 only: just the notice
        ("no-submission-notice", "已撤销", 2027),  # 2026 notice dismissed: not two years
    }


async def test_confirm_publish_and_dismiss(db, clock, settings):
    member = await factories.member("P1")
    staff = await factories.member("值班员", role=Role.STAFF, qq="5000")
    other = await factories.member("P2")
    await helpers.hold(ActivityType.PLENARY, absent=[member, other])
    first, second = await Consequence.filter(rule="absence-criticism").order_by("member_id")
    actor = Actor(Sender("qq", "5000"), staff)

    with pytest.raises(ServiceError) as no_group:
        await review.confirm(actor, str(first.id), publish=True)
    assert no_group.value.template == "review/no_publish_group.j2"
    assert (await Consequence.get(id=first.id)).status == ConsequenceStatus.DRAFT

    confirmed = await review.confirm(actor, str(first.id), publish=True, group="qq:7001")
    assert confirmed.published and confirmed.status == ConsequenceStatus.CONFIRMED
    notice = await OutboxMessage.get(dedupe_key=f"consequence-notice:{first.id}")
    assert recipients.load(notice.recipient) == recipients.MemberRecipient(member.id)
    assert "通报批评" in render(notice.template, **notice.context)
    published = await OutboxMessage.get(dedupe_key=f"consequence-publish:{first.id}")
    assert recipients.load(published.recipient) == recipients.GroupRecipient("qq", "7001")

    with pytest.raises(ServiceError) as twice:
        await review.confirm(actor, str(first.id))
    assert twice.value.template == "review/already_decided.j2"
    with pytest.raises(ServiceError):
        await review.dismiss(actor, str(second.id), "  ")
    dismissed = await review.dismiss(actor, str(second.id), "会议通知未送达")
    assert dismissed.status == ConsequenceStatus.DISMISSED and dismissed.reason == "会议通知未送达"
    assert not await OutboxMessage.filter(dedupe_key=f"consequence-notice:{second.id}").exists()
    assert not await OutboxMessage.filter(dedupe_key=f"consequence-publish:{second.id}").exists()

    audit = await AuditEntry.all().order_by("id").values_list("actor", "action", "target_member_id")
    assert audit == [
        (f"member:{staff.id}", "consequence_confirm", member.id),
        (f"member:{staff.id}", "consequence_publish", member.id),
        (f"member:{staff.id}", "consequence_dismiss", other.id),
    ]


SPEECH_SCENARIO = {  # name: (plenary absences, plenary leaves, special-committee absences)
    "P1": (1, 0, 0),
    "P1C2": (1, 0, 2),
    "P1C3": (1, 0, 3),
    "C3": (0, 0, 3),
    "P2C5": (2, 0, 5),
    "P2C6": (2, 0, 6),
    "L3C6": (0, 3, 6),
}


@pytest.fixture
def reading(tmp_path, monkeypatch):
    """Use the default policy with both count rules switched to `combine = <reading>`."""
    from bot.config import reset_settings_cache

    def use(combine: str) -> None:
        text = Path("config/policy/default.toml").read_text(encoding="utf-8")
        assert text.count('combine = "any"') == 2
        (tmp_path / "default.toml").write_text(text.replace('combine = "any"', f'combine = "{combine}"'))
        monkeypatch.setenv("POLICY_DIR", str(tmp_path))
        reset_settings_cache()

    return use


@pytest.mark.parametrize(
    ("combine", "criticised", "advised_to_resign"),
    [
        # 和 as "either case": one plenary absence alone, or three committee absences alone
        ("any", {"P1", "P1C2", "P1C3", "C3", "P2C5", "P2C6", "L3C6"}, {"P2C5", "P2C6", "L3C6"}),
        # 和 as "both": a plenary absence and three committee absences; (2 absences or 3 leaves) and 6
        ("all", {"P1C3", "P2C5", "P2C6"}, {"P2C6", "L3C6"}),
    ],
)
async def test_both_readings_of_the_speech(db, clock, reading, combine, criticised, advised_to_resign):
    reading(combine)
    await factories.member("值班员", role=Role.STAFF, qq="5000")
    m = {name: await factories.member(name) for name in SPEECH_SCENARIO}
    for n in range(3):
        await helpers.hold(
            ActivityType.PLENARY,
            absent=[m[k] for k, (p, _, _) in SPEECH_SCENARIO.items() if n < p],
            leave=[m[k] for k, (_, leaves, _) in SPEECH_SCENARIO.items() if n < leaves],
            present=[m[k] for k, (p, leaves, _) in SPEECH_SCENARIO.items() if n >= p + leaves],
        )
        await rules.evaluate_all(2026)  # the night after each meeting
    for n in range(6):
        await helpers.hold(
            ActivityType.COMMITTEE,
            absent=[m[k] for k, (_, _, c) in SPEECH_SCENARIO.items() if n < c],
            present=[m[k] for k, (_, _, c) in SPEECH_SCENARIO.items() if n >= c],
        )
        await rules.evaluate_all(2026)
    found = await drafts()
    assert {name for rule, name, _ in found if rule == "absence-criticism"} == criticised
    assert {name for rule, name, _ in found if rule == "absence-resign"} == advised_to_resign
    if combine == "any":
        return
    # `all`: a reminder only once the other clause is reached and this one is a step away
    assert await reminders() == {
        ("absence-criticism", "P1C2", 2),
        ("absence-criticism", "P1C3", 2),
        ("absence-criticism", "P2C5", 2),
        ("absence-criticism", "P2C6", 2),
        ("absence-resign", "P2C5", 5),
        ("absence-resign", "P2C6", 5),
        ("absence-resign", "L3C6", 5),
    }
    [reminder] = [
        row
        for row in await OutboxMessage.filter(kind="rule_reminder")
        if recipients.load(row.recipient) == recipients.MemberRecipient(m["P1C2"].id)
    ]
    assert render(reminder.template, **reminder.context).splitlines()[1] == (
        "您在 2026 年度全体会议中已缺席（未请假） 1 次，专委会活动中已缺席（未请假） 2 次。"
        "按照委员履职管理规定，再缺席专委会活动 1 次将被通报批评。"
    )
    draft = await Consequence.get(rule="absence-criticism", member_id=m["P1C3"].id)
    staff_note = await OutboxMessage.get(dedupe_key__startswith=f"consequence-draft:{draft.id}:")
    assert (
        "全体会议缺席 1/1 次（本届累计 1 次），且专委会活动缺席 3/3 次（本届累计 3 次），拟通报批评"
        in render(staff_note.template, **staff_note.context)
    )

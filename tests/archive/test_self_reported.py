"""Points that cannot be gamed: self-reported records count up to the policy's cap until staff
confirm them; the same record twice on one day is refused; the export says which is which."""

from __future__ import annotations

from pathlib import Path

import pytest
from nonebug import App
from openpyxl import load_workbook

from bot.render import render
from bot.sender import Sender
from bot.services import assessment, export, policy, progress, record_review, records
from bot.services.actors import Actor
from models import Identity, Member, Record, RecordKind, Role
from tests import factories
from tests.archive.test_assessment import fixture
from tests.qq_events import ReplyWith, exchange, private_event

DEFAULT = Path("config/policy/default.toml").read_text(encoding="utf-8")
MEMBER_QQ = "10031"


async def test_twenty_speeches_typed_in_chat_do_not_lift_score_rank_or_grade(app: App, db, clock, tmp_path):
    ids = await fixture()
    c = await Member.get(id=ids["丙"])
    await Identity.create(member=c, platform="qq", account_id=MEMBER_QQ)
    before = (await assessment.assess(2026)).of(c.id)
    assert (before.score, before.rank, before.grade) == (13.0, 3, "不合格")

    steps = [
        (
            private_event(MEMBER_QQ, f"发言 第{n}次在专委会会议上就养老服务发言"),
            ReplyWith("已记入本年度履职档案"),
        )
        for n in range(1, 21)
    ]
    await exchange(app, *steps)
    assert await Record.filter(member_id=c.id, kind=RecordKind.SPEECH).count() == 21
    await exchange(
        app,
        (
            private_event(MEMBER_QQ, "发言　第２０次在专委会会议上就养老服务发言"),
            ReplyWith("今天已记录过相同的会议发言", "无需重复发送"),
        ),
    )
    assert await Record.filter(member_id=c.id, kind=RecordKind.SPEECH).count() == 21

    after = (await assessment.assess(2026)).of(c.id)
    assert (after.score, after.rank, after.grade) == (13.0, 3, "不合格")
    assert {i.label: i.count for i in after.items}["会议发言"] == 1
    path, count = await export.commendations(2026, tmp_path / "praise.xlsx", ["合格"])
    names = [row[1].value for row in load_workbook(path)["表彰名单"].iter_rows(min_row=2)]
    assert "丙" not in names and count == 2

    staff = await factories.member("值班员", role=Role.STAFF, qq="5000")
    actor = Actor(Sender("qq", "5000"), staff)
    newest = await Record.filter(member_id=c.id, kind=RecordKind.SPEECH).order_by("-id").first()
    await record_review.confirm_record(actor, str(newest.id))
    confirmed = (await assessment.assess(2026)).of(c.id)
    assert confirmed.score == 18.0 and {i.label: i.count for i in confirmed.items}["会议发言"] == 2


async def test_the_reply_says_when_a_record_waits_for_confirmation(db, clock):
    member = await factories.member("林建国")
    first = await records.log(member, RecordKind.DEED, "为社区老人义诊")
    second = await records.log(member, RecordKind.DEED, "为山区学校捐书")
    assert not await records.awaits_confirmation(first)
    assert await records.awaits_confirmation(second)
    text = render("record/logged.j2", record=second, pending=True)
    assert f"记录 #{second.id}" in text and "经工作人员确认后计分" in text
    assert "确认后计分" not in render("record/logged.j2", record=first, pending=False)
    # a visit of another 四访 kind is still within its own cap
    visit = await records.log_visit(member, "企业 走访园区企业了解用工情况")
    assert not await records.awaits_confirmation(visit)
    with pytest.raises(Exception) as twice:
        await records.log_visit(member, "企业职工 走访园区企业了解用工情况")
    assert "今天已记录过相同的走访" in twice.value.render()  # type: ignore[attr-defined]
    # the same words under another 四访 kind are another visit
    await records.log_visit(member, "社区 走访园区企业了解用工情况")


async def test_my_progress_counts_what_the_assessment_counts(db, clock):
    member = await factories.member("林建国")
    await records.log(member, RecordKind.OPINION, "建议增设公交线路")
    await records.log(member, RecordKind.OPINION, "建议延长图书馆开放时间")
    p = await progress.for_member(member)
    assert p.awaiting_confirmation == 1
    [task] = [t for t in p.five_ones if t.name.startswith("完成一篇")]
    assert [e.label for e in task.evidence] == ["建议增设公交线路"]
    assert "另有 1 条本人填报的记录待工作人员确认后计入" in render("progress/mine.j2", p=p, standing=None)


async def test_cap_zero_counts_nothing_before_confirmation_and_staff_entries_count(db, clock):
    strict = policy.parse(DEFAULT.replace("deed = 1\n", "deed = 0\n"))
    member = await factories.member("林建国")
    await records.log(member, RecordKind.DEED, "为社区老人义诊")
    result = await assessment.assess(2026, strict)
    assert result.of(member.id).five_ones["好事实事"] is False
    await records.log(member, RecordKind.DEED, "为山区学校捐书", recorded_by="cli")
    result = await assessment.assess(2026, strict)
    assert result.of(member.id).five_ones["好事实事"] is True
    assert {i.label: i.count for i in result.of(member.id).items}["好事实事"] == 1


def test_cap_mistakes_are_reported_with_their_line():
    text = DEFAULT.replace("visit = 1\n", "visit = -1\nvisits = 2\n")
    with pytest.raises(policy.PolicyError) as error:
        policy.parse(text, "test.toml")
    found = {(p.code, p.key) for p in error.value.problems}
    assert found == {
        ("too_small", "records.unconfirmed_cap.visit"),
        ("unknown_key", "records.unconfirmed_cap.visits"),
    }
    lines = text.splitlines()
    assert all(lines[p.line - 1].startswith(p.key.rsplit(".", 1)[1]) for p in error.value.problems)
    assert policy.parse(DEFAULT).counting.cap("speech") == 1


async def test_export_marks_confirmed_staff_entered_and_self_reported(db, clock, tmp_path):
    member = await factories.member("林建国")
    staff = await factories.member("值班员", role=Role.STAFF, qq="5000")
    own = await records.log(member, RecordKind.SPEECH, "在全会上作大会发言")
    await records.log(member, RecordKind.SPEECH, "在专委会会议上发言")
    await records.log(member, RecordKind.SPEECH, "在协商会上发言", recorded_by="cli")
    await record_review.confirm_record(Actor(Sender("qq", "5000"), staff), str(own.id))
    book = load_workbook(await export.year_archive(2026, tmp_path / "y.xlsx"))
    sheet = book["会议发言"]
    header = [c.value for c in sheet[1]]
    marks = {row[2].value: row[header.index("核实")].value for row in sheet.iter_rows(min_row=2)}
    assert marks == {
        "在全会上作大会发言": "已确认",
        "在专委会会议上发言": "本人填报",
        "在协商会上发言": "工作人员录入",
    }

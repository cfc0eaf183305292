"""The year export as staff print and check it: 得分明细 adds up to every score, 专委会 ranks and one
sheet per 专委会 on request, header rows repeated on printed pages, wide sheets landscape, and
出席率 reading approved leave as the policy says, with the formula in the header."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest
from openpyxl import load_workbook

from bot.services import assessment, export, records
from models import ActivityType, Attendance, Record, RecordKind
from tests import factories
from tests.archive import helpers
from tests.archive.test_assessment import fixture

DEFAULT = Path("config/policy/default.toml").read_text(encoding="utf-8")


async def test_score_detail_adds_up_to_every_score_with_its_record(db, clock, tmp_path):
    ids = await fixture()
    member = await factories.member("戊", committees=("经济委",))
    await records.log(member, RecordKind.DEED, "为社区老人义诊")
    await records.log(member, RecordKind.DEED, "为山区学校捐书")  # over the cap: 0, waiting
    book = load_workbook(await export.year_archive(2026, tmp_path / "y.xlsx"))
    detail = book["得分明细"]
    assert [c.value for c in detail[1]] == ["姓名", "项目", "次数", "得分", "依据"]
    totals: dict[str, float] = defaultdict(float)
    lines: dict[str, dict[str, tuple]] = defaultdict(dict)
    for name, item, count, points, refs in detail.iter_rows(min_row=2, values_only=True):
        totals[name] += points
        lines[name][item] = (count, points, refs)
    scores = {row[1]: row[5] for row in book["汇总"].iter_rows(min_row=2, values_only=True)}
    assert scores == {name: pytest.approx(total) for name, total in totals.items()}
    assert set(scores) == {"甲", "乙", "丙", "丁", "戊"} and scores["戊"] == 3
    first, second = await Record.filter(member_id=member.id).order_by("id").values_list("id", flat=True)
    assert lines["戊"] == {
        "好事实事": (1, 3, f"#{first}"),
        "好事实事（本人填报，待确认，未计分）": (1, 0, f"#{second}"),
    }
    activity = await Attendance.filter(member_id=ids["丁"]).values_list("activity_id", flat=True)
    assert lines["丁"] == {"全体会议缺席": (1, -5, f"#{activity[0]}"), "提案（联名）": (1, 3, "0002")}


async def test_print_titles_orientation_and_committee_sheets(db, clock, tmp_path):
    await fixture()
    path = await export.year_archive(2026, tmp_path / "y.xlsx", by_committee=True)
    book = load_workbook(path)
    assert book.sheetnames[:3] == ["汇总", "专委会·文史委", "专委会·经济委"]
    for sheet in book.worksheets:
        assert sheet.print_title_rows == "$1:$1", sheet.title
        assert sheet.freeze_panes == "A2"
    assert book["汇总"].page_setup.orientation == "landscape"
    assert book["得分明细"].page_setup.orientation != "landscape"
    committee = [row[:6] for row in book["专委会·经济委"].iter_rows(min_row=2, values_only=True)]
    assert committee == [
        (1, "甲", "经济界", 23, "合格", 1),
        (1, "乙", "教育界", 23, "合格", 1),
        (3, "丙", "教育界", 13, "不合格", 3),
    ]
    plain = load_workbook(await export.year_archive(2026, tmp_path / "plain.xlsx"))
    assert not any(name.startswith("专委会·") for name in plain.sheetnames)


@pytest.mark.parametrize("reading", ["excused", "absent"])
async def test_attendance_rate_reads_leave_as_the_policy_says(db, clock, tmp_path, monkeypatch, reading):
    from bot.config import get_settings

    text = DEFAULT.replace('leave = "excused"', f'leave = "{reading}"')
    (tmp_path / "default.toml").write_text(text, encoding="utf-8")
    monkeypatch.setattr(get_settings(), "policy_dir", str(tmp_path))
    member = await factories.member("林建国")
    await helpers.hold(ActivityType.COMMITTEE, present=[member])
    await helpers.hold(ActivityType.COMMITTEE, leave=[member])
    standing = (await assessment.assess(2026)).of(member.id)
    expected_rate, formula = (1.0, "实到÷(应到−请假)") if reading == "excused" else (0.5, "实到÷应到")
    assert (standing.expected, standing.leave, standing.attended, standing.attendance_rate) == (
        2,
        1,
        1,
        expected_rate,
    )
    summary = load_workbook(await export.year_archive(2026, tmp_path / "y.xlsx"))["汇总"]
    header = [c.value for c in summary[1]]
    assert f"出席率（{formula}）" in header
    assert summary.cell(2, header.index(f"出席率（{formula}）") + 1).value == expected_rate

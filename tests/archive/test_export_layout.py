"""The year export as staff print and check it: 得分明细 adds up to every score, 专委会 ranks and one
sheet per 专委会 on request, header rows repeated on printed pages, wide sheets landscape, and
出席率 reading approved leave as the policy says, with the formula in the header."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest
from openpyxl import load_workbook

from bot.services import assessment, export, records
from models import ActivityType, RecordKind
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
    totals: dict[str, float] = defaultdict(float)
    lines: dict[str, list[tuple]] = defaultdict(list)
    for row in book["得分明细"].iter_rows(min_row=2, values_only=True):
        totals[row[0]] += row[4]
        lines[row[0]].append(row)
    scores = {row[1]: row[5] for row in book["汇总"].iter_rows(min_row=2, values_only=True)}
    assert scores == {**{name: pytest.approx(total) for name, total in totals.items()}, "戊": 3}
    assert set(scores) == {"甲", "乙", "丙", "丁", "戊"} and ids
    waiting = [line for line in lines["戊"] if line[4] == 0]
    assert [line[2].split(" ", 1)[1] for line in waiting] == ["为山区学校捐书（本人填报，待确认，未计分）"]
    assert {line[1]: line[4] for line in lines["丁"]} == {"全体会议缺席": -5, "提案（联名）": 3}


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

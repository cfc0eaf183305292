"""表彰 as the speech describes it: candidates from the policy's criteria, staff nominate and
confirm, and the list goes out with one sheet per body it is reported to."""

from __future__ import annotations

from pathlib import Path

import pytest
from nonebug import App
from openpyxl import load_workbook

from bot.services import commendation, commendation_export, policy, proposals
from models import ActivityType, Commendation, CommendationStatus, Member, ReportStatus, Role
from tests import factories
from tests.archive import helpers
from tests.qq_events import ReplyWith, exchange, private_event

DEFAULT = Path("config/policy/default.toml").read_text(encoding="utf-8")
STAFF_QQ = "5000"


def say(text: str) -> object:
    return private_event(STAFF_QQ, text)


async def committee() -> dict[str, int]:
    """甲 attends all three activities; 乙 has two 社情民意 adopted; 丙's 提案 was answered 满意 and
    丁 co-signed it; 戊 attended one of one (below the three activities the criterion asks)."""
    names = ("甲", "乙", "丙", "丁", "戊")
    employers = {"甲": "区教育局", "乙": "青石科技有限公司", "丙": "区教育局"}
    members = {n: await factories.member(n, sector="教育界", committees=("教科委",)) for n in names}
    for name, employer in employers.items():
        await Member.filter(id=members[name].id).update(employer=employer)
    a, b, c, d, e = (members[n] for n in names)
    for _ in range(3):
        await helpers.hold(ActivityType.COMMITTEE, present=[a], absent=[b, c, d])
    await helpers.hold(ActivityType.INSPECTION, present=[e])
    await helpers.report(b, ReportStatus.ADOPTED, "city")
    await helpers.report(b, ReportStatus.INSTRUCTED, "district")
    await proposals.record(c, "0003", "关于课后服务的提案", ["丁"], "cli")
    for step in ("交办 区教育局", "已答复", "满意"):
        await proposals.advance("0003", step, "cli")
    return {n: m.id for n, m in members.items()}


async def test_candidates_nominate_confirm_and_export_per_recipient(app: App, db, clock, tmp_path):
    await factories.member("值班员", role=Role.STAFF, qq=STAFF_QQ)
    ids = await committee()
    found = {c.standing.name: c.reasons for c in await commendation.candidates(2026)}
    assert found == {
        "甲": ["积极参加政协会议和活动（出席率 100%）"],
        "乙": ["社情民意被采用 2 篇"],
        "丙": ["提案办理满意 1 件"],
        "丁": ["提案办理满意 1 件"],  # co-signing counts, as the policy reads it by default
    }
    await exchange(
        app,
        (
            say("表彰候选"),
            ReplyWith("2026 年度表彰候选", "：4 人", "乙（教育界）", "社情民意被采用 2 篇", absent=("戊",)),
        ),
        (say("提名表彰 全部候选"), ReplyWith("2026 年度已提名表彰 4 人")),
        (say("提名表彰 戊 带头参加抗洪救灾"), ReplyWith("已提名表彰 1 人：戊")),
        (say("提名表彰 甲"), ReplyWith("已提名表彰 0 人", "未重复提名：甲")),
        (say("确认表彰 丁"), ReplyWith("已确认表彰 1 人：丁")),
        (say("确认表彰 全部"), ReplyWith("已确认表彰 4 人")),
        (say("确认表彰 全部"), "2026 年度「全部」没有待确认的表彰提名。先发送“提名表彰 …”提名。"),
    )
    rows = await Commendation.filter(year=2026).values_list("member_id", "status", "reasons")
    assert {(m, str(s)) for m, s, _ in rows} == {(i, CommendationStatus.CONFIRMED) for i in ids.values()}
    assert dict((m, r) for m, _, r in rows)[ids["戊"]] == "带头参加抗洪救灾"

    path, count = await commendation_export.export(2026, tmp_path / "praise.xlsx")
    book = load_workbook(path)
    assert count == 5
    assert book.sheetnames == [
        "报组织部",
        "报统战部",
        "单位·区教育局",
        "单位·未填工作单位",
        "单位·青石科技有限公司",
    ]
    everyone = [row for row in book["报组织部"].iter_rows(min_row=2, values_only=True)]
    assert [row[1] for row in everyone] == [
        row[1] for row in book["报统战部"].iter_rows(min_row=2, values_only=True)
    ]
    assert {row[1] for row in everyone} == {"甲", "乙", "丙", "丁", "戊"}
    assert [c.value for c in book["报组织部"][1]] == [
        "序号",
        "姓名",
        "界别",
        "专委会",
        "工作单位",
        "表彰事由",
        "得分",
        "排名",
    ]
    bureau = [row[1:6] for row in book["单位·区教育局"].iter_rows(min_row=2, values_only=True)]
    assert sorted(bureau) == [
        ("丙", "教育界", "教科委", "区教育局", "提案办理满意 1 件"),
        ("甲", "教育界", "教科委", "区教育局", "积极参加政协会议和活动（出席率 100%）"),
    ]
    assert book["报组织部"].print_title_rows == "$1:$1"


def test_commendation_criteria_are_policy():
    loaded = policy.parse(DEFAULT)
    assert loaded.commendation.min_attendance_rate == 0.9 and loaded.commendation.recipients == (
        "组织部",
        "统战部",
    )
    with pytest.raises(policy.PolicyError) as error:
        policy.parse(DEFAULT.replace("min_attendance_rate = 0.9", "min_attendance_rate = 90"), "t.toml")
    [problem] = error.value.problems
    assert (problem.code, problem.key) == ("bad_rate", "commendation.min_attendance_rate")


async def test_roster_reads_the_employer_and_a_file_without_it_keeps_it(db, tmp_path):
    from bot.services import roster

    header = "姓名,性别,界别,专委会,手机,生日,角色"
    with_employer = tmp_path / "a.csv"
    with_employer.write_text(
        f"{header},工作单位\n林建国,男,经济界,经济委,13900000002,,委员,区教育局\n", encoding="utf-8-sig"
    )
    without = tmp_path / "b.csv"
    without.write_text(f"{header}\n林建国,男,经济界,经济委,13900000002,,委员\n", encoding="utf-8-sig")
    assert (await roster.import_file(with_employer)).created == 1
    assert (await Member.get(name="林建国")).employer == "区教育局"
    again = await roster.import_file(without)
    assert (again.updated, again.unchanged) == (0, 1)
    assert (await Member.get(name="林建国")).employer == "区教育局"
    assert (await roster.export_rows())[1][-1] == "区教育局"

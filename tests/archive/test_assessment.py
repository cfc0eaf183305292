"""Scores, ranks (ties share a rank) and grades for a hand-computed fixture; a constant query count."""

from __future__ import annotations

from pathlib import Path

from bot.services import assessment, policy, proposals
from models import ActivityType, RecordKind, ReportStatus, Role
from tests import factories
from tests.archive import helpers
from tests.archive.querycount import count_queries

DEFAULT = Path("config/policy/default.toml").read_text(encoding="utf-8")


async def fixture() -> dict[str, int]:
    """Default points: present 5, late 3, absent -5 (plenary); proposal 10, co-signed 3; report city
    adoption 8, accepted 3; research 8, speech 5, visit 2.

    甲 = 5 + 8 + 10 = 23 · 乙 = 5 + 10 + 8 = 23 · 丙 = 3 + 3 + 5 + 2 = 13 · 丁 = -5 + 3 = -2
    Ranks 1, 1, 3, 4. 经济委 (甲 乙 丙): 1, 1, 3. 文史委 (丙 丁): 1, 2.
    """
    a = await factories.member("甲", committees=("经济委",), sector="经济界")
    b = await factories.member("乙", committees=("经济委",), sector="教育界")
    c = await factories.member("丙", committees=("经济委", "文史委"), sector="教育界")
    d = await factories.member("丁", committees=("文史委",), sector="民革")
    await factories.member("职员", role=Role.STAFF)
    await helpers.hold(ActivityType.PLENARY, present=[a, b], late=[c], absent=[d])
    await helpers.report(a, ReportStatus.ADOPTED, "city")
    await helpers.proposal(a, "0001")
    await proposals.record(b, "0002", "关于职业教育的提案", ["丁", "不在名单的人"], "member:9")
    await helpers.record(b, RecordKind.RESEARCH)
    await helpers.report(c, ReportStatus.ACCEPTED)
    await helpers.record(c, RecordKind.SPEECH)
    await helpers.record(c, RecordKind.VISIT, "社区居民")
    return {"甲": a.id, "乙": b.id, "丙": c.id, "丁": d.id}


async def test_scores_ranks_and_grades_by_score(db, clock):
    ids = await fixture()
    result = await assessment.assess(2026)
    table = {s.name: (s.score, s.rank, s.grade) for s in result.standings}
    assert table == {
        "甲": (23.0, 1, "合格"),
        "乙": (23.0, 1, "合格"),
        "丙": (13.0, 3, "不合格"),
        "丁": (-2.0, 4, "不合格"),
    }
    assert "职员" not in table  # staff are not assessed
    assert result.of(ids["丙"]).committee_ranks == {"经济委": 3, "文史委": 1}
    assert result.of(ids["丁"]).committee_ranks == {"文史委": 2}
    assert result.of(ids["甲"]).committee_ranks == {"经济委": 1}
    items = {i.label: (i.count, i.points) for i in result.of(ids["丙"]).items}
    assert items == {
        "全体会议迟到": (1, 3.0),
        "社情民意受理": (1, 3.0),
        "会议发言": (1, 5.0),
        "走访社区居民": (1, 2.0),
    }
    assert {i.label for i in result.of(ids["丁"]).items} == {"全体会议缺席", "提案（联名）"}
    b = result.of(ids["乙"])
    assert b.five_ones == {
        "提案": True,
        "社情民意": False,
        "视察调研": False,
        "调研报告或意见建议": True,
        "好事实事": False,
    }
    assert b.missing == ["社情民意", "视察调研", "好事实事"]
    assert result.of(ids["丁"]).attendance_rate == 0.0 and b.attendance_rate == 1.0


async def test_grade_thresholds_and_rank_shares(db, clock):
    await fixture()
    by_score = policy.parse(
        DEFAULT.replace("min_score = 80", "min_score = 20")
        .replace("min_score = 50", "min_score = 10")
        .replace(
            'min_score = 20\n\n[[grading.grades]]\nname = "不合格"',
            'min_score = 0\n\n[[grading.grades]]\nname = "不合格"',
        )
    )
    grades = {s.name: s.grade for s in (await assessment.assess(2026, by_score)).standings}
    assert grades == {"甲": "优秀", "乙": "优秀", "丙": "良好", "丁": "不合格"}

    share_text = DEFAULT.replace('method = "score"', 'method = "share"')
    for old, new in (
        ("min_score = 80", "share = 0.25"),
        ("min_score = 50", "share = 0.25"),
        ("min_score = 20", "share = 0.25"),
    ):
        share_text = share_text.replace(old, new)
    by_share = policy.parse(share_text)
    # 4 members: 优秀 covers rank ≤ 1 (甲 and 乙 tie at 1: both), 良好 rank ≤ 2 (nobody left), 合格 ≤ 3.
    grades = {s.name: s.grade for s in (await assessment.assess(2026, by_share)).standings}
    assert grades == {"甲": "优秀", "乙": "优秀", "丙": "合格", "丁": "不合格"}


def test_competition_ranking():
    assert assessment.competition_ranks([9, 9, 7, 7, 7, 1]) == [1, 1, 3, 3, 3, 6]
    assert assessment.competition_ranks([]) == []


async def test_query_count_does_not_grow_with_members(db, clock):
    await fixture()
    with count_queries() as few:
        await assessment.assess(2026)
    for index in range(12):
        extra = await factories.member(f"委员{index}", committees=("经济委",))
        await helpers.report(extra)
        await helpers.record(extra, RecordKind.DEED)
    with count_queries() as many:
        result = await assessment.assess(2026)
    assert len(result.standings) == 16
    assert few.count == many.count and 5 <= few.count <= 10, few.statements


async def test_records_of_staff_and_former_members_do_not_break_the_ranking(db, clock):
    """A 委员 who left (deactivated) or became staff keeps their reports, proposals and records; the
    ranking of everyone else must still be computed (it raised KeyError, breaking 排名 and exports)."""
    from models import Member, MemberStatus

    ids = await fixture()
    gone = await Member.get(id=ids["丁"])
    staff = await factories.member("转岗者")
    await helpers.report(staff, ReportStatus.ACCEPTED)
    await helpers.proposal(staff, "0009")
    await helpers.record(staff, RecordKind.SPEECH)
    await Member.filter(id=staff.id).update(role=Role.STAFF)
    await Member.filter(id=gone.id).update(status=MemberStatus.INACTIVE)
    result = await assessment.assess(2026)
    assert {s.name for s in result.standings} == {"甲", "乙", "丙"}
    assert [s.rank for s in result.standings] == [1, 1, 3]

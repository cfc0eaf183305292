"""Policy files: the default loads; every mistake is reported with the line that is wrong."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot.services import policy
from models import ActivityType
from models.assessment import ConsequenceKind

DEFAULT_PATH = Path("config/policy/default.toml")
DEFAULT = DEFAULT_PATH.read_text(encoding="utf-8")


def line_of(text: str, needle: str, occurrence: int = 1) -> int:
    """1-based line of the n-th line containing `needle`."""
    hits = [n for n, line in enumerate(text.splitlines(), start=1) if needle in line]
    return hits[occurrence - 1]


def problems(text: str) -> list[policy.Problem]:
    with pytest.raises(policy.PolicyError) as error:
        policy.parse(text, "test.toml")
    return error.value.problems


def test_default_policy_encodes_the_seed_thresholds():
    loaded = policy.load_file(DEFAULT_PATH)
    rules = {r.id: r for r in loaded.count_rules}
    assert (
        rules["plenary-absence-criticism"].threshold,
        rules["plenary-absence-criticism"].activity_type,
    ) == (
        1,
        ActivityType.PLENARY,
    )
    assert rules["committee-absence-criticism"].threshold == 3
    assert rules["plenary-absence-resign"].threshold == 2
    assert (rules["plenary-leave-resign"].status, rules["plenary-leave-resign"].threshold) == ("leave", 3)
    assert rules["committee-absence-resign"].consequence == ConsequenceKind.RESIGN
    assert rules["committee-absence-resign"].threshold == 6
    assert rules["committee-absence-resign"].warn_at == 5
    assert [(r.years, r.consequence) for r in loaded.submission_rules] == [
        (1, ConsequenceKind.WRITTEN_NOTICE),
        (2, ConsequenceKind.RESIGN),
    ]
    assert loaded.attendance[ActivityType.PLENARY] == {"present": 5, "late": 3, "leave": 0, "absent": -5}
    assert [g.name for g in loaded.grades] == ["优秀", "良好", "合格", "不合格"]


def test_syntax_error_reports_its_line():
    broken = DEFAULT.replace("late = 3\n", "late = = 3\n", 1)
    [problem] = problems(broken)
    assert problem.code == "syntax" and problem.line == line_of(broken, "late = = 3")


def test_wrong_values_report_the_line_of_their_key():
    text = (
        DEFAULT.replace("city = 8", 'city = "八"')
        .replace("threshold = 6\nwarn_before = 1", "threshold = 6\nwarn_before = 6")
        .replace('consequence = "resign"', 'consequence = "fine"', 1)
        .replace("min_score = 50", "min_score = 90")
        .replace('activity_type = "专委会活动"', 'activity_type = "专委会"', 1)
    )
    found = {(p.code, p.line) for p in problems(text)}
    assert found == {
        ("not_number", line_of(text, 'city = "八"')),
        ("warn_too_early", line_of(text, "warn_before = 6")),
        ("bad_consequence", line_of(text, 'consequence = "fine"')),
        ("grades_not_descending", line_of(text, "min_score = 90")),
        ("bad_activity_type", line_of(text, 'activity_type = "专委会"')),
    }
    message = policy.PolicyError("test.toml", problems(text)).render()
    assert f"第 {line_of(text, 'warn_before = 6')} 行（rules.4.warn_before）" in message
    assert "提前提醒的次数必须小于阈值 6" in message


def test_missing_and_unknown_keys():
    text = DEFAULT.replace("late = 1\nleave = 0\nabsent = -2\n", "late = 1\nleave = 0\n").replace(
        "deed = 3 ", "deeds = 3 "
    )
    found = {(p.code, p.key, p.line) for p in problems(text)}
    assert ("missing", "attendance.学习培训.absent", line_of(text, '[attendance."学习培训"]')) in found
    assert ("unknown_key", "records.deeds", line_of(text, "deeds = 3")) in found
    assert ("missing", "records.deed", line_of(text, "[records]")) in found


def test_month_day_and_share_checks():
    text = DEFAULT.replace('due = "12-01"', 'due = "12/01"', 1).replace(
        'method = "score"', 'method = "share"'
    )
    found = {(p.code, p.line) for p in problems(text)}
    assert ("bad_month_day", line_of(text, 'due = "12/01"')) in found
    # `share` is missing from the first three grades: each is reported at its [[grading.grades]] header
    headers = {line_of(text, "[[grading.grades]]", n) for n in (1, 2, 3)}
    assert {line for code, line in found if code == "grade_bound"} == headers


def test_year_file_overrides_default(tmp_path, monkeypatch):
    from bot.config import reset_settings_cache

    (tmp_path / "default.toml").write_text(DEFAULT, encoding="utf-8")
    (tmp_path / "2027.toml").write_text(DEFAULT.replace("proposal = 10", "proposal = 12"), encoding="utf-8")
    monkeypatch.setenv("POLICY_DIR", str(tmp_path))
    reset_settings_cache()
    assert policy.for_year(2026).records["proposal"] == 10
    assert policy.for_year(2027).records["proposal"] == 12


@pytest.mark.e2e
def test_cli_policy_check(tmp_path):
    good = subprocess.run(
        [sys.executable, "-m", "bot.cli", "policy", "check", str(DEFAULT_PATH)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert good.returncode == 0 and "格式正确" in good.stdout
    bad_file = tmp_path / "bad.toml"
    bad = DEFAULT.replace("threshold = 3\n", "threshold = 0\n", 1)
    bad_file.write_text(bad, encoding="utf-8")
    refused = subprocess.run(
        [sys.executable, "-m", "bot.cli", "policy", "check", str(bad_file)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert refused.returncode == 1
    assert f"第 {line_of(bad, 'threshold = 0')} 行" in refused.stderr and "不能小于 1" in refused.stderr


async def test_a_broken_policy_is_reported_not_crashed(db, clock, tmp_path, monkeypatch):
    from bot.config import reset_settings_cache
    from bot.sender import Sender
    from bot.services import archive, assessment
    from bot.services.actors import Actor
    from models import ActivityType, Consequence, Role
    from tests import factories
    from tests.archive import helpers

    broken = DEFAULT.replace("present = 5", "present = fünf", 1)
    (tmp_path / "default.toml").write_text(broken, encoding="utf-8")
    monkeypatch.setenv("POLICY_DIR", str(tmp_path))
    reset_settings_cache()
    member = await factories.member("林建国")
    staff = await factories.member("值班员", role=Role.STAFF)
    # closing an activity still works; the rules wait for a valid policy (the nightly run catches up)
    await helpers.hold(ActivityType.PLENARY, absent=[member])
    assert await Consequence.all().count() == 0
    assert await assessment.own_standing(member.id, 2026) == (None, 0)
    with pytest.raises(policy.PolicyError) as refusal:
        await archive.ranking(Actor(Sender("qq", "1"), staff), "")
    assert f"第 {line_of(broken, 'present = fünf')} 行：格式错误" in refusal.value.render()

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
    criticism, resign = rules["absence-criticism"], rules["absence-resign"]
    # "无故缺席1次全体会议和3次专委会活动": two clauses, either one alone (combine = "any")
    assert criticism.consequence == ConsequenceKind.CRITICISM and criticism.combine == "any"
    assert [(c.activity_type, c.status, c.threshold) for c in criticism.conditions] == [
        (ActivityType.PLENARY, "absent", 1),
        (ActivityType.COMMITTEE, "absent", 3),
    ]
    assert [c.warn_at for c in criticism.conditions] == [None, 2]
    # "累计2次无故缺席或3次请假全体会议和累计6次无故缺席专委会活动": the 或 is one clause
    assert resign.consequence == ConsequenceKind.RESIGN and resign.combine == "any"
    assert [(c.activity_type, c.status, c.threshold, c.warn_at) for c in resign.conditions] == [
        (ActivityType.PLENARY, "absent", 2, 1),
        (ActivityType.PLENARY, "leave", 3, 2),
        (ActivityType.COMMITTEE, "absent", 6, 5),
    ]
    assert resign.clauses == [[0, 1], [2]]
    text = DEFAULT_PATH.read_text(encoding="utf-8")
    assert "无故缺席1次全体会议和3次专委会活动" in text  # the default says which reading it takes, and why
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
    assert f"第 {line_of(text, 'warn_before = 6')} 行（rules.1.conditions.2.warn_before）" in message
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


def test_unknown_keys_in_a_rule_in_grading_and_new_tables_are_errors():
    """A typo such as `warn_form` must not pass as 格式正确 and silently switch a reminder off."""
    text = (
        DEFAULT.replace('warn_from = "10-01"', 'warn_form = "10-01"', 1)
        .replace("threshold = 3\nwarn_before = 1", "threshold = 3\nwarn_befor = 1", 1)
        .replace('combine = "any"', 'combin = "any"', 1)
        .replace('[grading]\nmethod = "score"', '[grading]\nmethod = "score"\nround = 2')
        .replace('name = "良好"', 'name = "良好"\nlabel = "B"')
        .replace("[reports.adopted]", "[reports.adopt]\ncity = 1\n\n[reports.adopted]")
        + '\n[gradings]\nmethod = "share"\n'
    )
    found = {(p.code, p.key, p.line) for p in problems(text)}
    assert found == {
        ("unknown_key", "rules.2.warn_form", line_of(text, "warn_form")),
        ("unknown_key", "rules.0.conditions.1.warn_befor", line_of(text, "warn_befor = 1")),
        ("unknown_key", "rules.0.combin", line_of(text, 'combin = "any"')),
        ("unknown_key", "grading.round", line_of(text, "round = 2")),
        ("unknown_key", "grading.grades.1.label", line_of(text, 'label = "B"')),
        ("unknown_key", "reports.adopt", line_of(text, "[reports.adopt]")),
        ("unknown_key", "gradings", line_of(text, "[gradings]")),
    }
    message = policy.PolicyError("test.toml", problems(text)).render()
    assert f"第 {line_of(text, 'warn_form')} 行（rules.2.warn_form）：不认识的项目" in message


def test_rule_combination_and_window_are_checked():
    text = DEFAULT.replace('combine = "any"', 'combine = "both"', 1)
    [problem] = problems(text)
    assert (problem.code, problem.line) == ("bad_combine", line_of(text, 'combine = "both"'))
    assert "any" in policy.PolicyError("t", [problem]).render()
    inline_and_list = DEFAULT.replace(
        'id = "absence-criticism"\nkind = "count"',
        'id = "absence-criticism"\nkind = "count"\nthreshold = 2',
        1,
    )
    [problem] = problems(inline_and_list)
    assert (problem.code, problem.line) == (
        "conditions_and_inline",
        line_of(inline_and_list, "threshold = 2"),
    )


def test_a_rule_of_one_condition_is_written_inline():
    text = (
        DEFAULT[: DEFAULT.index("[[rules]]")]
        + (
            '[[rules]]\nid = "plenary-absence"\nkind = "count"\nactivity_type = "全体会议"\n'
            'status = "absent"\nthreshold = 2\nwarn_before = 1\nconsequence = "resign"\n\n'
        )
        + DEFAULT[DEFAULT.index("[grading]") :]
    )
    [rule] = policy.parse(text).count_rules
    assert (rule.id, rule.combine, len(rule.conditions), rule.conditions[0].warn_at) == (
        "plenary-absence",
        "any",
        1,
        1,
    )

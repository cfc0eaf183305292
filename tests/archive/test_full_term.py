"""A whole term (five years) entered through the history import — past plenaries and special-committee
activities with leaves and absences, 提案 and 社情民意 — then every rule of the speech checked at the
end of the fifth year, under both readings of its 和 (`combine = "any"` / `"all"`)."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from openpyxl import Workbook

from bot.cli.archive import OPERATOR
from bot.config import reset_settings_cache
from bot.services import history, rules, terms
from models import Consequence, Role
from tests import factories

ZONE = ZoneInfo("Asia/Shanghai")
YEARS = range(2022, 2027)
PLENARY = {year: f"{year}-03-01" for year in YEARS}
COMMITTEE = {
    2022: ["2022-05-01", "2022-09-01"],
    2023: ["2023-05-01", "2023-09-01"],
    2024: ["2024-05-01", "2024-09-01"],
    2025: ["2025-05-01", "2025-09-01"],
    2026: ["2026-05-01", "2026-07-01", "2026-09-01"],
}
# who: plenary outcomes by year (default 出席), special-committee absences by date
PLENARY_OUTCOMES = {
    "全会缺两次": {2023: "缺席", 2025: "缺席"},
    "请假三次": {2022: "请假", 2024: "请假", 2026: "请假"},
    "今年缺全会且专委会缺三次": {2026: "缺席"},
    "今年缺一次全会": {2026: "缺席"},
    "全会缺两次且专委会缺六次": {2022: "缺席", 2026: "缺席"},
}
COMMITTEE_ABSENCES = {
    "专委会缺六次": [d for y in (2023, 2024, 2025) for d in COMMITTEE[y]],
    "今年缺全会且专委会缺三次": COMMITTEE[2026],
    "全会缺两次且专委会缺六次": [*COMMITTEE[2023], *COMMITTEE[2024], "2026-05-01", "2026-07-01"],
}
# years without any 提案 or 社情民意 (everyone else files a 社情民意 every year)
SILENT_YEARS = {"两年未提交": {2025, 2026}, "去年提交过": {2026}}
NAMES = ["年年全勤", *PLENARY_OUTCOMES, "专委会缺六次", *SILENT_YEARS]


def sheet(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    book = Workbook()
    book.active.append(header)
    for row in rows:
        book.active.append(row)
    book.save(path)
    return path


def attendance_rows() -> list[list[str]]:
    rows = []
    for name in NAMES:
        for year, day in PLENARY.items():
            rows.append(
                [
                    f"{day} 09:00",
                    "全体会议",
                    f"{year}年全体委员会议",
                    name,
                    PLENARY_OUTCOMES.get(name, {}).get(year, "出席"),
                ]
            )
        for days in COMMITTEE.values():
            for day in days:
                status = "缺席" if day in COMMITTEE_ABSENCES.get(name, []) else "出席"
                rows.append([f"{day} 14:30", "专委会活动", f"经济委{day}调研座谈", name, status])
    return rows


def report_rows() -> list[list[str]]:
    return [
        [name, f"{year}-06-15", f"{year}年关于停车难的建议", "农贸市场周边停车难。"]
        for name in NAMES
        for year in YEARS
        if year not in SILENT_YEARS.get(name, set())
    ]


@pytest.fixture
def reading(tmp_path, monkeypatch):
    def use(combine: str) -> None:
        text = Path("config/policy/default.toml").read_text(encoding="utf-8")
        folder = tmp_path / "policy"
        folder.mkdir()
        (folder / "default.toml").write_text(text.replace('combine = "any"', f'combine = "{combine}"'))
        monkeypatch.setenv("POLICY_DIR", str(folder))
        reset_settings_cache()

    return use


ANY = (
    "any",  # 和 lists the cases: each one alone
    {"今年缺全会且专委会缺三次", "今年缺一次全会", "全会缺两次且专委会缺六次"},
    {"全会缺两次", "请假三次", "专委会缺六次", "全会缺两次且专委会缺六次"},
)
ALL = ("all", {"今年缺全会且专委会缺三次"}, {"全会缺两次且专委会缺六次"})  # 和 as "both"


# the default reading on both databases; the other reading on SQLite (the database adds nothing there)
@pytest.mark.parametrize(
    ("db", "combine", "criticised", "advised_to_resign"),
    [("sqlite", *ANY), ("postgres", *ANY), ("sqlite", *ALL)],
    indirect=["db"],
)
async def test_a_whole_term_through_the_history_import(
    db, clock, tmp_path, reading, combine, criticised, advised_to_resign
):
    reading(combine)
    clock.set(datetime(2026, 12, 15, 9, 0, tzinfo=ZONE))  # after the no-submission due date (12-01)
    await factories.member("值班员", role=Role.STAFF, qq="5000")
    for name in NAMES:
        await factories.member(name)
    await terms.set_term(OPERATOR, 15, date(2022, 1, 1), date(2026, 12, 31))

    attendance = await history.import_file(
        OPERATOR,
        "考勤",
        sheet(tmp_path / "考勤.xlsx", ["日期", "类型", "活动", "姓名", "状态"], attendance_rows()),
    )
    assert (attendance.activities, attendance.years) == (16, list(YEARS))
    reports = await history.import_file(
        OPERATOR,
        "社情民意",
        sheet(tmp_path / "社情民意.xlsx", ["姓名", "日期", "标题", "内容"], report_rows()),
    )
    proposals = await history.import_file(
        OPERATOR,
        "提案",
        sheet(
            tmp_path / "提案.xlsx",
            ["姓名", "日期", "标题"],
            [["年年全勤", "2025-03-05", "关于老旧小区改造的提案"]],
        ),
    )
    assert reports.years == list(YEARS) and proposals.years == [2025]

    await rules.evaluate_all(2026)
    drafted = set(await Consequence.all().values_list("rule", "member__name"))
    assert {n for r, n in drafted if r == "absence-criticism"} == criticised
    assert {n for r, n in drafted if r == "absence-resign"} == advised_to_resign
    # 一件提案不交、一条信息不提: 书面通报 within the year; two years running (2025 was entered as
    # history, so the committee that started mid-term still sees it) → 劝辞
    assert {n for r, n in drafted if r == "no-submission-notice"} == {"两年未提交", "去年提交过"}
    assert {n for r, n in drafted if r == "no-submission-two-years-resign"} == {"两年未提交"}

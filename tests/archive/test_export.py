"""The spreadsheets opened back with openpyxl: header, frozen pane, filter, widths and values."""

from __future__ import annotations

from datetime import datetime

import pytest
from openpyxl import load_workbook

from bot.services import export
from models import AuditEntry
from tests.archive.test_assessment import fixture


async def test_year_archive_summary_and_sheets(db, clock, tmp_path):
    await fixture()
    path = await export.year_archive(2026, tmp_path / "archive.xlsx")
    book = load_workbook(path)
    assert book.sheetnames == [
        "汇总",
        "考勤",
        "本届累计",
        "得分明细",
        "社情民意",
        "提案",
        "四访",
        "好事实事",
        "会议发言",
        "调研报告",
        "意见建议",
        "提醒告诫",
    ]
    summary = book["汇总"]
    header = [c.value for c in summary[1]]
    assert header[:7] == ["排名", "姓名", "界别", "专委会", "专委会排名", "得分", "档次"]
    assert header[-2:] == ["出席率（实到÷(应到−请假)）", "得分构成"]
    assert summary.freeze_panes == "A2"
    assert summary.auto_filter.ref == f"A1:{summary.cell(1, len(header)).column_letter}5"
    assert summary[1][0].font.bold
    assert summary.column_dimensions["B"].width >= 6 and summary.column_dimensions["D"].width >= 14
    rows = [[c.value for c in row] for row in summary.iter_rows(min_row=2)]
    assert [r[:7] for r in rows] == [
        [1, "甲", "经济界", "经济委", "经济委 1/3", 23, "合格"],
        [1, "乙", "教育界", "经济委", "经济委 1/3", 23, "合格"],
        [3, "丙", "教育界", "文史委、经济委", "文史委 1/2；经济委 3/3", 13, "不合格"],
        [4, "丁", "民革", "文史委", "文史委 2/2", -2, "不合格"],
    ]
    first = dict(zip(header, rows[0], strict=True))
    assert (first["提案"], first["社情民意"], first["好事实事"]) == ("✔", "✔", "✘")
    assert (first["应到"], first["请假"], first["实到"], first["出席率（实到÷(应到−请假)）"]) == (1, 0, 1, 1)
    assert summary.cell(2, header.index("出席率（实到÷(应到−请假)）") + 1).number_format == "0.0%"
    assert first["得分构成"] == "全体会议出席×1 +5；社情民意市级采用×1 +8；提案（第一提案人）×1 +10"

    attendance = book["考勤"]
    pivot_header = [c.value for c in attendance[1]]
    assert pivot_header[:5] == ["姓名", "全体会议·出席", "全体会议·迟到", "全体会议·请假", "全体会议·缺席"]
    assert len(pivot_header) == 1 + 7 * 4 + 1 and attendance.freeze_panes == "A2"
    assert attendance.auto_filter.ref == "A1:AD5"
    pivot = {row[0].value: [c.value for c in row[1:5]] for row in attendance.iter_rows(min_row=2)}
    assert pivot == {"甲": [1, 0, 0, 0], "乙": [1, 0, 0, 0], "丙": [0, 1, 0, 0], "丁": [0, 0, 0, 1]}
    proposals = [[c.value for c in row] for row in book["提案"].iter_rows(min_row=2)]
    assert [p[:4] for p in proposals] == [
        ["0001", "甲", "关于老旧小区改造的提案", None],  # empty cells read back as None
        ["0002", "乙", "关于职业教育的提案", "丁、不在名单的人"],
    ]
    assert proposals[1][5] == "member:9"  # who recorded it
    assert [c.value for c in book["四访"][1]] == [
        "编号",
        "姓名",
        "走访对象",
        "四问",
        "说明",
        "日期",
        "核实",
        "记录人",
        "记录时间",
        "确认人",
        "确认时间",
    ]
    assert [[c.value for c in row][1:3] for row in book["四访"].iter_rows(min_row=2)] == [["丙", "社区居民"]]
    assert [row[1].value for row in book["调研报告"].iter_rows(min_row=2)] == ["乙"]
    assert book["好事实事"].max_row == 1 and book["好事实事"].freeze_panes == "A2"


async def test_member_archive_and_commendations(db, clock, tmp_path):
    ids = await fixture()
    path = await export.member_archive(ids["丙"], 2026, tmp_path / "member.xlsx")
    book = load_workbook(path)
    overview = {row[0].value: row[1].value for row in book["概况"].iter_rows(min_row=2)}
    assert overview["姓名"] == "丙" and overview["得分"] == 13 and overview["总排名"] == "3/4"
    assert overview["文史委排名"] == "1/2" and overview["五个一：社情民意"] == "已完成"
    assert book.sheetnames[:5] == ["概况", "得分明细", "考勤", "社情民意", "提案"]
    [visit] = [[c.value for c in row] for row in book["考勤"].iter_rows(min_row=2)]
    assert visit[0] == "丙" and visit[2:4] == ["活动", "全体会议"] and visit[5] == "迟到"
    assert visit[4] == datetime(2026, 6, 1, 9, 10)  # local time of the start, as Excel has no zones
    assert [c.value for c in book["得分明细"][1]] == ["姓名", "项目", "依据", "日期", "得分"]
    items = {row[1].value: (row[2].value, row[4].value) for row in book["得分明细"].iter_rows(min_row=2)}
    assert items["全体会议迟到"] == (f"#{visit[1]} 活动", 3)
    assert items["社情民意受理"][1] == 3 and items["社情民意受理"][0].endswith(" 停车难")
    assert items["会议发言"][1] == 5 and items["会议发言"][0].endswith(" 为社区老人义诊")
    assert items["走访社区居民"][1] == 2 and len(items) == 4
    [speech] = [[c.value for c in row] for row in book["会议发言"].iter_rows(min_row=2)]
    assert (
        speech[1:3] == ["丙", "为社区老人义诊"]
        and speech[3] == datetime(2026, 5, 1)
        and speech[4:6] == ["本人填报", "self"]
    )
    [visit_record] = [[c.value for c in row] for row in book["四访"].iter_rows(min_row=2)]
    assert visit_record[2] == "社区居民"
    assert {row[1].value for row in book["社情民意"].iter_rows(min_row=2)} == {"丙"}

    path, count = await export.commendations(2026, tmp_path / "praise.xlsx", ["合格"])
    sheet = load_workbook(path)["表彰名单"]
    assert count == 2
    assert [[c.value for c in row] for row in sheet.iter_rows(min_row=2)] == [
        [1, "甲", "经济界", "经济委", 23, 1, "合格"],
        [2, "乙", "教育界", "经济委", 23, 1, "合格"],
    ]
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == "A1:G3"


async def test_cli_exports_write_audit_entries(db, clock, tmp_path):
    from bot.cli import archive
    from bot.services.errors import ServiceError

    await fixture()
    out = tmp_path / "y.xlsx"
    assert str(out) in await archive.export_year(2026, str(out))
    assert out.is_file()
    assert "m.xlsx" in await archive.export_member("丙", 2026, str(tmp_path / "m.xlsx"))
    with pytest.raises(ServiceError):
        await archive.export_member("无此人", 2026, str(tmp_path / "x.xlsx"))
    assert not (tmp_path / "x.xlsx").exists()
    entries = await AuditEntry.all().order_by("id").values_list("actor", "action", "target")
    assert entries == [("cli", "archive_export", "year:2026"), ("cli", "member_export", "")]


async def test_cli_proposals_and_audit_log(db, clock):
    from bot.cli import archive
    from bot.services import audit
    from models import OutboxMessage
    from tests import factories

    main = await factories.member("林建国")
    await factories.member("王芳")
    added = await archive.add_proposal("林建国", "0007", "关于社区养老的提案", "王芳,张三")
    assert "已登记提案 0007「关于社区养老的提案」，第一提案人 林建国，联名：王芳、张三（记录人 命令行）" in (
        added
    )
    assert await archive.advance_proposal("0007", ["交办", "区民政局"])
    assert await OutboxMessage.filter(kind="proposal_progress").count() == 2

    await audit.record("member:3", "archive_view", main)
    clock.advance(days=2)
    await audit.record("member:3", "archive_export", "year:2026")
    out = await archive.read_audit("2026-06-02", "", "", 50)
    assert "member:3  导出年度档案  year:2026" in out and "查看个人档案" not in out
    out = await archive.read_audit(None, "member:3", "", 50)
    assert f"查看个人档案  member:{main.id}" in out and "林建国" not in out  # a reference, never the data

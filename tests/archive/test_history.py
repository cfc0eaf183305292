"""History sheets are checked like the roster: every bad row with its line, all or nothing."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.cli import history as history_cli
from bot.cli.archive import OPERATOR
from bot.cli.runner import UsageProblem
from bot.services import history
from bot.services.errors import ServiceError
from models import Activity, AuditEntry, Proposal, ProposalCosigner, Record, RecordKind, Report

ZONE = ZoneInfo("Asia/Shanghai")


async def _people():
    from tests import factories

    await factories.member("林建国")
    await factories.member("王秀英")
    await factories.member("张伟")
    await factories.member("张伟", phone="13900000099")  # two members share this name


async def test_every_bad_row_is_reported_with_its_line_and_nothing_is_written(db, clock, tmp_path):
    await _people()
    csv = tmp_path / "好事.csv"
    csv.write_text(
        "姓名,日期,内容\n"
        "林建国,2024-05-01,为社区老人义诊\n"  # line 2: fine
        "李四,2024-05-02,捐资助学\n"  # line 3: not in the roster
        "张伟,2024-05-03,修桥\n"  # line 4: two members of that name
        "王秀英,2024-13-01,植树\n"  # line 5: no such date
        "王秀英,2027-01-01,植树\n"  # line 6: not yet
        "林建国,2024-06-01,\n",  # line 7: nothing done
        encoding="utf-8",
    )
    with pytest.raises(ServiceError) as refused:
        await history.import_file(OPERATOR, "好事实事", csv)
    text = refused.value.render()
    assert [(p.line, p.code) for p in refused.value.context["problems"]] == [
        (3, "member_unknown"),
        (4, "member_ambiguous"),
        (5, "bad_date"),
        (6, "date_out_of_range"),
        (7, "missing"),
    ]
    assert "第 3 行：名册中没有“李四”" in text and "未导入任何记录" in text
    assert not await Record.exists()


async def test_sheets_and_single_entries_keep_their_real_dates(db, clock, tmp_path):
    await _people()
    visits = tmp_path / "走访.csv"
    visits.write_text("姓名,日期,走访对象,内容\n林建国,2024年5月1日,乡村农户,了解春耕\n", encoding="utf-8")
    done = await history.import_file(OPERATOR, "走访", visits)
    assert (done.rows, done.years) == (1, [2024])
    [visit] = await Record.all()
    assert (visit.kind, visit.visit_type, visit.occurred_on, visit.year) == (
        RecordKind.VISIT,
        "乡村农户",
        date(2024, 5, 1),
        2024,
    )
    assert visit.confirmed_at is not None  # entered by staff: counts without confirmation

    text = await history_cli.add_history(
        "提案", ["姓名=王秀英", "日期=2023-03-05", "标题=关于学前教育的提案", "编号=0012", "联名=林建国"]
    )
    assert "已导入 1 条历史记录（2023 年）" in text
    proposal = await Proposal.get(number="0012")
    assert (proposal.year, proposal.created_at.astimezone(ZONE).date()) == (2023, date(2023, 3, 5))
    assert await ProposalCosigner.filter(proposal=proposal, name="林建国").exists()
    await history_cli.add_history(
        "社情民意", ["姓名=林建国", "日期=2023-08-01 10:30", "标题=停车难", "状态=已采用", "采用级别=市"]
    )
    report = await Report.get(title="停车难")
    assert (report.year, report.status.value, report.adopted_level) == (2023, "adopted", "city")
    assert report.created_at == datetime(2023, 8, 1, 10, 30, tzinfo=ZONE)
    with pytest.raises(UsageProblem):
        await history_cli.add_history("提案", ["王秀英"])
    assert await AuditEntry.filter(action="history_import").count() == 3
    assert not await Activity.exists()

from pathlib import Path

from openpyxl import Workbook, load_workbook

from bot.services import binding, roster
from models import Identity, Member, Role

HEADER = ["姓名", "性别", "界别", "专委会", "手机", "生日", "角色", "工作单位"]
GOOD = [
    ["林建国", "男", "经济界", "经济委", "13900000002", "1968-07-21", "委员"],
    ["陈晓梅", "女", "教育界", "提案委、文史委", "13900000003", "农历1972-08-15", ""],
    ["周文清", "女", "", "", "13900000001", "", "工作人员"],
]


def _xlsx(path: Path, rows: list[list[object]]) -> Path:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path


def _csv(path: Path, rows: list[list[str]]) -> Path:
    path.write_text("\n".join(",".join(r) for r in [HEADER, *rows]) + "\n", encoding="utf-8-sig")
    return path


async def test_import_xlsx_then_reimport_changes_nothing(db, tmp_path):
    path = _xlsx(tmp_path / "roster.xlsx", GOOD)
    first = await roster.import_file(path)
    assert (first.created, first.updated, first.unchanged, first.errors) == (3, 0, 0, [])
    chen = await Member.get(name="陈晓梅").prefetch_related("committees")
    assert chen.birthday_lunar and chen.birthday.isoformat() == "1972-08-15"
    assert sorted(c.name for c in chen.committees) == ["提案委", "文史委"]
    assert (await Member.get(name="周文清")).role == Role.STAFF
    second = await roster.import_file(path)
    assert (second.created, second.updated, second.unchanged) == (0, 0, 3)


async def test_update_keeps_bindings(db, tmp_path, clock):
    await roster.import_file(_csv(tmp_path / "a.csv", GOOD))
    lin = await Member.get(name="林建国")
    issued = await binding.issue_code(lin, "cli")
    await binding.bind(binding.Sender("qq", "10001"), issued.code)
    changed = [row[:] for row in GOOD]
    changed[0][3] = "经济委、提案委"
    changed[0][2] = "工商联"
    report = await roster.import_file(_csv(tmp_path / "b.csv", changed))
    assert (report.created, report.updated, report.unchanged) == (0, 1, 2)
    lin = await Member.get(id=lin.id)
    assert lin.sector == "工商联"
    assert await Identity.filter(member=lin, account_id="10001").exists()


async def test_bad_rows_are_all_reported_and_nothing_is_written(db, tmp_path):
    rows = [
        GOOD[0],
        ["", "男", "经济界", "", "13900000009", "", ""],  # line 3: no name
        ["王五", "男", "经济界", "", "13900000010", "1970-13-45", ""],  # line 4: bad date
        ["赵六", "男", "经济界", "", "13900000002", "", ""],  # line 5: duplicate phone of line 2
        ["钱七", "未知", "经济界", "", "139", "", "主席"],  # line 6: gender, phone, role
    ]
    report = await roster.import_file(_xlsx(tmp_path / "bad.xlsx", rows))
    assert not report.ok
    joined = "\n".join(report.errors)
    assert report.errors[0].startswith("第 3 行") and "缺少姓名" in report.errors[0]
    assert "第 4 行" in joined and "生日「1970-13-45」" in joined
    assert "第 5 行" in joined and "与第 2 行重复" in joined
    assert "第 6 行" in joined and "角色「主席」未知" in joined and "手机号「139」" in joined
    assert len(report.errors) == 4
    assert await Member.all().count() == 0


async def test_export_round_trip(db, tmp_path):
    await roster.import_file(_csv(tmp_path / "in.csv", GOOD))
    out = tmp_path / "out.xlsx"
    assert await roster.export_file(out) == 3
    sheet = load_workbook(out).active
    rows = [[c or "" for c in row] for row in sheet.iter_rows(values_only=True)]
    assert rows[0] == HEADER
    assert rows[2] == [
        "陈晓梅",
        "女",
        "教育界",
        "提案委、文史委",
        "13900000003",
        "农历1972-08-15",
        "委员",
        "",
    ]
    again = await roster.import_file(out)
    assert again.unchanged == 3


async def test_roles_for_people_who_are_both_and_unknown_roles(db, tmp_path):
    rows = [
        ["王芳", "女", "", "", "13900000005", "", "委员、工作人员"],
        ["孙强", "男", "", "", "13900000006", "", "委员 兼 管理员"],
        ["赵敏", "女", "", "", "13900000004", "", "工作人员，管理员"],
        ["钱七", "男", "", "", "13900000007", "", "委员、主席"],
    ]
    bad = await roster.import_file(_csv(tmp_path / "bad.csv", rows))
    assert bad.errors == [
        "第 5 行：角色「委员、主席」未知"
        "（可填：委员、工作人员、管理员，或兼任时 委员、工作人员 / 委员、管理员）"
    ]
    assert await Member.all().count() == 0
    report = await roster.import_file(_csv(tmp_path / "good.csv", rows[:3]))
    assert report.created == 3
    people = {m.name: (m.role, m.also_member) for m in await Member.all()}
    assert people == {"王芳": (Role.STAFF, True), "孙强": (Role.ADMIN, True), "赵敏": (Role.ADMIN, False)}
    assert [row[6] for row in (await roster.export_rows())[1:]] == [
        "委员、工作人员",
        "委员、管理员",
        "管理员",
    ]


async def test_someone_who_stops_being_a_member_is_no_longer_expected(db, tmp_path, clock):
    from datetime import timedelta

    from bot.services import activities
    from models import Attendance, AttendanceStatus
    from tests import factories

    rows = [
        ["林建国", "男", "", "", "13900000002", "", "委员"],
        ["王芳", "女", "", "", "13900000005", "", "委员"],
    ]
    await roster.import_file(_csv(tmp_path / "a.csv", rows))
    wang = await Member.get(name="王芳")
    held = await factories.activity(title="上月的会", starts_in=timedelta(minutes=5))
    await activities.close(held.id, "test")
    coming = await factories.activity(title="下月的会", starts_in=timedelta(days=30))
    rows[1][6] = "工作人员"
    report = await roster.import_file(_csv(tmp_path / "b.csv", rows))
    assert report.updated == 1
    assert not await Attendance.filter(activity=coming, member=wang).exists()
    history = await Attendance.get(activity=held, member=wang)
    assert history.status == AttendanceStatus.ABSENT  # what happened stays
    rows[1][6] = "委员、工作人员"
    await roster.import_file(_csv(tmp_path / "c.csv", rows))
    assert (await Member.get(id=wang.id)).also_member


async def test_cells_as_office_spreadsheets_hold_them(db, tmp_path):
    """Full-width digits and spaces typed with a Chinese IME, +86 and hyphens in phones, birthdays
    as Excel date cells, as Excel serial numbers or as 19700503, blank rows, two people of one name."""
    from datetime import datetime

    rows: list[list[object]] = [
        ["林建国", "男", "经济界", "经济委", "１３９０００００００２", datetime(1968, 7, 21), "委员"],
        ["陈晓梅", "女", "教育界", "文史委", "139\u30000000\u30000003", 25040, "委员"],
        ["赵立新", "男", "民革", "提案委", "+86 139-0000-0004", "19750228", "委员"],
        ["\u3000", " ", "", "", "", "", ""],
        ["王芳", "女", "经济界", "经济委", "139－0000－0005", "１９８０－１１－０２", "委员"],
        ["王芳", "女", "教育界", "文史委", "13900000006", "", "委员"],
    ]
    report = await roster.import_file(_xlsx(tmp_path / "roster.xlsx", rows))
    assert report.errors == [] and report.created == 5
    found = {m.phone: m for m in await Member.all()}
    assert sorted(found) == [f"1390000000{n}" for n in range(2, 7)]
    assert found["13900000002"].birthday.isoformat() == "1968-07-21"
    assert found["13900000003"].birthday.isoformat() == "1968-07-21"
    assert found["13900000004"].birthday.isoformat() == "1975-02-28"
    assert found["13900000005"].birthday.isoformat() == "1980-11-02"
    again = await roster.import_file(_xlsx(tmp_path / "again.xlsx", rows))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 5)

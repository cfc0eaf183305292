"""Only 委员 are expected at activities and assessed; staff receive what is meant for staff.

The roster has 委员, a 工作人员, a 管理员 and a 工作人员 who is also a 委员 (角色 委员、工作人员):
every audience, notice, list, closing, ranking and greeting counts the 委员 and the one who is both.
"""

from datetime import date, timedelta

import pytest
from openpyxl import load_workbook

from bot.services import activities, assessment, broadcasts, confirmations, export, membership, rules
from bot.services.errors import ServiceError
from models import Attendance, AttendanceStatus, Audience, Consequence, Member, OutboxMessage, Report, Role
from scheduler import run_due
from tests import factories
from tests.notices.helpers import configure, keys


async def _roster():
    lin = await factories.member("林建国", qq="10001", committees=("经济委",), sector="经济界")
    wang = await factories.member("王秀英", qq="10002", committees=("文史委",), sector="教育界")
    zhou = await factories.member(
        "周文清", role=Role.STAFF, qq="20001", committees=("经济委",), sector="经济界"
    )
    zhao = await factories.member("赵敏", role=Role.ADMIN, qq="20002", sector="教育界")
    both = await factories.member(
        "陈志强", role=Role.STAFF, also_member=True, qq="20003", committees=("经济委",), sector="经济界"
    )
    return lin, wang, zhou, zhao, both


async def test_the_one_definition(db):
    lin, wang, zhou, zhao, both = await _roster()
    gone = await factories.member("钱七")
    await Member.filter(id=gone.id).update(status="inactive")
    assert await membership.member_ids() == [lin.id, wang.id, both.id]
    assert await membership.staff_ids() == [zhou.id, zhao.id, both.id]
    loaded = {m.id: m for m in await Member.all()}
    assert [m for m in loaded if membership.counts_as_member(loaded[m])] == [lin.id, wang.id, both.id]


@pytest.mark.parametrize(
    ("audience", "value", "expected"),
    [
        (Audience.ALL, "", ("林建国", "王秀英", "陈志强")),
        (Audience.COMMITTEE, "经济委", ("林建国", "陈志强")),
        (Audience.SECTOR, "教育界", ("王秀英",)),
    ],
)
async def test_audiences_expect_only_members(db, clock, audience, value, expected):
    await _roster()
    activity = await factories.activity(audience=audience, audience_value=value, starts_in=timedelta(days=3))
    names = (
        await Attendance.filter(activity=activity)
        .order_by("member_id")
        .values_list("member__name", flat=True)
    )
    assert tuple(names) == expected
    notified = {key.rsplit(":", 1)[1] for key in await keys(f"notice:{activity.id}:")}
    assert notified == {str(m.id) for m in await Member.filter(name__in=expected)}


async def test_a_list_naming_staff_is_refused_and_nothing_is_created(db, clock):
    lin, _, zhou, _, both = await _roster()
    with pytest.raises(ServiceError) as refused:
        await factories.activity(audience=Audience.LIST, member_ids=[lin.id, zhou.id, both.id])
    assert refused.value.template == "activity/not_members.j2"
    assert refused.value.context["names"] == ["周文清"]
    assert not await OutboxMessage.exists()
    activity = await factories.activity(audience=Audience.LIST, member_ids=[lin.id, both.id])
    assert await Attendance.filter(activity=activity).count() == 2


async def test_confirmations_reminders_and_closing_leave_staff_out(db, clock, monkeypatch):
    configure(monkeypatch, reminder_offsets="1d", silent_reminder_before="1d")
    lin, wang, zhou, zhao, both = await _roster()
    activity = await factories.activity(starts_in=timedelta(days=3))
    sheet = await confirmations.build_sheet(activity)
    assert sheet.expected == 3 and sheet.silent == ["林建国", "王秀英", "陈志强"]
    clock.advance(days=2)
    await run_due(clock())
    silent = await keys(f"silent:{activity.id}:")
    assert silent == {f"silent:{activity.id}:{m.id}" for m in (lin, wang, both)}
    staff_lists = await keys(f"silent-list:{activity.id}:")  # created by a test actor: every staff member
    assert staff_lists == {f"silent-list:{activity.id}:{m.id}" for m in (zhou, zhao, both)}
    closed = await activities.close(activity.id, "test")
    assert closed.expected == 3 and closed.by_status[AttendanceStatus.ABSENT] == [
        "林建国",
        "王秀英",
        "陈志强",
    ]
    assert not await Attendance.filter(member_id__in=[zhou.id, zhao.id]).exists()


async def test_rules_rankings_exports_and_greetings_count_members_only(db, clock, tmp_path):
    lin, wang, zhou, _, both = await _roster()
    activity = await factories.activity(starts_in=timedelta(minutes=10))
    # a staff row left from before the roster said who is a 委员 stays out of every count
    await Attendance.create(activity=activity, member=zhou)
    await activities.close(activity.id, "test")
    year = clock().year
    await rules.evaluate_all(year)
    drafted = set(await Consequence.filter(year=year).values_list("member_id", flat=True))
    assert drafted == {lin.id, wang.id, both.id}  # one unexcused plenary absence: 通报批评
    standings = (await assessment.assess(year)).standings
    assert sorted(s.member_id for s in standings) == [lin.id, wang.id, both.id]
    for author, reference in ((lin, "SQ2026-0001"), (zhou, "SQ2026-0002")):
        await Report.create(member=author, reference=reference, title="停车难", content="……", year=year)
    book = load_workbook(await export.year_archive(year, tmp_path / "archive.xlsx"), read_only=True)
    summary = [row[1] for row in book["汇总"].iter_rows(min_row=2, values_only=True)]
    reports = [row[1] for row in book["社情民意"].iter_rows(min_row=2, values_only=True)]
    assert sorted(summary) == sorted(["林建国", "王秀英", "陈志强"]) and reports == ["林建国"]
    await Member.filter(id__in=[lin.id, zhou.id]).update(birthday=date(1970, 6, 1))
    from bot.services import greetings

    clock.set(clock().replace(hour=1))
    await greetings.run_due(clock(), timedelta(days=1))
    assert await keys("birthday:") == {f"birthday:{lin.id}:2026-06-01"}


async def test_broadcast_audiences_reach_members_and_a_list_reaches_whom_it_names(db, clock):
    await _roster()
    sender = factories.private("20002")
    reach = {}
    for args in ("全体 内容", "专委会 经济委 内容", "界别 经济界 内容", "名单 周文清、林建国 内容"):
        preview = await broadcasts.preview(sender, broadcasts.parse_notice(args))
        reach[args.split(" ")[0]] = preview.reach.members
    assert reach == {"全体": 3, "专委会": 2, "界别": 2, "名单": 2}


async def test_responsible_staff(db, clock):
    lin, _, zhou, zhao, both = await _roster()
    by_cli = await factories.activity(audience=Audience.COMMITTEE, audience_value="经济委")
    assert await membership.responsible_staff(by_cli) == [zhou.id, both.id]  # 经济委's staff
    plenary = await factories.activity()
    assert await membership.responsible_staff(plenary) == [zhou.id, zhao.id, both.id]
    await plenary.__class__.filter(id=plenary.id).update(created_by=f"member:{zhao.id}")
    await plenary.refresh_from_db()
    assert await membership.responsible_staff(plenary) == [zhao.id]
    await plenary.__class__.filter(id=plenary.id).update(created_by=f"member:{lin.id}")
    await plenary.refresh_from_db()
    assert await membership.responsible_staff(plenary) == [zhou.id, zhao.id, both.id]

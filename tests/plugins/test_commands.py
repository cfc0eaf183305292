"""Chat commands through NoneBot (nonebug): the router matcher, permissions, privacy, conversations."""

from __future__ import annotations

from datetime import timedelta

from nonebot.adapters.onebot.v11 import Bot, GroupMessageEvent, PrivateMessageEvent
from nonebug import App

from bot.render import render
from models import Activity, Audience, Report, Role
from tests import factories
from tests.qq_events import exchange as _exchange
from tests.qq_events import group_event, private_event, reply


def private(user_id: int, text: str) -> PrivateMessageEvent:
    return private_event(user_id, text)


def group(user_id: int, text: str, group_id: int = 7001) -> GroupMessageEvent:
    return group_event(user_id, text, group_id)


text = reply


async def test_unbound_member_is_pointed_to_binding(app: App, db):
    expected = render("common/not_bound.j2")
    assert "绑定" in expected
    await _exchange(app, (private(10001, "签到"), expected), (group(10001, "/我的履职"), expected))


async def test_help_shows_staff_commands_only_to_staff(app: App, db, clock):
    member = await factories.member("林建国", qq="10001")
    staff = await factories.member("周文清", role=Role.STAFF, qq="20001")
    from bot.chat import router
    from bot.services.actors import resolve

    member_actor, staff_actor = (
        await resolve(factories.private("10001")),
        await resolve(factories.private("20001")),
    )
    member_help = render(
        "help/help.j2", actor=member_actor, commands=router.listed(staff=False), private=True
    )
    staff_help = render("help/help.j2", actor=staff_actor, commands=router.listed(staff=True), private=True)
    assert "工作人员指令" not in member_help and member.name in member_help
    assert "签到 [签到码] —— 在签到时间内签到" in member_help and "考勤" not in member_help
    assert "工作人员指令" in staff_help and staff.name in staff_help
    assert "考勤 <活动编号> —— 查看出席/迟到/请假/缺席/未签到（私聊）" in staff_help
    await _exchange(app, (private(10001, "帮助"), member_help), (private(20001, "/帮助"), staff_help))


async def test_staff_commands_refused_to_members_and_personal_data_kept_out_of_groups(app: App, db, clock):
    await factories.member("林建国", qq="10001")
    await factories.member("周文清", role=Role.STAFF, qq="20001")
    await _exchange(
        app,
        (private(10001, "绑定码 林建国"), render("common/staff_only.j2")),
        (private(10001, "批准 1"), render("common/staff_only.j2")),
        (group(20001, "绑定码 林建国"), render("common/private_only.j2")),
        (group(20001, "待审批"), render("common/private_only.j2")),
        (group(10001, "我的履职"), render("common/private_only.j2")),
    )


async def test_superuser_bootstraps_without_a_roster_role(app: App, db, clock, monkeypatch):
    """SUPERUSERS (qq:999000 in tests) may issue the first admin's code before anyone is bound."""
    from bot.config import get_settings
    from bot.services import binding

    admin = await factories.member("周文清", role=Role.ADMIN)
    monkeypatch.setattr(binding.secrets, "choice", lambda alphabet: alphabet[0])
    expires = clock.current + timedelta(minutes=get_settings().binding_code_ttl_minutes)
    expected = render("binding/code_issued.j2", issued=binding.IssuedCode(admin, "22222222", expires))
    assert "22222222" in expected and "周文清" in expected
    await _exchange(app, (private(999000, "绑定码 周文清"), expected))
    await _exchange(app, (private(30001, "绑定 2222-2222"), render("binding/bound.j2", member=admin)))


async def test_group_chatter_is_ignored_and_private_nonsense_gets_a_pointer(app: App, db):
    await _exchange(
        app,
        (group(10001, "大家好，明天的会几点开始？"), None),
        (private(10001, "你好"), render("common/unknown_command.j2")),
    )


async def test_guided_report_with_a_bad_step_and_cancel(app: App, db, clock, settings):
    member = await factories.member("林建国", qq="10001")
    from bot.services.reports import limits

    lim = limits()
    too_long = "标" * (settings.report_title_max + 1)
    title_error = render("report/title_too_long.j2", limits=lim, length=len(too_long))
    ask_title = render("report/ask_title.j2", limits=lim)
    ask_content = render("report/ask_content.j2", limits=lim)
    content = "农贸市场周边早高峰拥堵严重，建议增设临时停车泊位。"
    await _exchange(
        app,
        (private(10001, "社情民意"), ask_title),
        (private(10001, too_long), render("common/ask_again.j2", problem=title_error, prompt=ask_title)),
        (private(10001, "农贸市场周边停车难"), ask_content),
        (private(10001, content), render("report/confirm.j2", title="农贸市场周边停车难", content=content)),
        (private(10001, "取消"), render("common/conversation_cancelled.j2")),
        # after cancelling, commands work normally again
        (private(10001, "签到"), render("checkin/none_open.j2", upcoming=None, missed=None)),
    )
    assert not await Report.filter(member=member).exists()


async def test_staff_create_an_activity_step_by_step(app: App, db, clock):
    from datetime import datetime

    from bot.clock import local_zone
    from bot.services.activities import ActivityDraft, audience_text
    from bot.services.activity_form import ACTIVITY_TYPES, STEPS
    from models import ActivityType

    await factories.member("周文清", role=Role.STAFF, qq="20001", committees=("经济委",))
    await factories.member("林建国", qq="10001", committees=("经济委",))
    await factories.member("陈晓梅", qq="10002", committees=("文史委",))

    def prompt(step: int) -> str:
        return render(STEPS[step].prompt, types=ACTIVITY_TYPES, step=step + 1, total=len(STEPS))

    start = datetime(2026, 6, 3, 14, 30, tzinfo=local_zone())
    draft = ActivityDraft(
        type=ActivityType.STANDING,
        title="经济运行情况通报会",
        start_at=start,
        end_at=start.replace(hour=17, minute=0),
        place="区政协三楼会议室",
        audience=Audience.COMMITTEE,
        audience_value="经济委",
        checkin_code="A8K2",
        announce_platform="qq",
        announce_group="700100",
    )
    preview = render("activity/form_preview.j2", draft=draft, count=1, audience=audience_text(draft, 1))
    assert "经济委" in preview and "（1人）" in preview and "A8K2" in preview
    answers = [
        "2",
        "经济运行情况通报会",
        "2026-06-03 14:30",
        "17:00",
        "区政协三楼会议室",
        "专委会 经济委",
        "a8k2",
        "700100",
    ]
    steps = [(private(20001, "新建活动"), render("activity/form_intro.j2") + "\n" + prompt(0))]
    steps += [(private(20001, answer), prompt(i + 1)) for i, answer in enumerate(answers[:-1])]
    steps += [
        (
            private(20001, "下午三点"),
            render("common/ask_again.j2", problem=render("activity/bad_group.j2"), prompt=prompt(7)),
        )
    ]
    steps += [(private(20001, answers[-1]), preview)]
    await _exchange(app, *steps)
    assert not await Activity.exists()  # nothing is written before 确认

    async with app.test_matcher() as ctx:
        bot = ctx.create_bot(base=Bot)
        event = private(20001, "确认")
        ctx.receive_event(bot, event)
        expected_activity = Activity(
            id=1,
            type=draft.type,
            title=draft.title,
            start_at=start,
            end_at=draft.end_at,
            checkin_opens_at=start - timedelta(minutes=30),
            checkin_closes_at=start + timedelta(minutes=30),
            checkin_code="A8K2",
        )
        ctx.should_call_send(
            event,
            text(render("activity/created.j2", activity=expected_activity, count=1)),
            result={"message_id": 1},
        )
    activity = await Activity.get()
    assert activity.title == "经济运行情况通报会" and activity.type == ActivityType.STANDING
    assert activity.audience == Audience.COMMITTEE and activity.audience_value == "经济委"
    assert activity.checkin_code == "A8K2" and activity.announce_group == "700100"
    assert activity.end_at - activity.start_at == timedelta(hours=2, minutes=30)
    # 林建国 only: 周文清 sits on 经济委 as staff, 陈晓梅 is on another committee
    assert await activity.attendances.all().count() == 1

"""Naming people in a list — `activity create --members`, 新建活动's 名单, 通知 名单 — works the
same everywhere: names, phones or roster numbers, 、 or commas between, and two members of one name
are told apart by their numbers instead of both being picked or neither being reachable."""

from __future__ import annotations

import pytest

from bot.cli.activity import NewActivity, create_activity
from bot.services import broadcasts
from bot.services.errors import ServiceError
from models import Activity, Audience, Role
from tests import factories


async def _roster() -> dict[str, int]:
    await factories.member("周文清", role=Role.STAFF, qq="20001")
    lin = await factories.member("林建国")
    first = await factories.member("王芳", sector="经济界")
    second = await factories.member("王芳", sector="教育界")
    return {"林建国": lin.id, "王芳1": first.id, "王芳2": second.id}


@pytest.mark.parametrize(
    ("extra", "says"),
    [
        ({"members": "林建国、王芳"}, "请改用名册编号"),
        ({"members": "林建国，张三"}, "张三"),
        ({"members": "林建国", "code": "签到码"}, "签到码"),
        ({"members": "林建国", "group": "群1"}, "群号"),
    ],
)
async def test_activity_create_is_refused_like_the_chat_form(db, clock, extra, says):
    await _roster()
    new = NewActivity(type="视察", title="视察", start="明天 9:00", end="11:00", **extra)
    with pytest.raises(ServiceError) as refused:
        await create_activity(new)
    assert says in refused.value.render()
    assert await Activity.all().count() == 0


async def test_a_notice_reaches_one_of_two_members_who_share_a_name(db):
    ids = await _roster()
    staff = factories.private("20001")
    with pytest.raises(ServiceError) as refused:
        await broadcasts.preview(staff, broadcasts.parse_notice("名单 王芳 下午开会"))
    text = refused.value.render()
    assert f"#{ids['王芳1']}" in text and f"#{ids['王芳2']}" in text
    plan = broadcasts.parse_notice(f"名单 #{ids['王芳2']}、林建国 下午开会")
    preview = await broadcasts.preview(staff, plan)
    assert preview.reach.reachable + preview.reach.unreachable == 2


async def test_the_web_form_of_an_activity_reads_back_the_same_two_namesakes(db, clock):
    from bot.console.activity_form import from_activity, to_draft
    from bot.services.activities import ActivityDraft

    ids = await _roster()
    listed = sorted([ids["林建国"], ids["王芳2"]])
    draft = ActivityDraft(title="座谈会", audience=Audience.LIST, member_ids=listed)
    fields = await from_activity(draft)
    fields.start, fields.end, fields.type = "2026-12-03T15:00", "2026-12-03T17:00", "1"
    again = await to_draft(fields)
    assert again is not None, fields.errors
    assert sorted(again.member_ids) == listed

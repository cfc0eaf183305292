"""Someone who is both a 委员 and staff is marked 委员、工作人员 (or 委员、管理员) wherever people are
listed with their role: the operator's member list, the console's roster and member page, the
signed-in header, the role-change message and a staff member's view of their 档案."""

from __future__ import annotations

from nonebot.adapters.onebot.v11 import Bot
from nonebug import App

from bot.cli.people import list_members
from models import Role
from tests import factories
from tests.qq_events import ReplyWith, private_event
from tests.support.console_client import signed_in


async def _roster():
    admin = await factories.member("赵敏", role=Role.ADMIN, also_member=True, qq="20002")
    both = await factories.member("王芳", role=Role.STAFF, also_member=True, qq="20003")
    staff = await factories.member("周文清", role=Role.STAFF, qq="20001")
    member = await factories.member("林建国", qq="10001")
    return admin, both, staff, member


async def test_the_member_list_marks_who_is_both(db):
    await _roster()
    listed = await list_members(None, None)
    cells = [line.split("｜") for line in listed.splitlines() if "｜" in line]
    roles = {cell[0].split()[1]: cell[3] for cell in cells}
    assert roles == {"赵敏": "委员、管理员", "王芳": "委员、工作人员", "周文清": "工作人员", "林建国": "委员"}


async def test_the_console_marks_who_is_both(db, clock):
    admin, both, staff, _ = await _roster()
    async with signed_in(admin) as client:
        roster = (await client.http.get("/console/roster")).text
        page = (await client.http.get(f"/console/members/{both.id}")).text
        plain = (await client.http.get(f"/console/members/{staff.id}")).text
        changed = await client.post_form(f"/console/members/{both.id}/role", {"role": "admin"})
        after = (await client.http.get(changed.headers["location"])).text
    assert "<td>委员、工作人员</td>" in roster and "<td>委员、管理员</td>" in roster
    assert "<td>工作人员</td>" in roster and "<td>委员</td>" in roster
    assert f"#{both.id} · 委员、工作人员" in page and f"#{staff.id} · 工作人员" in plain
    assert "赵敏（委员、管理员）" in roster  # the signed-in header
    assert "王芳 的角色已改为「委员、管理员」" in after


async def test_the_archive_of_someone_who_is_both_says_so(app: App, db, clock):
    await _roster()
    async with app.test_matcher() as ctx:
        bot = ctx.create_bot(base=Bot)
        event = private_event("20001", "档案 王芳")
        ctx.receive_event(bot, event)
        ctx.should_call_send(
            event, ReplyWith("王芳（委员、工作人员） · 2026 年度实绩档案"), result={"message_id": 1}
        )
    async with app.test_matcher() as ctx:
        bot = ctx.create_bot(base=Bot)
        event = private_event("20001", "档案 林建国")
        ctx.receive_event(bot, event)
        ctx.should_call_send(event, ReplyWith("林建国 ·", absent=("（委员",)), result={"message_id": 1})

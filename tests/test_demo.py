"""The quick start's demo: the console user can try what the README tells them to try."""

from __future__ import annotations

from bot import demo
from bot.sender import Sender
from bot.services import actors, checkin
from models import Member, Role

CONSOLE_USER = Sender(demo.DEMO_PLATFORM, demo.DEMO_ACCOUNT)


async def test_the_demo_user_is_staff_and_a_member_who_can_check_in(db):
    await demo.seed()
    await Member.filter(name=demo.DEMO_STAFF_NAME).update(also_member=False)  # a demo database seeded before
    await demo.seed()
    actor = await actors.resolve(CONSOLE_USER)
    assert actor.is_staff and actor.member is not None and actor.member.is_member
    result = await checkin.check_in(CONSOLE_USER)
    assert result.member.name == demo.DEMO_STAFF_NAME and "演示" in result.activity.title
    assert await Member.filter(role=Role.STAFF).count() == 1

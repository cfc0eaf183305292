"""Staff name a 企业微信 group by its robot's name wherever they name a QQ group by its number: a
notice broadcast (`通知 群 <name> …`) and an activity's announce group reach the group's robot."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest

from bot.adapters.wecom.api import WecomApi
from bot.delivery import channels
from bot.delivery.channels.wecom_robot import WecomRobotChannel
from bot.delivery.dispatcher import Dispatcher
from bot.delivery.recipients import GroupRecipient
from bot.render import render
from bot.sender import Sender
from bot.services import activity_form, broadcasts
from bot.services.activities import ActivityDraft
from bot.services.errors import ServiceError
from bot.services.groups import chat_group
from models import Identity, OutboxMessage, Role
from tests import factories
from tests.wecom.fake_api import FakeWecom
from tests.wecom.wecom_side import AGENT_ID, CORP_ID, SECRET

KEY = "0a1b2c3d-robot-key-of-the-office-group"


@pytest.fixture
async def robots(configure, registry) -> AsyncIterator[FakeWecom]:
    configure(enable_wecom_robots=True, wecom_robots=json.dumps({"办公室群": KEY}))
    fake = await FakeWecom({KEY: "办公室群"}).start()
    api = WecomApi(corp_id=CORP_ID, secret=SECRET, agent_id=AGENT_ID, base_url=fake.base_url, timeout=2)
    channels.register(WecomRobotChannel(api))
    yield fake
    await api.close()
    await fake.stop()


def test_a_group_is_a_qq_number_or_a_configured_robot(configure):
    configure(enable_wecom_robots=True, wecom_robots=json.dumps({"办公室群": KEY}))
    assert chat_group("１２３４５６") == GroupRecipient("qq", "123456")
    assert chat_group("办公室群") == GroupRecipient("wecom_robot", "办公室群")
    assert chat_group("wecom_robot:办公室群") == GroupRecipient("wecom_robot", "办公室群")
    assert chat_group("财务群") is None and chat_group("1234") is None
    configure(enable_wecom_robots=False)
    assert chat_group("办公室群") is None  # robots off: no such group


async def test_a_notice_broadcast_to_a_wecom_group_goes_through_its_robot(db, clock, robots):
    staff = await factories.member("王秘书", role=Role.STAFF)
    await Identity.create(member=staff, platform="qq", account_id="90001")
    sender = Sender("qq", "90001")
    plan = broadcasts.parse_notice("群 办公室群 明天上午九点在三楼会议室开会")
    preview = await broadcasts.preview(sender, plan)
    assert "企业微信群「办公室群」" in render("broadcast/audience.j2", plan=plan)
    assert preview.reach.groups == 1
    batch, added = await broadcasts.send(sender, plan)
    assert added == 1
    await Dispatcher().drain()
    [post] = robots.robot_posts("办公室群")
    assert "明天上午九点在三楼会议室开会" in post["text"]["content"]
    row = await OutboxMessage.get(batch=batch)
    assert (row.status.value, row.channel) == ("sent", "wecom_robot")

    with pytest.raises(ServiceError) as refused:
        broadcasts.parse_notice("群 财务群 内容")
    assert (
        refused.value.render()
        == "「财务群」不是群号：请写 QQ 群的号码或企业微信群名（办公室群），例如「通知 群 123456 内容」。"
    )


async def test_an_activity_is_announced_in_a_wecom_group(db, clock, robots):
    draft = ActivityDraft()
    await activity_form.STEPS[-1].apply(draft, "办公室群")
    assert (draft.announce_platform, draft.announce_group) == ("wecom_robot", "办公室群")
    await activity_form.STEPS[-1].apply(draft, "无")
    assert (draft.announce_platform, draft.announce_group) == ("", "")
    with pytest.raises(ServiceError) as refused:
        await activity_form.STEPS[-1].apply(draft, "下午三点")
    assert "企业微信群名（办公室群）" in refused.value.render()

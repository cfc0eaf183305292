"""A member bound on QQ, WeChat and 企业微信 is one person: one identity row per channel, reached on
each in DELIVERY_ORDER, and a second 企业微信 account for the same member is refused by name."""

from __future__ import annotations

import pytest

from bot.delivery import channels
from bot.delivery.routing import unreachable_members
from bot.sender import Sender
from bot.services import binding
from bot.services.actors import member_of
from bot.services.errors import ServiceError
from models import Identity
from tests import factories


async def test_binding_on_wecom_adds_an_identity_to_the_same_member(db, registry):
    member = await factories.member("周慧敏", qq="20001")
    issued = await binding.issue_code(member, "test")
    bound = await binding.bind(Sender("wecom", "ZhouHuiMin"), issued.code)
    assert bound.id == member.id
    rows = (
        await Identity.filter(member_id=member.id).order_by("platform").values_list("platform", "account_id")
    )
    assert rows == [("qq", "20001"), ("wecom", "ZhouHuiMin")]
    assert (await member_of(Sender("wecom", "ZhouHuiMin"))).id == member.id  # type: ignore[union-attr]

    only_wecom = await factories.member("吴立群")
    await Identity.create(member=only_wecom, platform="wecom", account_id="WuLiQun")
    assert await unreachable_members([member.id, only_wecom.id]) == [member.id, only_wecom.id]
    registry("wecom")  # the channel registered: the default DELIVERY_ORDER reaches them there
    assert await unreachable_members([member.id, only_wecom.id]) == []
    assert "wecom" in channels.registered()


async def test_a_second_wecom_account_for_one_member_is_refused_naming_the_channel(db):
    member = await factories.member("郑晓光")
    await Identity.create(member=member, platform="wecom", account_id="ZhengXG")
    issued = await binding.issue_code(member, "test")
    with pytest.raises(ServiceError) as refused:
        await binding.bind(Sender("wecom", "ZhengXG-phone2"), issued.code)
    assert "「郑晓光」已在企业微信上绑定了其他账号" in refused.value.render()

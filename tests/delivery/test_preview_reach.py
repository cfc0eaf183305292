"""A broadcast's preview says whom it will not reach, by the same rule the dispatcher applies."""

from __future__ import annotations

from bot.delivery.dispatcher import Dispatcher
from bot.render import render
from bot.services import broadcasts, delivery_report
from models import Identity, Member, Role
from tests import factories

STAFF = factories.private("20001")


async def _staff() -> None:
    await factories.member("周文清", role=Role.STAFF, qq="20001")


async def test_preview_reach_matches_what_delivery_reports(db, clock, registry):
    registry("qq")
    await _staff()
    for name, qq in (("林建国", "10001"), ("王秀英", "10002"), ("陈志强", "10003")):
        await factories.member(name, qq=qq)
    wechat_only = await factories.member("赵微信")
    await Identity.create(member=wechat_only, platform="wechat", account_id="o-zhao")
    await factories.member("钱无绑")
    plan = broadcasts.parse_notice("全体 周五开会")
    preview = await broadcasts.preview(STAFF, plan)
    reach = preview.reach
    assert (reach.reachable, reach.unreachable, reach.groups) == (3, 2, 0)
    assert reach.unreachable_names == ("赵微信", "钱无绑")  # WeChat is not a channel this bot sends on
    batch, queued = await broadcasts.send(STAFF, plan)
    assert queued == reach.total == 5
    await Dispatcher().drain()
    status = await delivery_report.batch_status(batch)
    assert (status.sent, [p.name for p in status.unreachable]) == (3, list(reach.unreachable_names))

    registry("wechat")  # with the WeChat channel the same member is reachable
    again = (await broadcasts.preview(STAFF, plan)).reach
    assert (again.reachable, again.unreachable_names) == (4, ("钱无绑",))
    await Identity.filter(member=wechat_only).update(active=False)  # unfollowed
    assert (await broadcasts.preview(STAFF, plan)).reach.unreachable == 2


async def test_unreachable_names_are_capped_like_the_delivery_report(db, clock, registry):
    registry("qq")
    await _staff()
    await Member.bulk_create([Member(name=f"委员{n:03d}") for n in range(60)])
    reach = (await broadcasts.preview(STAFF, broadcasts.parse_notice("全体 内容"))).reach
    assert (reach.reachable, reach.unreachable) == (0, 60)
    assert len(reach.unreachable_names) == delivery_report.NAMES_SHOWN == 50
    assert reach.unreachable_names[0] == "委员000" and reach.unreachable_names[-1] == "委员049"
    text = render(
        "broadcast/preview.j2", preview=broadcasts.Preview(broadcasts.parse_notice("全体 内容"), reach),
        audience="全体委员", excerpt="内容",
    )  # fmt: skip
    assert "可送达：0 人" in text and "无法联系：60 人" in text
    assert "委员049 等 60 人" in text and "委员050" not in text

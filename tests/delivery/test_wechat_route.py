"""A member's notice through the real WeChat channel (against the fake WeChat API) and a QQ fake:
a refused template hands it to the next bound channel, a failed template receipt too, and 送达 says
which way each message went and why."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.adapters.wechat_oa.api import WechatApi
from bot.delivery import channels, outbox
from bot.delivery.channels.wechat import WechatChannel
from bot.delivery.dispatcher import Dispatcher
from bot.delivery.recipients import MemberRecipient
from bot.render import render
from bot.services import delivery_report, followers
from models import Identity, OutboxMessage, OutboxStatus, WechatTemplateSend
from tests import factories
from tests.wechat.fake_api import FakeWechat

CUSTOM = "cgi-bin/message/custom/send"
TEMPLATE = "cgi-bin/message/template/send"


@pytest.fixture
async def fake() -> AsyncIterator[FakeWechat]:
    server = await FakeWechat().start()
    yield server
    await server.stop()


@pytest.fixture
async def wechat(fake: FakeWechat, registry, configure) -> AsyncIterator[WechatChannel]:
    configure(delivery_order=["wechat", "qq"], wechat_template_ids='{"notice": "TPL-NOTICE"}')
    api = WechatApi(app_id="wx-route", app_secret="s", base_url=fake.base_url, timeout=2)
    channel = WechatChannel(api)
    channels.register(channel)
    yield channel
    await api.close()


async def _member(name: str, openid: str, qq: str | None = None) -> int:
    member = await factories.member(name, qq=qq)
    await Identity.create(member=member, platform="wechat", account_id=openid)
    return member.id


async def _notify(batch: str, *member_ids: int) -> None:
    for member_id in member_ids:
        await outbox.enqueue(
            key=f"{batch}:{member_id}",
            recipient=MemberRecipient(member_id),
            template="notices/text.j2",
            context={"text": "会议通知：全体委员会议\n12月1日 09:00，区政协二楼"},
            kind="notice",
            batch=batch,
        )


async def _row(batch: str, member_id: int) -> OutboxMessage:
    return await OutboxMessage.get(dedupe_key=f"{batch}:{member_id}")


async def test_a_refused_template_hands_the_notice_to_the_next_channel(db, clock, registry, fake, wechat):
    qq = registry("qq")
    refused = await _member("甲", "o-1", qq="10001")
    broken = await _member("乙", "o-2", qq="10002")
    alone = await _member("丙", "o-3")
    fake.fail_next(CUSTOM, 45015, times=3)  # nobody wrote to the account in the last 48 hours
    fake.fail_next(TEMPLATE, 43101)  # 甲 refuses template messages
    fake.fail_next(TEMPLATE, 40037)  # a template id WeChat does not know (any template error)
    fake.fail_next(TEMPLATE, 43101)
    await _notify("B9", refused, broken, alone)
    await Dispatcher().drain()

    assert [address for _, address, _ in qq.sent] == ["10001", "10002"]
    assert "全体委员会议" in qq.sent[0][2]
    first = await _row("B9", refused)
    assert (first.status, first.channel) == (OutboxStatus.SENT, "qq")
    assert [(s["platform"], s["via"], s["outcome"], s["code"]) for s in first.route] == [
        ("wechat", "text", "rejected", "window_closed"),
        ("wechat", "template", "rejected", "user_refused"),
        ("qq", "text", "sent", ""),
    ]
    assert (await _row("B9", broken)).status == OutboxStatus.SENT
    last = await _row("B9", alone)
    assert last.status == OutboxStatus.FAILED
    assert "45015" in last.last_error and "43101" in last.last_error

    text = render("delivery/status.j2", s=await delivery_report.batch_status("B9"))
    assert "已送达 2（QQ 2）" in text and "失败 1" in text
    assert "改经其他途径送达 2 人" in text
    closed = "微信消息未发出（超过48小时未互动，客服消息发不出）"
    assert f"甲：{closed} → 微信模板消息未发出（对方拒收模板消息） → QQ消息已送达" in text
    assert f"乙：{closed} → 微信模板消息未发出（40037 " in text
    assert f"失败：丙（{closed} → 微信模板消息未发出（对方拒收模板消息））" in text

    await delivery_report.resend_failed("B9")  # 补发 starts over from the first channel
    assert (await _row("B9", alone)).route is None


async def test_a_failed_template_receipt_moves_the_notice_on_or_fails_it(db, clock, registry, fake, wechat):
    qq = registry("qq")
    also_qq = await _member("丁", "o-4", qq="10004")
    only_wechat = await _member("戊", "o-5")
    fine = await _member("己", "o-6")
    fake.fail_next(CUSTOM, 45015, times=3)
    await _notify("B10", also_qq, only_wechat, fine)
    await Dispatcher().drain()
    rows = {member: await _row("B10", member) for member in (also_qq, only_wechat, fine)}
    assert all((row.status, row.channel) == (OutboxStatus.SENT, "wechat") for row in rows.values())
    sends = {send.outbox_id: send.msgid for send in await WechatTemplateSend.all()}
    assert set(sends) == {row.id for row in rows.values()}  # each template send knows its notice
    assert qq.sent == []

    assert await followers.template_receipt(sends[rows[also_qq].id], "failed:user block")
    assert await followers.template_receipt(sends[rows[only_wechat].id], "failed:system failed")
    assert await followers.template_receipt(sends[rows[fine].id], "success")
    assert (await _row("B10", also_qq)).status == OutboxStatus.PENDING
    await Dispatcher().drain()

    assert [address for _, address, _ in qq.sent] == ["10004"]
    moved = await _row("B10", also_qq)
    assert (moved.status, moved.channel) == (OutboxStatus.SENT, "qq")
    assert [(s["platform"], s["via"], s["outcome"]) for s in moved.route][-2:] == [
        ("wechat", "template", "undelivered"),
        ("qq", "text", "sent"),
    ]
    failed = await _row("B10", only_wechat)
    assert failed.status == OutboxStatus.FAILED and "failed:system failed" in failed.last_error
    assert (await _row("B10", fine)).status == OutboxStatus.SENT

    status = await delivery_report.batch_status("B10")
    assert (status.sent, [p.name for p in status.failed]) == (2, ["戊"])
    text = render("delivery/status.j2", s=status)
    assert "已送达 2（QQ 1，微信 1）" in text
    assert "微信模板消息已送达 → 微信模板消息未送达（对方拒收） → QQ消息已送达" in text
    assert "戊（" in text and "微信模板消息未送达（平台原因未送达）" in text

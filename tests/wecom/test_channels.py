"""The `wecom` (app message) and `wecom_robot` (group robot) channels against the fake 企业微信 API:
each error code classified, the token refreshed once, a robot's key never shown, robots paced."""

from __future__ import annotations

import io
import json
import re
import socket
from collections.abc import AsyncIterator

import pytest
from loguru import logger

from bot.adapters.wecom.api import WecomApi
from bot.config import SettingsError, load_settings
from bot.delivery import channels, outbox
from bot.delivery.channels.base import ACCOUNT_INVALID, SendOutcome
from bot.delivery.channels.wecom import WecomChannel
from bot.delivery.channels.wecom_robot import WecomRobotChannel, markdown_of
from bot.delivery.dispatcher import Dispatcher
from bot.delivery.recipients import GroupRecipient, MemberRecipient
from bot.render import render
from bot.services import delivery_report
from models import Identity, OutboxMessage, OutboxStatus
from tests import factories
from tests.wecom.fake_api import FakeWecom
from tests.wecom.wecom_side import AGENT_ID, CORP_ID, SECRET

SEND = "cgi-bin/message/send"
ROBOT = "cgi-bin/webhook/send"
KEY = "5e3f0c2a-9d1b-4c6e-8f70-secretrobotkey"


@pytest.fixture
async def fake() -> AsyncIterator[FakeWecom]:
    server = await FakeWecom({KEY: "office"}).start()
    yield server
    await server.stop()


def api_for(base_url: str, timeout: float = 2.0) -> WecomApi:
    return WecomApi(corp_id=CORP_ID, secret=SECRET, agent_id=AGENT_ID, base_url=base_url, timeout=timeout)


@pytest.fixture
async def api(fake: FakeWecom) -> AsyncIterator[WecomApi]:
    client = api_for(fake.base_url)
    yield client
    await client.close()


@pytest.fixture
def captured_log() -> io.StringIO:
    sink = io.StringIO()
    handler = logger.add(sink, level="TRACE", format="{message} {extra} {exception}")
    yield sink
    logger.remove(handler)


@pytest.mark.parametrize(
    ("errcode", "outcome", "code"),
    [
        (45009, SendOutcome.RETRYABLE, "rate_limit"),
        (-1, SendOutcome.RETRYABLE, "busy"),
        (81013, SendOutcome.REJECTED, ACCOUNT_INVALID),
        (60111, SendOutcome.REJECTED, ACCOUNT_INVALID),
        (60020, SendOutcome.REJECTED, "ip_not_trusted"),
        (44004, SendOutcome.REJECTED, "44004"),
    ],
)
async def test_app_message_error_codes_are_classified(db, fake, api, errcode, outcome, code):
    channel = WecomChannel(api)
    fake.fail_next(SEND, errcode)
    result = await channel.send_to_account("ZhangSan", "会议通知")
    assert (result.outcome, result.code, result.via) == (outcome, code, "app")
    assert str(errcode) in result.detail


async def test_a_member_named_in_invaliduser_is_not_reachable_there(db, fake, api):
    fake.listed_invalid.add("LeftTheCorp")
    result = await WecomChannel(api).send_to_account("LeftTheCorp", "会议通知")
    assert (result.outcome, result.code) == (SendOutcome.REJECTED, ACCOUNT_INVALID)


async def test_token_is_fetched_once_and_reused_then_refreshed_once_when_refused(db, fake, api):
    channel = WecomChannel(api)
    assert (await channel.send_to_account("A", "一")).outcome == SendOutcome.SENT
    assert (await channel.send_to_account("B", "二")).outcome == SendOutcome.SENT
    assert fake.paths() == ["cgi-bin/gettoken", SEND, SEND]
    assert fake.calls[0].query == {"corpid": CORP_ID, "corpsecret": SECRET}

    fake.reset()
    fake.fail_next(SEND, 40014, times=2)  # refused, and refused again after the one refresh
    result = await channel.send_to_account("C", "三")
    assert (result.outcome, result.code) == (SendOutcome.RETRYABLE, "token")
    assert fake.paths() == [SEND, "cgi-bin/gettoken", SEND]

    fake.reset()
    fresh = api_for(fake.base_url)  # another process (or a restart): the token kept in the database
    assert (await WecomChannel(fresh).send_to_account("D", "四")).outcome == SendOutcome.SENT
    assert fake.paths() == [SEND]
    await fresh.close()


async def test_timeout_is_unknown_and_no_connection_is_retryable(db, fake):
    slow = api_for(fake.base_url, timeout=0.3)
    await slow.access_token()
    fake.delay(SEND, 1.0)
    result = await WecomChannel(slow).send_to_account("A", "一")
    assert result.outcome == SendOutcome.UNKNOWN  # it may have gone out: never resent blindly
    await slow.close()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = sock.getsockname()[1]
    nowhere = api_for(f"http://127.0.0.1:{closed}")
    result = await WecomChannel(nowhere).send_to_account("A", "一")
    assert result.outcome == SendOutcome.RETRYABLE
    await nowhere.close()


async def test_a_long_text_goes_in_pieces_of_at_most_2048_bytes(db, fake, api):
    text = "\n".join(f"第{i}行：政协委员履职情况通报，请各位委员认真阅读。" for i in range(120))
    assert (await WecomChannel(api).send_to_account("A", text)).outcome == SendOutcome.SENT
    pieces = fake.app_texts("A")
    assert len(pieces) > 1 and all(len(p.encode()) <= 2048 for p in pieces)
    assert "\n".join(pieces) == text


async def test_robot_errors_name_the_robot_never_its_key(db, fake, api, configure, captured_log):
    configure(wecom_robots=json.dumps({"office": KEY, "gone": "removed-robot-key-0000"}))
    channel = WecomRobotChannel(api)
    fake.fail_next(ROBOT, 45009)
    limited = await channel.send_to_group("office", "节日问候")
    assert (limited.outcome, limited.code, limited.via) == (SendOutcome.RETRYABLE, "rate_limit", "robot")
    removed = await channel.send_to_group("gone", "节日问候")  # the fake knows no such key: 93000
    assert (removed.outcome, removed.code) == (SendOutcome.REJECTED, "robot_invalid")
    assert "robot gone" in removed.detail and "93000" in removed.detail
    unknown = await channel.send_to_group("nobody", "节日问候")
    assert (unknown.outcome, unknown.code) == (SendOutcome.REJECTED, "no_robot")
    timed_out = WecomRobotChannel(api_for(fake.base_url, timeout=0.2))
    fake.delay(ROBOT, 0.6)
    assert (await timed_out.send_to_group("office", "节日问候")).outcome == SendOutcome.UNKNOWN
    await timed_out.api.close()
    shown = " ".join(r.detail for r in (limited, removed, unknown)) + captured_log.getvalue()
    assert KEY not in shown and "removed-robot-key-0000" not in shown
    assert [call.query["key"] for call in fake.calls] == [KEY, "removed-robot-key-0000", KEY]


async def test_robot_markdown_puts_the_first_line_in_bold(db, fake, api, configure):
    configure(wecom_robots=json.dumps({"office": KEY}), wecom_robot_format="markdown")
    text = "【活动通知】全体委员会议\n时间：12月1日 09:00\n地点：区政协二楼"
    assert (await WecomRobotChannel(api).send_to_group("office", text)).outcome == SendOutcome.SENT
    [post] = fake.robot_posts("office")
    assert post == {"msgtype": "markdown", "markdown": {"content": markdown_of(text)}}
    assert post["markdown"]["content"].startswith("**【活动通知】全体委员会议**\n时间：")


class FakeTime:
    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(round(seconds, 3))
        self.now += seconds


async def test_robot_messages_are_paced_to_at_most_20_a_minute(db, clock, fake, api, configure, registry):
    time = FakeTime()
    configure(wecom_robots=json.dumps({"office": KEY}), wecom_robot_interval_seconds=3.1)
    channels.register(WecomRobotChannel(api))
    for day in range(25):
        await outbox.enqueue(
            key=f"robot-pace:{day}",
            recipient=GroupRecipient("wecom_robot", "office"),
            template="notices/text.j2",
            context={"text": f"第{day}条通知"},
        )
    fake.monotonic = time.monotonic
    await Dispatcher(sleep=time.sleep, monotonic=time.monotonic, rand=lambda: 0.0).drain()
    assert len(fake.robot_posts("office")) == 25  # the fake refuses a 21st message within a minute
    assert time.sleeps == [3.1] * 24
    assert await OutboxMessage.filter(status=OutboxStatus.SENT).count() == 25
    with pytest.raises(
        SettingsError, match=re.escape("WECOM_ROBOT_INTERVAL_SECONDS=3: expected a number ≥ 3.1")
    ):
        load_settings(wecom_robot_interval_seconds=3)


async def test_a_member_the_app_does_not_know_is_reached_on_their_next_channel(
    db, clock, fake, api, registry, configure
):
    configure(delivery_order=["wecom", "qq"])
    qq = registry("qq")
    channels.register(WecomChannel(api))
    member = await factories.member("郑晓光", qq="10086")
    await Identity.create(member=member, platform="wecom", account_id="ZhengXG")
    fake.invalid_users.add("ZhengXG")
    await outbox.enqueue(
        key="wecom-next:1",
        recipient=MemberRecipient(member.id),
        template="notices/text.j2",
        context={"text": "会议通知"},
        batch="B77",
    )
    await Dispatcher().drain()
    row = await OutboxMessage.get(dedupe_key="wecom-next:1")
    assert (row.status, row.channel) == (OutboxStatus.SENT, "qq")
    assert [(s["platform"], s["via"], s["code"]) for s in row.route] == [
        ("wecom", "app", ACCOUNT_INVALID),
        ("qq", "text", ""),
    ]
    text = render("delivery/status.j2", s=await delivery_report.batch_status("B77"))
    assert "郑晓光：企业微信应用消息未发出（账号无效或不在应用的可见范围内） → QQ消息已送达" in text
    assert qq.sent == [("private", "10086", "会议通知")]


async def test_a_member_whose_only_channel_does_not_know_them_is_unreachable(db, clock, fake, api, registry):
    channels.register(WecomChannel(api))
    member = await factories.member("钱佳怡")
    await Identity.create(member=member, platform="wecom", account_id="LeftTheCorp")
    fake.invalid_users.add("LeftTheCorp")
    await outbox.enqueue(
        key="wecom-gone:1",
        recipient=MemberRecipient(member.id),
        template="notices/text.j2",
        context={"text": "会议通知"},
    )
    await Dispatcher().drain()
    row = await OutboxMessage.get(dedupe_key="wecom-gone:1")
    assert (row.status, row.channel) == (OutboxStatus.UNREACHABLE, "wecom")
    assert "81013" in row.last_error

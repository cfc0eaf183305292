"""A member's journey over the 企业微信 app, against the real app over loopback HTTP: real encrypted
callbacks (wechatpy's WeCom crypto), the fake 企业微信 API recording what the app sends."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import aiohttp

from tests.wechat.conftest import SLOW, AppProcess
from tests.wecom.fake_api import FakeWecom
from tests.wecom.wecom_side import WecomSide, event_xml, text_xml

OUTCOME = "SELECT status, channel FROM outbox WHERE dedupe_key=?"


async def settled(read: Callable[[], Any], want: Any, within: float = 10.0) -> Any:
    """`read()` once it equals `want` (the dispatcher records an outcome just after the call)."""
    deadline = asyncio.get_running_loop().time() + within
    for _ in range(int(within / 0.05)):
        value = read()
        if value == want or asyncio.get_running_loop().time() > deadline:
            return value
        await asyncio.sleep(0.05)
    return read()


async def test_url_verification_answers_the_decrypted_echostr_only_when_signed(
    wecom_app: AppProcess, side: WecomSide
):
    async with aiohttp.ClientSession() as session:
        good = side.verification("echo-7731")
        async with session.get(wecom_app.url, params=good) as answer:
            assert (answer.status, await answer.text()) == (200, "echo-7731")
        forged = {**side.verification("echo-7731"), "msg_signature": "0" * 40}
        async with session.get(wecom_app.url, params=forged) as answer:
            assert answer.status == 403
            assert "echo-7731" not in await answer.text()
        stale = side.verification("echo-7731", timestamp=1_600_000_000)
        async with session.get(wecom_app.url, params=stale) as answer:
            assert answer.status == 403


async def test_member_binds_checks_in_and_receives_the_leave_decision_through_the_app(
    wecom_app: AppProcess, side: WecomSide, fake_wecom: FakeWecom
):
    user, staff_user = "LinZhenHua", "WangMiShu"
    [member, _staff] = await wecom_app.seed(
        {"op": "member", "name": "林振华", "openid": "o-lin-wechat", "code": True},  # bound on WeChat already
        {"op": "member", "name": "王秘书", "openid": staff_user, "platform": "wecom", "staff": True},
    )
    [visit, meeting] = await wecom_app.seed(
        {"op": "activity", "title": "经济委调研座谈", "code": "6688"},
        {"op": "activity", "title": "文史委专题协商"},
    )

    bound = await side.say(user, f"绑定 {member['code']}")
    assert bound.status == 200 and "林振华" in bound.text
    # one person, one identity row per channel
    assert wecom_app.query(
        "SELECT platform, account_id FROM identity WHERE member_id=? ORDER BY platform", member["member_id"]
    ) == [("wechat", "o-lin-wechat"), ("wecom", user)]

    checked = await side.say(user, f"签到 #{visit['activity_id']} 6688")
    assert "签到成功" in checked.text and "经济委调研座谈" in checked.text
    assert wecom_app.query(
        "SELECT status, channel FROM attendance WHERE member_id=? AND activity_id=?",
        member["member_id"],
        visit["activity_id"],
    ) == [("present", "wecom")]

    asked = await side.say(user, f"请假 {meeting['activity_id']} 出差在外，无法参加")
    assert "请假申请已提交" in asked.text
    [leave_id] = [row[0] for row in wecom_app.query("SELECT id FROM leave_request")]
    # staff hear of it through the app as well
    await fake_wecom.wait_for(lambda: any("新的请假申请" in t for t in fake_wecom.app_texts(staff_user)))

    decided = await side.say(staff_user, f"批准 {leave_id}")
    assert "已批准" in decided.text and "林振华" in decided.text

    # The two activity notices queued at seeding may reach the member through the app too (they are
    # sent after the binding on a slow machine, and 企业微信 comes first in DELIVERY_ORDER).
    def decisions() -> list[str]:
        return [text for text in fake_wecom.app_texts(user) if "请假已批准" in text]

    await fake_wecom.wait_for(decisions)
    [notice] = decisions()
    assert "文史委专题协商" in notice
    [call] = [
        c
        for c in fake_wecom.calls
        if c.body.get("touser") == user and "请假已批准" in c.body.get("text", {}).get("content", "")
    ]
    assert call.body["agentid"] == 1000002 and call.body["msgtype"] == "text"
    decision = f"leave-decision:{leave_id}"
    sent = [("sent", "wecom")]
    assert await settled(lambda: wecom_app.query(OUTCOME, decision), sent) == sent


async def test_menu_click_runs_its_command_and_entering_the_app_is_ignored(
    wecom_app: AppProcess, side: WecomSide
):
    clicked = await side.post(event_xml("ClickUser", "click", "cmd:帮助"))
    assert "使用帮助" in clicked.text
    entered = await side.post(event_xml("ClickUser", "enter_agent", ""))
    assert (entered.status, entered.body) == (200, "")


async def test_same_msgid_three_times_is_handled_once(wecom_app: AppProcess, side: WecomSide):
    user = "SunHaiTao"
    [seeded] = await wecom_app.seed({"op": "member", "name": "孙海涛", "openid": user, "platform": "wecom"})
    xml = text_xml(user, "走访 社区居民 走访幸福里社区听取加装电梯意见", msg_id=990000001)
    replies = [await side.post(xml) for _ in range(3)]
    assert wecom_app.query("SELECT COUNT(*) FROM record WHERE member_id=?", seeded["member_id"]) == [(1,)]
    assert replies[0].text and "走访" in replies[0].text
    assert [reply.text for reply in replies[1:]] == [replies[0].text] * 2


async def test_slow_answer_goes_by_app_message_and_an_expired_token_is_refreshed_once(
    wecom_app: AppProcess, side: WecomSide, fake_wecom: FakeWecom
):
    user = "SlowUser"
    first = await side.say(user, SLOW)
    assert (first.status, first.body) == (200, "")  # in time: an empty answer, the reply comes later
    await fake_wecom.wait_for(lambda: fake_wecom.app_texts(user))
    assert fake_wecom.app_texts(user) == [f"慢查询完成：{SLOW.split()[1]}"]

    fake_wecom.reset()
    fake_wecom.expire_token()
    await side.say(user, SLOW)
    await fake_wecom.wait_for(lambda: fake_wecom.app_texts(user))
    assert fake_wecom.paths() == ["cgi-bin/message/send", "cgi-bin/gettoken", "cgi-bin/message/send"]
    assert [call.answer.get("errcode") for call in fake_wecom.calls] == [42001, 0, 0]
    assert fake_wecom.calls[0].query["access_token"] != fake_wecom.calls[2].query["access_token"]


async def test_holiday_greeting_reaches_the_wecom_group_and_the_robot_key_stays_out_of_the_log(
    wecom_app: AppProcess, side: WecomSide, fake_wecom: FakeWecom
):
    from tests.wecom.conftest import ROBOT_GROUP, ROBOT_KEY

    groups = '["wecom_robot:office"]'
    [queued] = await wecom_app.seed(
        {"op": "greetings", "at": "2026-10-01T08:00:00+08:00"}, env={"GREETING_GROUPS": groups}
    )
    assert queued["queued"] >= 1
    await fake_wecom.wait_for(lambda: fake_wecom.robot_posts(ROBOT_GROUP))
    [post] = fake_wecom.robot_posts(ROBOT_GROUP)
    assert post["msgtype"] == "text" and "国庆" in post["text"]["content"]
    sent = [("sent", "wecom_robot")]
    holiday = "SELECT status, channel FROM outbox WHERE kind='holiday'"
    assert await settled(lambda: wecom_app.query(holiday), sent) == sent
    assert ROBOT_KEY not in wecom_app.log()
    assert not wecom_app.query(
        "SELECT id FROM outbox WHERE recipient LIKE ? OR last_error LIKE ?", *[f"%{ROBOT_KEY}%"] * 2
    )

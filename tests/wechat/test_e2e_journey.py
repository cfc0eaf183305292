"""A member's whole journey over the Official Account, against the real app over loopback HTTP."""

from __future__ import annotations

import time

import aiohttp

from tests.wechat.conftest import SLOW, AppProcess
from tests.wechat.fake_api import FakeWechat
from tests.wechat.wechat_side import WechatSide, event_xml, text_xml


async def test_get_verification_echoes_only_with_a_valid_signature(wechat_app: AppProcess, side: WechatSide):
    async with aiohttp.ClientSession() as session:
        async with session.get(wechat_app.url, params={**side.query(), "echostr": "hello-42"}) as good:
            assert (good.status, await good.text()) == (200, "hello-42")
        forged = {**side.query(), "echostr": "hello-42", "signature": "0" * 40}
        async with session.get(wechat_app.url, params=forged) as bad:
            assert bad.status == 403
            assert "hello-42" not in await bad.text()


async def test_bind_checkin_progress_and_guided_report(wechat_app: AppProcess, side: WechatSide):
    openid = "o-journey-1"
    [seeded] = await wechat_app.seed({"op": "member", "name": "周慧敏", "code": True})
    [opened] = await wechat_app.seed({"op": "activity", "title": "经济委调研座谈", "code": "6688"})

    bound = await side.say(openid, f"绑定 {seeded['code']}")
    assert bound.status == 200
    assert "周慧敏" in bound.text
    assert wechat_app.query(
        "SELECT member_id, active FROM identity WHERE platform='wechat' AND account_id=?", openid
    ) == [(seeded["member_id"], 1)]

    # The activity number is given: the app caches open activities for a few seconds, and this one
    # was created by another process (as the CLI would) a moment ago.
    number = opened["activity_id"]
    needs_code = await side.say(openid, f"签到 #{number}")
    assert "签到码" in needs_code.text
    checked = await side.say(openid, f"签到 #{number} 6688")
    assert "签到成功" in checked.text and "经济委调研座谈" in checked.text
    assert wechat_app.query(
        "SELECT status, channel FROM attendance WHERE member_id=? AND activity_id=?",
        seeded["member_id"],
        opened["activity_id"],
    ) == [("present", "wechat")]

    progress = await side.say(openid, "我的履职")
    assert "周慧敏" in progress.text

    asked_title = await side.say(openid, "社情民意")
    assert "标题" in asked_title.text
    asked_content = await side.say(openid, "关于老旧小区加装电梯的建议")
    assert "内容" in asked_content.text
    confirm = await side.say(openid, "多个老旧小区居民反映上下楼困难，建议简化加装电梯审批流程并给予补贴。")
    assert "关于老旧小区加装电梯的建议" in confirm.text
    submitted = await side.say(openid, "确认")
    assert "SQ" in submitted.text
    assert wechat_app.query("SELECT title FROM report WHERE member_id=?", seeded["member_id"]) == [
        ("关于老旧小区加装电梯的建议",)
    ]


async def test_plain_message_gets_a_plain_reply(wechat_app: AppProcess, side: WechatSide):
    reply = await side.say("o-plain-1", "帮助", encrypted=False)
    assert reply.status == 200
    assert "Encrypt" not in reply.body
    assert "使用帮助" in reply.text


async def test_menu_click_runs_the_command(wechat_app: AppProcess, side: WechatSide):
    reply = await side.post(event_xml("o-click-1", "CLICK", "cmd:帮助"))
    assert "使用帮助" in reply.text


async def test_subscribe_welcomes_and_unsubscribe_keeps_the_identity_inactive(
    wechat_app: AppProcess, side: WechatSide
):
    openid = "o-follow-1"
    welcome = await side.post(event_xml(openid, "subscribe"))
    assert "欢迎关注" in welcome.text and "绑定" in welcome.text

    [seeded] = await wechat_app.seed({"op": "member", "name": "吴立群", "openid": openid})
    gone = await side.post(event_xml(openid, "unsubscribe", create_time=1_900_000_001))
    assert gone.status == 200 and gone.body == "success"
    assert wechat_app.query("SELECT active FROM identity WHERE account_id=?", openid) == [(0,)]
    assert wechat_app.query("SELECT COUNT(*) FROM member WHERE id=?", seeded["member_id"]) == [(1,)]

    back = await side.post(event_xml(openid, "subscribe", create_time=1_900_000_002))
    assert "吴立群" in back.text and "欢迎回到" in back.text
    assert wechat_app.query("SELECT active FROM identity WHERE account_id=?", openid) == [(1,)]


async def test_scanning_the_venue_qr_checks_in_without_the_code(wechat_app: AppProcess, side: WechatSide):
    openid, newcomer = "o-scan-1", "o-scan-2"
    await wechat_app.seed({"op": "member", "name": "郑晓光", "openid": openid})
    await wechat_app.seed({"op": "member", "name": "钱佳怡", "openid": newcomer})
    [opened] = await wechat_app.seed({"op": "activity", "title": "文史委现场视察", "code": "9911"})
    scene = f"checkin:{opened['activity_id']}"

    scanned = await side.post(event_xml(openid, "SCAN", scene, Ticket="T1"))
    assert "签到成功" in scanned.text and "文史委现场视察" in scanned.text
    followed = await side.post(event_xml(newcomer, "subscribe", f"qrscene_{scene}", Ticket="T1"))
    assert "签到成功" in followed.text
    assert wechat_app.query(
        "SELECT m.name, a.status FROM attendance a JOIN member m ON m.id=a.member_id "
        "WHERE a.activity_id=? AND a.status='present' ORDER BY m.name",
        opened["activity_id"],
    ) == sorted([("郑晓光", "present"), ("钱佳怡", "present")])


async def test_template_receipt_is_recorded(wechat_app: AppProcess, side: WechatSide):
    wechat_app.query(
        "INSERT INTO wechat_template_send (msgid, openid, template_id, status, sent_at) "
        "VALUES ('777001', 'o-tmpl-1', 'TPL', '', '2026-06-01 00:00:00+00:00')"
    )
    reply = await side.post(
        event_xml("o-tmpl-1", "TEMPLATESENDJOBFINISH", MsgID="777001", Status="failed:user block")
    )
    assert reply.body == "success"
    assert wechat_app.query("SELECT status FROM wechat_template_send WHERE msgid='777001'") == [
        ("failed:user block",)
    ]


async def test_same_msgid_three_times_is_handled_once(wechat_app: AppProcess, side: WechatSide):
    openid = "o-retry-1"
    [seeded] = await wechat_app.seed({"op": "member", "name": "孙海涛", "openid": openid})
    xml = text_xml(openid, "走访 社区居民 走访幸福里社区听取加装电梯意见", msg_id=880000001)
    replies = [await side.post(xml) for _ in range(3)]
    assert wechat_app.query("SELECT COUNT(*) FROM record WHERE member_id=?", seeded["member_id"]) == [(1,)]
    assert all(reply.status == 200 for reply in replies)
    assert replies[0].text and "走访" in replies[0].text
    assert [reply.text for reply in replies[1:]] == [replies[0].text] * 2


async def test_slow_handler_answers_success_then_customer_service(
    wechat_app: AppProcess, side: WechatSide, fake_wechat: FakeWechat
):
    openid = "o-slow-1"
    reply = await side.say(openid, SLOW)
    assert (reply.status, reply.body) == (200, "success")
    await fake_wechat.wait_for(lambda: fake_wechat.sent_texts(openid))
    assert fake_wechat.sent_texts(openid) == [f"慢查询完成：{SLOW.split()[1]}"]
    # an answer, not a notice: quiet hours never hold it back
    assert wechat_app.query("SELECT urgent FROM outbox WHERE kind = 'wechat_reply'") in ([(1,)], [(True,)])


async def test_two_clicks_in_one_second_are_two_commands(wechat_app: AppProcess, side: WechatSide):
    openid = "o-clicks-1"
    await wechat_app.seed({"op": "member", "name": "韩晓东", "openid": openid})
    second = int(time.time())
    helped = await side.post(event_xml(openid, "CLICK", "cmd:帮助", create_time=second))
    mine = await side.post(event_xml(openid, "CLICK", "cmd:我的履职", create_time=second))
    assert "使用帮助" in helped.text
    assert "韩晓东" in mine.text and "五个一" in mine.text


async def test_messages_without_msgid_answer_each_sender(wechat_app: AppProcess, side: WechatSide):
    second = int(time.time())

    def without_msgid(openid: str, text: str) -> str:
        return (
            f"<xml><ToUserName>gh_weiyuan</ToUserName><FromUserName>{openid}</FromUserName>"
            f"<CreateTime>{second}</CreateTime><MsgType>text</MsgType><Content>{text}</Content></xml>"
        )

    first = await side.post(without_msgid("o-noid-1", "帮助"))
    other = await side.post(without_msgid("o-noid-2", "我的履职"))
    assert "使用帮助" in first.text
    assert "使用帮助" not in other.text and "绑定" in other.text  # not bound: told how to bind

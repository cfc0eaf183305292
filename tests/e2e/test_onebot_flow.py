"""The whole product over QQ: the real bot process, a OneBot V11 peer on a real WebSocket."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
import websockets

from bot import clock
from bot.services import binding
from models import Attendance, AttendanceStatus, Identity, LeaveRequest, LeaveStatus, Report, Role
from tests import factories
from tests.support.app_process import IMMEDIATE_DELIVERY, AppProcess
from tests.support.onebot_peer import OneBotPeer

TOKEN = "e2e-secret-token"
GROUP = 7001
STAFF_QQ, NEW_QQ = 20001, 10002


@pytest.fixture
async def running_bot(shared_db_url: str, tmp_path):
    bot = AppProcess(database_url=shared_db_url, token=TOKEN, workdir=tmp_path, env=IMMEDIATE_DELIVERY)
    bot.start()
    try:
        await bot.wait_ready()
        yield bot
    finally:
        bot.stop()


async def _seed() -> dict[str, object]:
    await factories.member("周文清", role=Role.STAFF, qq=str(STAFF_QQ))
    newcomer = await factories.member("林建国", phone="13900000002")
    await factories.member("陈晓梅", qq="10003")
    today = await factories.activity(
        title="全体委员会议", group_id=str(GROUP), starts_in=timedelta(minutes=10)
    )
    tomorrow = await factories.activity(title="专题协商会", starts_in=timedelta(days=1))
    code = (await binding.issue_code(newcomer, "cli")).code
    leaked = (await binding.issue_code(await factories.member("赵立新"), "cli")).code
    return {"today": today, "tomorrow": tomorrow, "code": code, "leaked": leaked, "newcomer": newcomer}


async def test_member_journey_over_qq(shared_db_url, tmp_path):
    clock.set_clock(None)
    seeded = await _seed()
    bot = AppProcess(database_url=shared_db_url, token=TOKEN, workdir=tmp_path, env=IMMEDIATE_DELIVERY)
    bot.start()
    peer = OneBotPeer(bot.ws_url, TOKEN)
    try:
        await bot.wait_ready()
        await peer.connect()
        # unbound: pointed to binding
        assert "绑定" in await peer.say(NEW_QQ, "签到", GROUP)
        # a code posted in a group is refused and voided
        reply = await peer.say(30003, f"绑定 {seeded['leaked']}", GROUP)
        assert "私聊" in reply and "作废" in reply
        assert "不正确" in await peer.say(30003, f"绑定 {seeded['leaked']}")
        # bind in private, then check in in the group, then again
        assert "绑定成功" in await peer.say(NEW_QQ, f"/绑定 {seeded['code']}")
        reply = await peer.say(NEW_QQ, "签到", GROUP)
        assert "林建国 签到成功" in reply and "全体委员会议" in reply
        assert "无需重复签到" in await peer.say(NEW_QQ, "签到", GROUP)
        # leave for tomorrow's activity, approved by staff; the member is told privately
        tomorrow = seeded["tomorrow"]
        reply = await peer.say(NEW_QQ, f"请假 {tomorrow.id} 出差在外")
        assert "已提交" in reply
        leave = await LeaveRequest.get(member=seeded["newcomer"])
        notice = peer.expect(lambda a: a.target == ("private", NEW_QQ) and "请假已批准" in a.text)
        assert "已批准" in await peer.say(STAFF_QQ, f"批准 {leave.id}")
        assert "专题协商会" in (await asyncio.wait_for(notice, 10)).text
        # a member cannot approve
        assert "工作人员专用" in await peer.say(10003, f"批准 {leave.id}")
        # guided 社情民意
        assert "标题" in await peer.say(NEW_QQ, "社情民意")
        assert "内容" in await peer.say(NEW_QQ, "老旧小区加装电梯难")
        assert "确认" in await peer.say(
            NEW_QQ, "多个老旧小区居民反映加装电梯协调难、资金难，希望出台统一办法。"
        )
        reply = await peer.say(NEW_QQ, "确认")
        assert "SQ20" in reply
        # 我的履职 privately; refused in the group
        mine = await peer.say(NEW_QQ, "我的履职")
        assert "✔ 反映一条社情民意" in mine and "五个一" in mine and "天" in mine
        assert "私聊" in await peer.say(NEW_QQ, "我的履职", GROUP)
        # CQ codes typed by a member come back as literal text, never as an @all
        echo = peer.expect(lambda a: a.action == "send_msg" and a.target == ("group", GROUP))
        await peer.send_event(peer.group_message(NEW_QQ, GROUP, "走访 社区 [CQ:at,qq=all] 走访青石社区居民"))
        action = await asyncio.wait_for(echo, 10)
        segments = action.params["message"]
        assert all(seg["type"] == "text" for seg in segments)
        assert "[CQ:at,qq=all]" in action.text
    finally:
        await peer.close()
        bot.stop()

    today = seeded["today"]
    row = await Attendance.get(activity_id=today.id, member_id=seeded["newcomer"].id)
    assert row.status in (AttendanceStatus.PRESENT, AttendanceStatus.LATE) and row.channel == "qq"
    assert await Attendance.filter(member_id=seeded["newcomer"].id, activity_id=today.id).count() == 1
    assert (await LeaveRequest.get(id=leave.id)).status == LeaveStatus.APPROVED
    assert (await Attendance.get(activity_id=tomorrow.id, member_id=seeded["newcomer"].id)).status == "leave"
    assert await Report.filter(member_id=seeded["newcomer"].id).count() == 1
    assert await Identity.filter(account_id="30003").count() == 0


@pytest.mark.parametrize("token", [None, "wrong-token"])
async def test_connection_without_the_right_token_is_refused(running_bot, token):
    headers = {"X-Self-ID": "10000", "X-Client-Role": "Universal"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    with pytest.raises(websockets.InvalidStatus) as refused:
        await websockets.connect(running_bot.ws_url, additional_headers=headers)
    assert refused.value.response.status_code in (401, 403)

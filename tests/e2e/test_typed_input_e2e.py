"""Chinese input as typed, over QQ end to end: the real bot process, a OneBot V11 peer on a real
WebSocket, the database the bot writes (SQLite file and PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta

from bot import clock
from models import Attendance, AttendanceStatus, LeaveRequest, Record, Role
from tests import factories
from tests.support.app_process import AppProcess
from tests.support.onebot_peer import OneBotPeer

TOKEN = "e2e-typed-token"
GROUP = 7001


async def test_ime_forms_reach_commands_and_free_text_is_stored_as_typed(shared_db_url, tmp_path):
    clock.set_clock(None)
    member = await factories.member("林建国", qq="10001")
    await factories.member("周文清", role=Role.STAFF, qq="20001")
    meeting = await factories.activity(title="全体委员会议", code="K7Q2", group_id=str(GROUP))
    later = await factories.activity(title="专题协商会", starts_in=timedelta(days=1))
    reason = "家中有事，\u3000无法参加（已向主任报备）！"
    deed = "为社区老人送去冬衣２０件，并陪同体检。"
    bot = AppProcess(database_url=shared_db_url, token=TOKEN, workdir=tmp_path)
    bot.start()
    peer = OneBotPeer(bot.ws_url, TOKEN)
    try:
        await bot.wait_ready()
        await peer.connect()
        reply = await peer.say(10001, "签到\u3000Ｋ７Ｑ２", GROUP)
        assert "林建国 签到成功" in reply and "全体委员会议" in reply, reply
        sheet = await peer.say(20001, f"考勤\u3000＃{meeting.id}")
        assert "出席 1 人：林建国" in sheet, sheet
        assert "已提交" in await peer.say(10001, f"请假　＃{later.id}　{reason}")
        assert "已记入" in await peer.say(10001, f"／好事\u00a0{deed}")
        assert "不是有效的活动编号" in await peer.say(20001, "考勤 ①")
    finally:
        await peer.close()
        bot.stop()
    row = await Attendance.get(activity_id=meeting.id, member_id=member.id)
    assert row.status == AttendanceStatus.PRESENT
    assert (await LeaveRequest.get(member=member)).reason == reason
    assert (await Record.get(member=member)).description == deed
    assert "Traceback" not in bot.log()

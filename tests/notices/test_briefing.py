from datetime import UTC, datetime, timedelta

from bot import clock as bot_clock
from bot.delivery.recipients import GroupRecipient
from bot.services import activities
from models import Attendance, AttendanceStatus, Report, ReportStatus
from scheduler import run_due
from tests import factories
from tests.notices.helpers import configure, keys, recipient_of, row, text_of


def _local(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=bot_clock.local_zone()).astimezone(UTC)


async def test_weekly_briefing_content_and_time(db, clock, monkeypatch):
    configure(monkeypatch, greeting_groups=["qq:5001"], briefing_weekday=1, briefing_time="09:00")
    members = [await factories.member(name, qq=str(10001 + i)) for i, name in enumerate("甲乙丙丁")]
    clock.set(_local("2026-05-20T10:00"))
    held = await factories.activity(
        title="视察农村人居环境", start_at=_local("2026-05-27T14:00"), group_id="7001"
    )
    outside = await factories.activity(title="更早的会议", start_at=_local("2026-05-24T09:00"))
    coming = await factories.activity(title="协商座谈会", start_at=_local("2026-06-03T15:00"))
    later = await factories.activity(title="下下周培训", start_at=_local("2026-06-09T09:00"))
    await Attendance.filter(activity=held, member_id__in=[members[0].id, members[1].id]).update(
        status=AttendanceStatus.PRESENT
    )
    await Attendance.filter(activity=held, member=members[2]).update(status=AttendanceStatus.LATE)
    clock.set(_local("2026-05-29T18:00"))
    await activities.close(held.id, "test")
    adopted = await Report.create(
        reference="SQ2026-0001", member=members[3], title="关于加强老旧小区加装电梯的建议",
        content="内容" * 10,
        status=ReportStatus.ADOPTED, adopted_level="市级", year=2026,
    )  # fmt: skip
    await Report.filter(id=adopted.id).update(updated_at=_local("2026-05-28T10:00"))
    old = await Report.create(
        reference="SQ2026-0002", member=members[0], title="上上周采用的", content="内容" * 10,
        status=ReportStatus.ADOPTED, year=2026,
    )  # fmt: skip
    await Report.filter(id=old.id).update(updated_at=_local("2026-05-20T10:00"))

    before = _local("2026-06-01T08:59")
    clock.set(before)
    await run_due(before)
    assert await keys("briefing:") == set()
    due = _local("2026-06-01T09:00")
    clock.set(due)
    assert (await run_due(due)).briefings == 2
    assert (await run_due(due + timedelta(hours=3))).briefings == 0
    assert await keys("briefing:") == {"briefing:qq:5001:2026-W23", "briefing:qq:7001:2026-W23"}
    briefing = await row("briefing:qq:7001:2026-W23")
    assert recipient_of(briefing) == GroupRecipient("qq", "7001") and briefing.due_at == due
    text = text_of(briefing)
    assert text.startswith("【政协工作周报】2026年第23周")
    assert "5月25日至5月31日" in text
    assert f"#{held.id} 5月27日 14:00「视察农村人居环境」全体会议：应到 4 人，实到 3 人，出席率 75.0%" in text
    assert "上周总出席率：75.0%" in text
    assert "「关于加强老旧小区加装电梯的建议」（丁）已采用（市级）" in text
    assert "上上周采用的" not in text and outside.title not in text
    assert f"#{coming.id} 6月3日 15:00「协商座谈会」全体会议，区政协会议室" in text
    assert later.title not in text


async def test_quiet_week_briefing(db, clock, monkeypatch):
    configure(monkeypatch, greeting_groups=["qq:5001"])
    due = _local("2026-06-08T09:00")
    clock.set(due)
    await run_due(due)
    text = text_of(await row("briefing:qq:5001:2026-W24"))
    assert "上周没有活动" in text and "暂无" in text and "本周暂无活动安排" in text

"""Demo data: a fictional roster, one open activity, and the console user bound as staff who is
also a 委员 (so that 签到 and 我的履职 work for them as well as the staff commands).

Idempotent: running it again re-imports the same roster (which changes nothing, or brings an older
demo database up to date) and makes sure an activity is open for check-in now.
"""

from __future__ import annotations

from datetime import timedelta

from loguru import logger

from bot import clock
from bot.services import activities, roster
from bot.services.roster import HEADERS
from models import Activity, ActivityType, Identity, Member
from models.activity import ActivityStatus

DEMO_PLATFORM = "console"
DEMO_ACCOUNT = "user"
DEMO_STAFF_NAME = "周文清"

_DEMO_ROWS = [
    # 姓名, 性别, 界别, 专委会, 手机, 生日, 角色, 工作单位
    (
        DEMO_STAFF_NAME,
        "女",
        "无党派",
        "经济委",
        "13900000001",
        "1985-03-12",
        "委员、工作人员",
        "区政协办公室",
    ),
    ("林建国", "男", "经济界", "经济委", "13900000002", "1968-07-21", "委员", "青石科技有限公司"),
    ("陈晓梅", "女", "教育界", "提案委、文史委", "13900000003", "农历1972-08-15", "委员", "区实验中学"),
    ("赵立新", "男", "民革", "提案委", "13900000004", "1975-02-28", "委员", "区司法局"),
    ("孙雅琴", "女", "医药卫生界", "社法委", "13900000005", "1980-11-02", "委员", "区人民医院"),
    ("吴志强", "男", "经济界", "经济委", "13900000006", "1964-02-29", "委员", "青石科技有限公司"),
    ("郑海燕", "女", "文化艺术界", "文史委", "13900000007", "1978-05-05", "委员", "区文化馆"),
    ("钱国栋", "男", "中共", "经济委", "13900000008", "1970-12-25", "委员", "区发展改革委"),
]


async def seed() -> None:
    result = await roster.import_rows([dict(zip(HEADERS, row, strict=True)) for row in _DEMO_ROWS])
    assert result.ok, result.errors
    staff = await Member.get(name=DEMO_STAFF_NAME)
    if not await Identity.filter(platform=DEMO_PLATFORM, account_id=DEMO_ACCOUNT).exists():
        await Identity.create(member=staff, platform=DEMO_PLATFORM, account_id=DEMO_ACCOUNT)
    now = clock.now()
    open_now = await Activity.filter(
        status=ActivityStatus.OPEN, checkin_opens_at__lte=now, checkin_closes_at__gte=now
    ).exists()
    if not open_now:
        draft = activities.ActivityDraft(
            type=ActivityType.PLENARY,
            title="区政协全体委员会议（演示）",
            start_at=now + timedelta(minutes=20),
            end_at=now + timedelta(hours=2),
            place="区政协二楼会议室",
        )
        activity, count = await activities.create(draft, "demo")
        logger.info("demo activity #{} open for check-in, {} members expected", activity.id, count)

"""Dates and times as staff type them in 新建活动 and `weiyuan activity create`."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from bot.services.errors import ServiceError
from bot.services.parsing import parse_local_datetime

# the `clock` fixture: Monday 2026-06-01, 09:00 in Asia/Shanghai
READ = [
    ("12月3日下午3点", "2026-12-03 15:00"),
    ("12月3号 15:00", "2026-12-03 15:00"),
    ("十二月三日下午三点", "2026-12-03 15:00"),
    ("明天上午九点半", "2026-06-02 09:30"),
    ("明天 9:30", "2026-06-02 09:30"),
    ("后天晚上8点", "2026-06-03 20:00"),
    ("2026.12.1 9:00", "2026-12-01 09:00"),
    ("２０２６－１２－０１\u3000０９：００", "2026-12-01 09:00"),
    ("2026年12月1日9时30分", "2026-12-01 09:30"),
    ("12-1 9:00", "2026-12-01 09:00"),
    ("5月20日 9:00", "2027-05-20 09:00"),  # already past this year: next year's
    ("周三 9:00", "2026-06-03 09:00"),
    ("星期一上午10点", "2026-06-01 10:00"),
    ("下周一下午2点半", "2026-06-08 14:30"),
    ("3点一刻", "2026-06-01 15:15"),  # an hour from 1 to 6 alone is in the afternoon
    ("凌晨3点", "2026-06-01 03:00"),
    ("中午12点", "2026-06-01 12:00"),
    ("9点整", "2026-06-01 09:00"),
]
REFUSED = ["12月3日", "明天", "下午", "9", "2月30日 9:00", "25:00", "9点61", "十十点", "下下周三 9:00"]


@pytest.mark.parametrize(("typed", "meant"), READ)
def test_read_as_staff_meant(clock, typed, meant):
    moment = parse_local_datetime(typed)
    assert moment.strftime("%Y-%m-%d %H:%M") == meant and moment.utcoffset() is not None


def test_a_time_alone_is_on_the_base_date(clock):
    assert parse_local_datetime("下午5点", base_date=date(2026, 12, 3)).replace(tzinfo=None) == datetime(
        2026, 12, 3, 17, 0
    )


@pytest.mark.parametrize("typed", REFUSED)
def test_anything_else_is_refused_politely(clock, typed):
    with pytest.raises(ServiceError) as refused:
        parse_local_datetime(typed)
    assert "无法识别时间" in refused.value.render()

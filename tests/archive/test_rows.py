"""Moments written to spreadsheets: the fast fixed-offset path gives what the zone gives."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.services import rows


@pytest.mark.parametrize("zone", ["Asia/Shanghai", "Europe/Berlin", "America/New_York"])
def test_localizer_matches_the_zone_all_year(zone, monkeypatch):
    from bot.config import get_settings

    monkeypatch.setattr(get_settings(), "local_timezone", zone)
    local = rows.localizer(2026)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for hours in range(0, 366 * 24, 31):
        moment = start + timedelta(hours=hours, minutes=13)
        expected = moment.astimezone(ZoneInfo(zone)).replace(tzinfo=None)
        assert local(moment) == expected
        assert local(moment.isoformat()) == expected
    assert local(None) is None and local("") is None
    assert (rows._fixed_offset(ZoneInfo(zone), 2026) is None) == (zone != "Asia/Shanghai")

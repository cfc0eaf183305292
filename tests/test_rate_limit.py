"""The per-account rate limit: the limiter itself, and the router using it (nonebug)."""

from __future__ import annotations

from nonebug import App

from bot.rate_limit import RateLimiter, Verdict
from bot.render import render
from tests import factories
from tests.qq_events import ReplyWith, exchange, group_event, private_event


class Ticks:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_burst_then_one_notice_then_silence_then_back():
    ticks = Ticks()
    limiter = RateLimiter(burst=3, per_second=1.0, silence_seconds=30, clock=ticks)
    verdicts = [limiter.check("a") for _ in range(6)]
    assert verdicts == [Verdict.ALLOW] * 3 + [Verdict.NOTIFY] + [Verdict.DROP] * 2
    assert limiter.check("b") is Verdict.ALLOW  # somebody else is not affected
    ticks.now += 29.9
    assert limiter.check("a") is Verdict.DROP
    ticks.now += 0.2
    assert [limiter.check("a") for _ in range(3)] == [Verdict.ALLOW] * 3


def test_sustained_rate_is_allowed():
    ticks = Ticks()
    limiter = RateLimiter(burst=2, per_second=2.0, silence_seconds=30, clock=ticks)
    for _ in range(100):
        assert limiter.check("a") is Verdict.ALLOW
        ticks.now += 0.5


def test_off_and_bounded_memory():
    assert RateLimiter(burst=0, per_second=1.0, silence_seconds=1).check("a") is Verdict.ALLOW
    ticks = Ticks()
    limiter = RateLimiter(burst=2, per_second=1.0, silence_seconds=30, clock=ticks, max_accounts=100)
    for account in range(1000):
        limiter.check(account)
        ticks.now += 0.01
    assert len(limiter._buckets) <= 100


async def test_router_answers_the_burst_tells_once_then_stays_silent(app: App, db, clock, monkeypatch):
    from bot.config import reset_settings_cache

    monkeypatch.setenv("RATE_LIMIT_BURST", "3")
    monkeypatch.setenv("RATE_LIMIT_SILENCE_SECONDS", "45")
    reset_settings_cache()
    await factories.member("林建国", qq="10001")
    await factories.member("陈晓梅", qq="10002")
    none_open = render("checkin/none_open.j2", upcoming=None, missed=None)
    await exchange(
        app,
        *[(group_event(10001, f"大家好{i}"), None) for i in range(5)],  # chatter is not counted
        *[(private_event(10001, "签到"), none_open) for _ in range(3)],
        (private_event(10001, "签到"), ReplyWith("太快", "45 秒")),
        (private_event(10001, "签到"), None),
        (group_event(10001, "签到"), None),
        (private_event(10002, "签到"), none_open),
    )

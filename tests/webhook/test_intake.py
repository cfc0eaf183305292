"""The intake keeps WeChat's deadline whatever the database does, and handles each key once.

The database is made to stall (a claim or an outbox write that does not return) to show that the
webhook's answer never waits for it; the real locked-file case runs against the real bot in
tests/wechat/test_e2e_under_stress.py.
"""

from __future__ import annotations

import asyncio

import pytest

from bot.adapters.webhook import inbox
from bot.adapters.webhook.intake import Intake

WINDOW = 0.3


class Late:
    def __init__(self, stall: asyncio.Event | None = None) -> None:
        self.sent: list[tuple[str, str]] = []
        self.stall = stall

    async def __call__(self, account: str, text: str, key: str) -> None:
        if self.stall is not None:
            await self.stall.wait()
        self.sent.append((account, text))


def intake(late: Late, passive_bytes: int = 2000) -> Intake:
    return Intake("test", window=WINDOW, passive_bytes=passive_bytes, late=late)


async def test_an_answer_in_time_is_the_passive_reply_and_a_retry_gets_it_again(db):
    late = Late()
    box = intake(late)
    runs = 0

    async def run() -> None:
        nonlocal runs
        runs += 1
        await box.deliver("msg:o-1:1", "o-1", "签到成功")

    loop = asyncio.get_running_loop()
    assert await box.take("msg:o-1:1", "o-1", run, arrived=loop.time()) == "签到成功"
    assert await box.take("msg:o-1:1", "o-1", run, arrived=loop.time()) == "签到成功"
    await asyncio.sleep(0.05)
    fresh = Intake("test", window=WINDOW, passive_bytes=2000, late=late)  # another process
    assert await fresh.take("msg:o-1:1", "o-1", run, arrived=loop.time()) == "签到成功"
    assert runs == 1 and late.sent == []
    await box.close()


async def test_a_stalled_database_never_delays_the_answer(db, monkeypatch: pytest.MonkeyPatch):
    stall = asyncio.Event()
    real_claim = inbox.claim

    async def stalled_claim(key: str, account: str) -> tuple[bool, str | None]:
        await stall.wait()
        return await real_claim(key, account)

    monkeypatch.setattr(inbox, "claim", stalled_claim)
    late = Late()
    box = intake(late)
    runs = 0

    async def run() -> None:
        nonlocal runs
        runs += 1
        await box.deliver("msg:o-1:2", "o-1", "好事已记录")

    loop = asyncio.get_running_loop()
    started = loop.time()
    assert await box.take("msg:o-1:2", "o-1", run, arrived=started) is None
    retry = await box.take("msg:o-1:2", "o-1", run, arrived=loop.time())
    assert retry is None and loop.time() - started < 3 * WINDOW
    stall.set()
    for _ in range(100):
        if late.sent:
            break
        await asyncio.sleep(0.01)
    assert late.sent == [("o-1", "好事已记录")] and runs == 1
    await box.close()


async def test_the_overflow_is_queued_without_waiting_for_the_outbox(db):
    stall = asyncio.Event()
    late = Late(stall)
    box = intake(late, passive_bytes=30)
    text = "\n".join(f"第{i}行" for i in range(20))

    async def run() -> None:
        await box.deliver("msg:o-1:3", "o-1", text)

    loop = asyncio.get_running_loop()
    reply = await box.take("msg:o-1:3", "o-1", run, arrived=loop.time())
    assert reply is not None and text.startswith(reply) and len(reply.encode()) <= 30
    assert late.sent == []  # the outbox is stalled, the webhook has answered anyway
    stall.set()
    for _ in range(100):
        if late.sent:
            break
        await asyncio.sleep(0.01)
    assert reply + "\n" + late.sent[0][1] == text
    await box.close()


async def test_a_failing_handler_is_not_run_again_by_the_retry(db):
    box = intake(Late())
    runs = 0

    async def run() -> None:
        nonlocal runs
        runs += 1
        raise RuntimeError("boom")

    loop = asyncio.get_running_loop()
    assert await box.take("msg:o-1:4", "o-1", run, arrived=loop.time()) is None
    assert await box.take("msg:o-1:4", "o-1", run, arrived=loop.time()) is None
    assert runs == 1
    await box.close()

"""The real bot (`python -m bot`, fastapi+aiohttp) under a huge forged POST and a locked database.

- A 200 MB POST with a forged signature, streamed with and without a declared length, is refused
  413 after a few MB at most, and the process's memory does not grow by the body's size.
- With the SQLite file write-locked by another process for 6 s, every webhook request is answered
  within 4.5 s (passive reply or `success`, never a 5xx), what could not be said in time reaches the
  member through the customer-service API afterwards, and nothing is handled twice.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from tests.support.app_process import IMMEDIATE_DELIVERY, AppProcess
from tests.support.big_post import big_post
from tests.wechat.conftest import seed, wechat_settings
from tests.wechat.fake_api import FakeWechat
from tests.wechat.wechat_side import WechatSide, event_xml, text_xml

PATH = "/wechat/oa"
ANSWER_WITHIN = 4.5  # WeChat gives up after 5 s and sends the callback again
BODY = 200 << 20
LOCK_SECONDS = 6.0
LOGGED = "已记入本年度履职档案"  # how the answer to 好事 begins

LOCKER = """
import sqlite3, sys, time
conn = sqlite3.connect(sys.argv[1], timeout=30, isolation_level=None)
conn.execute("BEGIN EXCLUSIVE")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
conn.execute("COMMIT")
print("released", flush=True)
"""


class Running:
    def __init__(self, app: AppProcess, db_path: Path) -> None:
        self.app = app
        self.db_path = db_path
        self.url = f"http://127.0.0.1:{app.port}{PATH}"

    def query(self, sql: str, *params: object) -> list[tuple[object, ...]]:
        import sqlite3

        with sqlite3.connect(self.db_path, timeout=30) as conn:
            return conn.execute(sql, params).fetchall()


@pytest.fixture(scope="module")
async def running(
    tmp_path_factory: pytest.TempPathFactory, fake_wechat: FakeWechat
) -> AsyncIterator[Running]:
    tmp = tmp_path_factory.mktemp("wechat-stress")
    db_path = tmp / "bot.sqlite3"
    await seed(f"sqlite://{db_path}", [])
    env = {
        **IMMEDIATE_DELIVERY,
        **wechat_settings(fake_wechat.base_url),
        "WECHAT_PASSIVE_REPLY_SECONDS": "4.0",  # the shipped default, not the tests' shorter window
        "SCHEDULER_ENABLED": "false",
    }
    app = AppProcess(database_url=f"sqlite://{db_path}", env=env, workdir=tmp)
    app.start()
    try:
        await app.wait_ready()
        yield Running(app, db_path)
    finally:
        app.stop()


async def test_a_huge_forged_post_is_cut_off_before_it_is_read(running: Running, fake_wechat: FakeWechat):
    side = WechatSide(running.url, None)  # type: ignore[arg-type]
    forged = {**side.query(), "signature": "0" * 40}
    target = f"{PATH}?" + "&".join(f"{k}={v}" for k, v in forged.items())
    peak_before = running.app.peak_rss_mb()
    for chunked in (True, False):
        refused_before = running.app.log(tail=1 << 20).count('HTTP/1.1" 413')
        result = await big_post("127.0.0.1", running.app.port, target, total=BODY, chunked=chunked)
        # The server hangs up right after its answer while we are still sending: the kernel may then
        # reset the connection before we read the status line (status 0); its access log tells.
        assert result.status in (413, 0), (chunked, result)
        for _ in range(50):  # the access log line may be written a moment after the answer
            refused = running.app.log(tail=1 << 20).count('HTTP/1.1" 413') - refused_before
            if refused:
                break
            await asyncio.sleep(0.1)
        assert refused == 1, (chunked, result, running.app.log())
        assert result.sent < 32 << 20, f"the server read {result.sent >> 20} MB before refusing"
    grown = running.app.peak_rss_mb() - peak_before
    assert grown < 40, f"peak memory grew by {grown:.0f} MB for a {BODY >> 20} MB body"


async def _lock(db_path: Path) -> asyncio.subprocess.Process:
    locker = await asyncio.create_subprocess_exec(
        sys.executable, "-c", LOCKER, str(db_path), str(LOCK_SECONDS), stdout=asyncio.subprocess.PIPE
    )
    assert locker.stdout is not None
    assert (await asyncio.wait_for(locker.stdout.readline(), 10)).strip() == b"locked"
    return locker


async def test_every_request_is_answered_in_time_while_the_database_is_locked(
    running: Running, fake_wechat: FakeWechat
):
    member, staff = "o-locked-member", "o-locked-staff"
    [seeded, _] = await seed(
        f"sqlite://{running.db_path}",
        [
            {"op": "member", "name": "林思远", "openid": member},
            {"op": "member", "name": "赵工作", "openid": staff, "staff": True},
        ],
    )
    fake_wechat.reset()
    deed_text = "为社区独居老人上门送餐"
    deed = text_xml(member, f"好事 {deed_text}", msg_id=991000001)
    now = int(time.time())
    requests = [
        deed,
        text_xml(staff, "帮助", msg_id=991000002),  # longer than one passive reply: an overflow
        text_xml(member, "我的履职", msg_id=991000003),
        event_xml(member, "CLICK", "cmd:活动列表", create_time=now),
    ]
    async with aiohttp.ClientSession() as session:
        side = WechatSide(running.url, session)
        locker = await _lock(running.db_path)
        try:
            replies = await asyncio.gather(*(side.post(xml) for xml in requests))
            retry = await side.post(deed)  # WeChat resending the first message meanwhile
        finally:
            await locker.wait()
        assert [(r.status, r.elapsed < ANSWER_WITHIN) for r in [*replies, retry]] == [(200, True)] * 5, [
            (r.status, round(r.elapsed, 2), r.body[:60]) for r in [*replies, retry]
        ]

        def answered(openid: str) -> list[str]:
            passive = [r.text for r, xml in zip(replies, requests, strict=True) if openid in xml and r.text]
            return passive + fake_wechat.sent_texts(openid)

        # whatever was not said in time arrives through the customer-service API once the lock is gone
        await fake_wechat.wait_for(lambda: len(answered(member)) >= 3 and answered(staff), within=30)
        staff_help = "\n".join(answered(staff))
        assert "【工作人员指令】" in staff_help and "【委员指令】" in staff_help
        member_texts = answered(member)
        assert sum(text.startswith(LOGGED) and deed_text in text for text in member_texts) == 1, member_texts
        assert any("林思远" in text and "五个一" in text for text in member_texts)  # 我的履职
        assert not any("系统暂时出了点问题" in text for text in [*member_texts, staff_help])

        again = await side.post(deed)  # and once more after the lock: still not handled again
        assert again.status == 200
    await asyncio.sleep(1.0)  # a second handling, if any, would have written and answered by now
    assert running.query("SELECT COUNT(*) FROM record WHERE member_id=?", seeded["member_id"]) == [(1,)]
    assert sum(text.startswith(LOGGED) for text in fake_wechat.sent_texts(member)) <= 1
    assert "answering" not in running.app.log(tail=200_000)

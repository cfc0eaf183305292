"""A retry that arrives after a restart is still handled once, and gets the first answer again."""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiohttp

from tests.wechat.conftest import app_env, free_port, seed, start_app
from tests.wechat.fake_api import FakeWechat
from tests.wechat.wechat_side import WechatSide, text_xml


async def _stop(process: asyncio.subprocess.Process) -> None:
    process.terminate()
    try:
        await asyncio.wait_for(process.wait(), 10)
    except TimeoutError:
        process.kill()


async def test_retry_after_restart_is_not_handled_again(tmp_path: Path, fake_wechat: FakeWechat):
    import sqlite3

    db_path = tmp_path / "restart.sqlite3"
    db_url = f"sqlite://{db_path}"
    [seeded] = await seed(db_url, [{"op": "member", "name": "何文博", "openid": "o-restart-1"}])
    xml = text_xml("o-restart-1", "好事 为社区老人义诊", msg_id=770000001)
    replies = []
    for _ in range(2):
        port = free_port()
        url = f"http://127.0.0.1:{port}/wechat/oa"
        process = await start_app(tmp_path, app_env(fake_wechat, db_url, port), [], port, url)
        try:
            async with aiohttp.ClientSession() as session:
                replies.append(await WechatSide(url, session).post(xml))
                if len(replies) == 1:  # let the first run record the message before it stops
                    for _ in range(100):
                        with sqlite3.connect(db_path) as conn:
                            if conn.execute("SELECT COUNT(*) FROM wechat_inbound").fetchone()[0]:
                                break
                        await asyncio.sleep(0.05)
        finally:
            await _stop(process)
    first, retry = replies
    assert first.text and "好事" in first.text
    assert retry.status == 200 and retry.text == first.text
    with sqlite3.connect(db_path) as conn:
        count = conn.execute(
            "SELECT COUNT(*) FROM record WHERE member_id=?", (seeded["member_id"],)
        ).fetchone()
    assert count == (1,)

"""The retry store: what was handled (and answered) survives a restart, old keys are pruned."""

from __future__ import annotations

from bot.adapters.wechat_oa import inbox
from models import WechatInbound


async def test_seen_record_and_replay(db, clock):
    assert await inbox.seen("msg:1") == (False, None)
    await inbox.record("msg:1", "o-1", "签到成功")
    await inbox.record("msg:1", "o-1", "another answer")  # a concurrent duplicate: the first row stays
    await inbox.record("evt:o-1:5:subscribe", "o-1", None)
    assert await inbox.seen("msg:1") == (True, "签到成功")
    assert await inbox.seen("evt:o-1:5:subscribe") == (True, None)
    assert await WechatInbound.filter(key="msg:1").count() == 1


async def test_prune_keeps_recent_keys(db, clock):
    await inbox.record("msg:old", "o-1", "x")
    clock.advance(days=2)
    await inbox.record("msg:new", "o-1", "y")
    clock.advance(days=1, hours=1)
    assert await inbox.prune(3) == 1
    assert [row.key for row in await WechatInbound.all()] == ["msg:new"]

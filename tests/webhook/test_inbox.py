"""The callback store: a key is claimed once, its reply replayed to whoever loses; old keys pruned."""

from __future__ import annotations

from bot.adapters.webhook import inbox
from models import WechatInbound


async def test_claim_once_and_replay_the_recorded_reply(db, clock):
    assert await inbox.claim("msg:o-1:1", "o-1") == (True, None)
    assert await inbox.claim("msg:o-1:1", "o-1") == (False, None)  # claimed, not answered yet
    await inbox.answered("msg:o-1:1", "签到成功")
    assert await inbox.claim("msg:o-1:1", "o-1") == (False, "签到成功")
    assert await inbox.claim("msg:o-2:1", "o-2") == (True, None)  # another member's message 1
    assert await WechatInbound.filter(key="msg:o-1:1").count() == 1


async def test_prune_keeps_recent_keys(db, clock):
    await inbox.claim("msg:old", "o-1")
    clock.advance(days=2)
    await inbox.claim("msg:new", "o-1")
    clock.advance(days=1, hours=1)
    assert await inbox.prune(3) == 1
    assert [row.key for row in await WechatInbound.all()] == ["msg:new"]

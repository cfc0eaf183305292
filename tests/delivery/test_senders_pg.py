"""Two real bot processes on one PostgreSQL database, both connected to one QQ account (NapCat can
open several reverse WebSockets): one process sends for the account at a time, so the account has
one pace; a process claims only rows it sends; when the sending process loses its connection the
other takes over."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Awaitable, Callable

import pytest

from bot.delivery import outbox
from bot.delivery.recipients import AccountRecipient, MemberRecipient
from bot.render import render
from models import Identity, Member, OutboxMessage, OutboxStatus
from tests.support.app_process import AppProcess
from tests.support.databases import execute, fetch
from tests.support.onebot_peer import OneBotPeer

pytestmark = pytest.mark.postgres

INTERVAL = 0.2
TEMPLATE = "delivery/usage.j2"
# Every claim of an outbox row, as the database saw it (a claim given back and taken again shows twice).
CLAIM_LOG = """
DROP TABLE IF EXISTS claim_log;
CREATE TABLE claim_log (row_id integer, owner text);
CREATE OR REPLACE FUNCTION log_claim() RETURNS trigger AS $$
BEGIN
  IF NEW.status = 'claimed' AND OLD.status <> 'claimed' THEN
    INSERT INTO claim_log VALUES (NEW.id, NEW.claimed_by);
  END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS log_claims ON outbox;
CREATE TRIGGER log_claims AFTER UPDATE ON outbox FOR EACH ROW EXECUTE FUNCTION log_claim();
"""
NO_CLAIM_LOG = "DROP TRIGGER IF EXISTS log_claims ON outbox; DROP TABLE IF EXISTS claim_log;"


async def _until(condition: Callable[[], Awaitable[bool]], within: float, what: str) -> None:
    deadline = time.monotonic() + within
    while not await condition():
        if time.monotonic() > deadline:
            raise TimeoutError(what)
        await asyncio.sleep(0.2)


async def _all_sent(prefix: str, n: int) -> bool:
    return await OutboxMessage.filter(dedupe_key__startswith=prefix, status=OutboxStatus.SENT).count() == n


async def _claims(url: str, prefix: str) -> list[tuple[int, str]]:
    return await fetch(
        url,
        "SELECT c.row_id, c.owner FROM claim_log c JOIN outbox o ON o.id = c.row_id"
        f" WHERE o.dedupe_key LIKE '{prefix}%' ORDER BY c.row_id",
    )


def _gaps(times: list[float]) -> list[float]:
    ordered = sorted(times)
    return [b - a for a, b in itertools.pairwise(ordered)]


async def test_two_processes_on_one_account_send_at_one_pace_and_claim_only_what_they_send(
    db, postgres_url, tmp_path
):
    if db != "postgres":
        pytest.skip("several processes share one database on PostgreSQL")
    await Member.bulk_create([Member(name=f"委员{i:02d}") for i in range(20)])
    ids = sorted(await Member.all().values_list("id", flat=True))
    await Identity.bulk_create(
        [Identity(member_id=m, platform="qq", account_id=str(100_000 + m)) for m in ids]
    )
    env = {
        "QQ_PRIVATE_INTERVAL_SECONDS": str(INTERVAL),
        "QQ_PRIVATE_JITTER_SECONDS": "0",
        "QQ_DAILY_CAP": "0",
        "QUIET_HOURS_START": "00:00",
        "QUIET_HOURS_END": "00:00",
        "DELIVERY_OFFLINE_RETRY_SECONDS": "0.3",
        "DELIVERY_CLAIM_BATCH": "2",  # small claims: both processes would take turns
        "DISPATCH_INTERVAL_SECONDS": "0.2",
        "LOG_LEVEL": "INFO",
    }
    await execute(postgres_url, CLAIM_LOG)
    apps = [AppProcess(database_url=postgres_url, env=env, workdir=tmp_path / f"app{n}") for n in (1, 2)]
    peers = [OneBotPeer(app.ws_url, app.token) for app in apps]  # one account (self_id 10000), twice
    text = render(TEMPLATE)
    try:
        for app in apps:
            app.workdir.mkdir()
            app.start()
        for app, peer in zip(apps, peers, strict=True):
            await app.wait_ready(90)
            await peer.connect(within=90)
        # A broadcast to 20 members while both processes are connected to the account.
        await outbox.enqueue_many(
            [outbox.Outgoing(f"pace:{m}", MemberRecipient(m), TEMPLATE, batch="5") for m in ids]
        )
        await _until(lambda: _all_sent("pace:", 20), 120, "the broadcast was not sent")
        sends = [a for peer in peers for a in peer.calls("send_private_msg", text=text)]
        assert sorted(int(a.params["user_id"]) for a in sends) == sorted(100_000 + m for m in ids)
        senders = [n for n, peer in enumerate(peers) if peer.calls("send_private_msg", text=text)]
        assert len(senders) == 1, "both processes sent for one account"
        # One pace: sends INTERVAL apart (arrival times on a busy machine may squeeze one gap).
        gaps = _gaps([a.at for a in sends])
        assert sum(gap < INTERVAL / 2 for gap in gaps) <= 1, f"two paces on one account: {sorted(gaps)[:5]}"
        claims = await _claims(postgres_url, "pace:")
        assert len(claims) == 20 and len({owner for _, owner in claims}) == 1, claims  # each row once

        # The sending process loses its QQ connection: the other one takes the account over and
        # claims the next rows; the one without a connection claims none of them.
        holder, other = senders[0], 1 - senders[0]
        await peers[holder].close()
        await outbox.enqueue_many(
            [outbox.Outgoing(f"after:{i}", AccountRecipient("qq", str(200 + i)), TEMPLATE) for i in range(5)]
        )
        await _until(lambda: _all_sent("after:", 5), 120, "nobody took the account over")
        assert len(peers[other].calls("send_private_msg", text=text)) == 5
        claims = await _claims(postgres_url, "after:")
        assert len(claims) == 5 and len({owner for _, owner in claims}) == 1, claims
        assert f":{apps[other].process.pid}:" in claims[0][1]  # type: ignore[union-attr]
    finally:
        for app, peer in zip(apps, peers, strict=True):
            await peer.close()
            app.stop()
        await execute(postgres_url, NO_CLAIM_LOG)

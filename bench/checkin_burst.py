"""签到 under load: the real bot (every plugin loaded) against a bare NoneBot echo, same traffic.

N bound members check in to one open activity over one OneBot V11 connection (private chats, so
each reply can be matched to its member). Two arrival patterns: a burst (all at once) and a
realistic arrival (N spread evenly over `--spread` seconds). Latency is "event frame sent" →
"reply frame received" at the peer. Prints throughput, p50/p99, the ratios to the bare app and the
bot's peak RSS.

    .venv/bin/python bench/checkin_burst.py [--members 500] [--spread 10] [--database-url URL]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.app_process import AppProcess, free_port  # noqa: E402
from tests.support.onebot_peer import Action, OneBotPeer, Reply  # noqa: E402

TOKEN = "bench-token"
FIRST_QQ = 1_000_000


@dataclass
class RunResult:
    label: str
    count: int
    seconds: float
    latencies_ms: list[float]
    replies: dict[str, int]

    @property
    def throughput(self) -> float:
        return self.count / self.seconds

    def pct(self, q: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def seed(database_url: str, members: int) -> int:
    from bot import clock, db
    from bot.services import activities
    from models import ActivityType, Identity, Member, OutboxMessage

    await db.connect(database_url)
    try:
        await Member.bulk_create([Member(name=f"委员{i:04d}", sector="经济界") for i in range(members)])
        ids = await Member.all().order_by("id").values_list("id", flat=True)
        await Identity.bulk_create(
            [
                Identity(member_id=mid, platform="qq", account_id=str(FIRST_QQ + i))
                for i, mid in enumerate(ids)
            ]
        )
        start = clock.now() + timedelta(minutes=20)
        draft = activities.ActivityDraft(
            type=ActivityType.PLENARY,
            title="压力测试全体会议",
            start_at=start,
            end_at=start + timedelta(hours=2),
        )
        activity, _ = await activities.create(draft, "bench")
        # creating the activity queued a notice per member; delivered during the run they would
        # compete with the check-ins being measured
        await OutboxMessage.all().delete()
        return activity.id
    finally:
        await db.disconnect()


async def drive(ws_url: str, label: str, members: int, spread: float, first: int = 0) -> RunResult:
    peer = OneBotPeer(ws_url, TOKEN)
    sent: dict[int, float] = {}
    done: dict[int, float] = {}
    replies: dict[str, int] = {}
    finished = asyncio.Event()

    def answer(params: dict[str, Any]) -> Reply:  # the peer calls this for every reply the bot sends
        user = int(params.get("user_id", 0))
        text = Action("send_msg", params, None).text
        is_answer = text == "ok" or "签到" in text  # not a notice the bot sent of its own
        if user in sent and user not in done and is_answer:
            done[user] = time.perf_counter()
            key = "签到成功" if "签到成功" in text else text[:20]
            replies[key] = replies.get(key, 0) + 1
            if len(done) == members:
                finished.set()
        return Reply()

    for action in ("send_msg", "send_private_msg"):
        peer.reply(action, answer)
    await peer.connect()
    await asyncio.sleep(0.5)
    begin = time.perf_counter()
    for i in range(members):
        user = FIRST_QQ + first + i
        if spread:
            target = begin + spread * i / members
            delay = target - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
        sent[user] = time.perf_counter()
        await peer.send_event(peer.private_message(user, "签到", message_id=i + 1))
    await asyncio.wait_for(finished.wait(), timeout=120 + spread)
    end = max(done.values())
    await peer.close()
    latencies = [(done[u] - sent[u]) * 1000 for u in sent]
    return RunResult(label, members, end - begin, latencies, replies)


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


class BareApp:
    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.workdir = workdir
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        env = {
            **os.environ,
            "HOST": "127.0.0.1",
            "PORT": str(self.port),
            "ONEBOT_ACCESS_TOKEN": TOKEN,
            "LOG_LEVEL": "WARNING",
            "PYTHONPATH": str(ROOT),
        }
        log = (self.workdir / "bare.log").open("wb")
        self.process = subprocess.Popen(
            [sys.executable, str(ROOT / "bench" / "bare_echo_app.py")],
            cwd=self.workdir,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )

    async def wait_ready(self) -> None:
        for _ in range(300):
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", self.port)
                writer.close()
                return
            except OSError:
                await asyncio.sleep(0.1)
        raise TimeoutError("bare app did not start")

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/onebot/v11/ws"

    def stop(self) -> None:
        if self.process:
            self.process.terminate()
            self.process.wait(10)


def report(results: list[RunResult], rss: dict[str, float]) -> None:
    print(f"{'case':34} {'events':>6} {'seconds':>8} {'events/s':>9} {'p50 ms':>8} {'p99 ms':>8}")
    for r in results:
        figures = f"{r.count:6d} {r.seconds:8.2f} {r.throughput:9.1f} {r.pct(0.5):8.1f} {r.pct(0.99):8.1f}"
        print(f"{r.label:34} {figures}")

    def best(prefix: str) -> RunResult:
        return max((r for r in results if r.label.startswith(prefix)), key=lambda r: r.throughput)

    def median(prefix: str) -> float:
        return statistics.median(r.throughput for r in results if r.label.startswith(prefix))

    bot_burst, bare_burst = best("weiyuan 签到, burst"), best("bare on_command echo, burst")
    bot_spread, bare_spread = best("weiyuan 签到, spread"), best("bare on_command echo, spread")
    print()
    ratio_best = bot_burst.throughput / bare_burst.throughput
    print(f"burst throughput ratio, best of each (weiyuan / bare): {ratio_best:.2f}")
    ratio_median = median("weiyuan 签到, burst") / median("bare on_command echo, burst")
    print(f"burst throughput ratio, medians (weiyuan / bare):      {ratio_median:.2f}")
    print(
        f"burst drain time ratio, best of each (weiyuan / bare): {bot_burst.seconds / bare_burst.seconds:.2f}"
    )
    print(f"spread p99: weiyuan {bot_spread.pct(0.99):.1f} ms, bare {bare_spread.pct(0.99):.1f} ms")
    for label, value in rss.items():
        print(f"peak RSS {label}: {value:.1f} MB")
    replies = {}
    for r in results:
        if r.label.startswith("weiyuan"):
            for key, count in r.replies.items():
                replies[key] = replies.get(key, 0) + count
    print(f"weiyuan replies: {replies}")


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--members", type=int, default=500)
    parser.add_argument(
        "--spread", type=float, default=10.0, help="seconds over which a realistic run arrives"
    )
    parser.add_argument("--rounds", type=int, default=5, help="interleaved bursts per app (best and median)")
    parser.add_argument("--database-url", default="", help="default: a SQLite file in a temporary folder")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        url = args.database_url or f"sqlite://{workdir / 'bench.sqlite3'}"
        # every round checks in a fresh slice of members: nothing is warm from the round before
        await seed(url, args.members * (args.rounds + 1))
        results: list[RunResult] = []
        bare = BareApp(workdir)
        # the scheduler is off: its start-up sweep would queue reminders for every seeded member, and
        # their delivery would compete with the check-ins being measured
        quiet = {"LOG_LEVEL": "WARNING", "SCHEDULER_ENABLED": "false"}
        bot = AppProcess(database_url=url, token=TOKEN, workdir=workdir, env=quiet)
        bare.start()
        bot.start()
        try:
            await bare.wait_ready()
            await bot.wait_ready()
            for round_no in range(args.rounds):
                first = round_no * args.members
                results.append(
                    await drive(bare.ws_url, "bare on_command echo, burst", args.members, 0, first)
                )
                results.append(await drive(bot.ws_url, "weiyuan 签到, burst", args.members, 0, first))
            spread_first = args.rounds * args.members
            results.append(
                await drive(
                    bare.ws_url, "bare on_command echo, spread", args.members, args.spread, spread_first
                )
            )
            results.append(
                await drive(bot.ws_url, "weiyuan 签到, spread", args.members, args.spread, spread_first)
            )
            assert bare.process is not None and bot.process is not None
            rss = {"bare": peak_rss_mb(bare.process.pid), "weiyuan": bot.peak_rss_mb()}
        finally:
            bare.stop()
            bot.stop()
        report(results, rss)


if __name__ == "__main__":
    asyncio.run(main())

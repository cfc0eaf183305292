"""Benchmark of the WeChat webhook: safe-mode (AES) text messages at a fixed concurrency.

    python bench/wechat_webhook.py [--requests 600] [--concurrency 20] [--soak-seconds 120]

Starts the real app in a child process on loopback (SQLite file in a temporary folder, every plugin
loaded, members bound to WeChat openids, one activity open for check-in), then measures in one run:
  (a) a bare route that only decrypts, parses and encrypts a constant reply with wechatpy,
  (b) an echo command through the adapter and NoneBot,
  (c) the real 签到 through the adapter with every plugin loaded (a different member each time),
and prints requests/s, p50/p99 and the ratios. Targets: (c) ≥ 50 % of (b), p99 of (c) < 300 ms.
`--soak-seconds N` (e.g. 120) then sends 签到 at half of (c)'s rate for N seconds and counts the
responses slower than 4.5 s (WeChat gives up after 5 s). Request bodies are encrypted before the
clock starts, so the figures are the server's (plus loopback HTTP); the client shares the machine.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import aiohttp
import xmltodict
from wechatpy.crypto import WeChatCrypto

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TOKEN = "bench-token"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
APP_ID = "wxbench000000001"
OA_ID = "gh_bench"
WARMUP = 20
SLOW_SECONDS = 4.5


def sign(*parts: str) -> str:
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Requests:
    """Builds signed, encrypted WeChat text messages with fresh MsgIds."""

    def __init__(self) -> None:
        self.crypto = WeChatCrypto(TOKEN, AES_KEY, APP_ID)
        self.msg_id = int(time.time() * 1000)

    def build(self, openid: str, text: str) -> tuple[bytes, dict[str, str]]:
        self.msg_id += 1
        ts, nonce = str(int(time.time())), secrets.token_hex(5)
        xml = (
            f"<xml><ToUserName><![CDATA[{OA_ID}]]></ToUserName><FromUserName><![CDATA[{openid}]]>"
            f"</FromUserName><CreateTime>{ts}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
            f"<Content><![CDATA[{text}]]></Content><MsgId>{self.msg_id}</MsgId></xml>"
        )
        wrapped = xmltodict.parse(self.crypto.encrypt_message(xml, nonce, ts))["xml"]
        body = (
            f"<xml><ToUserName><![CDATA[{OA_ID}]]></ToUserName>"
            f"<Encrypt><![CDATA[{wrapped['Encrypt']}]]></Encrypt></xml>"
        )
        query = {
            "signature": sign(TOKEN, ts, nonce),
            "timestamp": ts,
            "nonce": nonce,
            "openid": openid,
            "encrypt_type": "aes",
            "msg_signature": wrapped["MsgSignature"],
        }
        return body.encode(), query

    def reply_text(self, body: str) -> str:
        if not body.startswith("<xml>"):
            return body
        doc = xmltodict.parse(body)["xml"]
        plain = self.crypto.decrypt_message(body, doc["MsgSignature"], doc["TimeStamp"], doc["Nonce"])
        return xmltodict.parse(plain)["xml"].get("Content") or ""


@dataclass
class Result:
    name: str
    count: int
    seconds: float
    latencies: list[float]
    failures: int
    sample: str

    @property
    def rps(self) -> float:
        return self.count / self.seconds

    def pct(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


async def seed(db_url: str, members: int) -> int:
    from bot import clock, db
    from bot.services import activities
    from models import ActivityType, Audience, Identity, Member

    await db.connect(db_url)
    try:
        await Member.bulk_create([Member(name=f"委员{i:05d}", sector="经济界") for i in range(members)], 500)
        ids = await Member.all().order_by("id").values_list("id", flat=True)
        await Identity.bulk_create(
            [
                Identity(member_id=mid, platform="wechat", account_id=f"bench-{n}")
                for n, mid in enumerate(ids)
            ],
            500,
        )
        start = clock.now() + timedelta(minutes=10)
        draft = activities.ActivityDraft(
            type=ActivityType.COMMITTEE,
            title="基准测试活动",
            start_at=start,
            end_at=start + timedelta(hours=2),
            place="会议室",
            audience=Audience.ALL,
        )
        activity, _ = await activities.create(draft, "bench")
        # creating the activity queued a notice per member; delivered during the run they would
        # compete with the requests being measured
        from models import OutboxMessage

        await OutboxMessage.all().delete()
        return activity.id
    finally:
        await db.disconnect()


async def run_case(
    session: aiohttp.ClientSession, url: str, requests: list[tuple[bytes, dict[str, str]]], concurrency: int
) -> tuple[float, list[float], list[tuple[int, str]]]:
    queue = list(reversed(requests))
    latencies: list[float] = []
    answers: list[tuple[int, str]] = []

    async def worker() -> None:
        while queue:
            body, query = queue.pop()
            started = time.perf_counter()
            async with session.post(url, params=query, data=body) as response:
                text = await response.text()
                status = response.status
            latencies.append(time.perf_counter() - started)
            answers.append((status, text))

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return time.perf_counter() - started, latencies, answers


async def measure(
    name: str,
    session: aiohttp.ClientSession,
    url: str,
    build,
    count: int,
    concurrency: int,
    expect: str,
    requests: Requests,
) -> Result:
    await run_case(session, url, [build(i) for i in range(WARMUP)], concurrency)
    prepared = [build(WARMUP + i) for i in range(count)]
    seconds, latencies, answers = await run_case(session, url, prepared, concurrency)
    texts = [requests.reply_text(body) if status == 200 else f"HTTP {status}" for status, body in answers]
    failures = sum(1 for text in texts if expect not in text)
    return Result(name, count, seconds, latencies, failures, texts[0][:40].replace("\n", " "))


async def soak(
    session: aiohttp.ClientSession,
    url: str,
    requests: Requests,
    rate: float,
    seconds: float,
    first: int,
    members: int,
) -> None:
    total = int(rate * seconds)
    latencies: list[float] = []
    failures = 0
    started = time.perf_counter()

    async def one(i: int) -> None:
        nonlocal failures
        body, query = requests.build(f"bench-{(first + i) % members}", "签到")
        sent = time.perf_counter()
        try:
            async with session.post(url, params=query, data=body) as response:
                await response.read()
                if response.status != 200:
                    failures += 1
        except aiohttp.ClientError:
            failures += 1
        latencies.append(time.perf_counter() - sent)

    tasks = []
    for i in range(total):
        delay = started + i / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(i)))
    await asyncio.gather(*tasks)
    slow = sum(1 for latency in latencies if latency > SLOW_SECONDS)
    ordered = sorted(latencies)
    p50, p99 = ordered[len(ordered) // 2] * 1000, ordered[int(0.99 * (len(ordered) - 1))] * 1000
    reused = max(0, first + total - members)
    print(
        f"\nsoak: {total} × 签到 at {rate:.1f}/s for {seconds:.0f} s: p50 {p50:.1f} ms, "
        f"p99 {p99:.1f} ms, max {ordered[-1] * 1000:.1f} ms, "
        f"> {SLOW_SECONDS} s: {slow}, failures: {failures}"
        + (f" ({reused} requests reused a member already checked in)" if reused else "")
    )


async def main_async(args: argparse.Namespace) -> int:
    workdir = Path(tempfile.mkdtemp(prefix="wechat-bench-"))
    db_url = f"sqlite://{workdir / 'bench.sqlite3'}"
    os.environ.update(WEIYUAN_ENV_FILE=os.devnull, LOG_LEVEL="WARNING")
    members = WARMUP * 2 + args.requests + int(args.soak_seconds * args.soak_members_per_second)
    activity_id = await seed(db_url, members)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WECHAT_", "ENABLE_", "ONEBOT_"))}
    env.update(
        PYTHONPATH=str(ROOT),
        WEIYUAN_ENV_FILE=os.devnull,
        DATABASE_URL=db_url,
        HOST="127.0.0.1",
        PORT=str(port),
        LOG_LEVEL="WARNING",
        ENABLE_WECHAT="true",
        ENABLE_ONEBOT="false",
        ENABLE_CONSOLE="false",
        SCHEDULER_ENABLED="false",  # its start-up sweep would queue reminders for every seeded member
        WECHAT_APP_ID=APP_ID,
        WECHAT_APP_SECRET="bench",
        WECHAT_TOKEN=TOKEN,
        WECHAT_AES_KEY=AES_KEY,
        WECHAT_ENCODING_MODE="safe",
        WECHAT_API_BASE=f"http://127.0.0.1:{free_port()}",
    )
    log = (workdir / "server.log").open("wb")
    server = subprocess.Popen(  # noqa: ASYNC220 - started once, before anything is measured
        [sys.executable, str(ROOT / "bench" / "wechat_server.py")],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    requests = Requests()
    try:
        connector = aiohttp.TCPConnector(limit=args.concurrency * 2)
        async with aiohttp.ClientSession(connector=connector) as session:
            for _ in range(300):
                try:
                    ts, nonce = str(int(time.time())), "ready"
                    params = {
                        "signature": sign(TOKEN, ts, nonce),
                        "timestamp": ts,
                        "nonce": nonce,
                        "echostr": "ok",
                    }
                    async with session.get(f"{base}/wechat/oa", params=params) as response:
                        if response.status == 200:
                            break
                except aiohttp.ClientError:
                    pass
                if server.poll() is not None:
                    print((workdir / "server.log").read_text(errors="replace")[-3000:], file=sys.stderr)
                    return 1
                await asyncio.sleep(0.1)
            n, c = args.requests, args.concurrency
            bare = await measure(
                "(a) bare wechatpy route",
                session,
                f"{base}/bench/bare",
                lambda i: requests.build(f"bench-x{i}", "你好"),
                n,
                c,
                "收到",
                requests,
            )
            echo = await measure(
                "(b) echo via adapter+NoneBot",
                session,
                f"{base}/wechat/oa",
                lambda i: requests.build(f"bench-echo-{i}", f"回声 第{i}条"),
                n,
                c,
                "第",
                requests,
            )
            checkin = await measure(
                "(c) 签到, all plugins",
                session,
                f"{base}/wechat/oa",
                lambda i: requests.build(f"bench-{i}", "签到"),
                n,
                c,
                "签到成功",
                requests,
            )
            print(
                f"\nWeChat webhook, safe mode, {n} requests per case, concurrency {c}, "
                f"activity #{activity_id}"
            )
            print(f"{'case':32} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'failed':>7}  sample reply")
            for r in (bare, echo, checkin):
                print(
                    f"{r.name:32} {r.rps:8.1f} {r.pct(0.5):8.1f} {r.pct(0.99):8.1f} "
                    f"{r.failures:7d}  {r.sample}"
                )
            print(
                f"\n(b)/(a) = {echo.rps / bare.rps:.2f}   "
                f"(c)/(b) = {checkin.rps / echo.rps:.2f} (target ≥ 0.50)"
                f"   p99 (c) = {checkin.pct(0.99):.1f} ms (target < 300)"
            )
            if args.soak_seconds > 0:
                await soak(
                    session,
                    f"{base}/wechat/oa",
                    requests,
                    checkin.rps / 2,
                    args.soak_seconds,
                    WARMUP + n,
                    members,
                )
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            print(f"kept {workdir}")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=600, help="measured requests per case")
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument(
        "--soak-seconds", type=float, default=0, help="e.g. 120 for the 2-minute run; 0 skips it"
    )
    parser.add_argument(
        "--soak-members-per-second",
        type=int,
        default=200,
        help="members seeded per soak second (fresh check-ins)",
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the temporary folder (database, server log)"
    )
    return asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    raise SystemExit(main())

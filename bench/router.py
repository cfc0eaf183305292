"""Why one router and not a matcher per command: the same 签到 burst to three NoneBot apps, same run.

    router   the product's Router (one on_message matcher, a dict lookup)      bench/router_app.py router
    one      a single on_command("签到") — the framework's floor                bench/router_app.py one
    many     one on_command per command word of the product (N matchers)      bench/router_app.py many

Each answers 签到 with "ok" (no database): the difference is routing alone. Rounds are interleaved,
each app gets the same traffic (N private 签到 over one OneBot V11 WebSocket, all at once); prints
throughput, p50/p99 and the ratios to `one`.

    .venv/bin/python bench/router.py [--messages 100] [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.checkin_burst import TOKEN, RunResult, drive  # noqa: E402
from tests.support.app_process import free_port  # noqa: E402

VARIANTS = ("one", "router", "many")


class EchoApp:
    def __init__(self, variant: str, workdir: Path) -> None:
        self.variant = variant
        self.port = free_port()
        self.log_path = workdir / f"{variant}.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        env = {
            **os.environ,
            "HOST": "127.0.0.1",
            "PORT": str(self.port),
            "ONEBOT_ACCESS_TOKEN": TOKEN,
            "LOG_LEVEL": "WARNING",
            "PYTHONPATH": str(ROOT),
            "WEIYUAN_ENV_FILE": os.devnull,
        }
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, str(ROOT / "bench" / "router_app.py"), self.variant],
                cwd=self.log_path.parent,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    async def wait_ready(self) -> None:
        for _ in range(600):
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", self.port)
                writer.close()
                return
            except OSError:
                await asyncio.sleep(0.1)
        raise TimeoutError(f"{self.variant} did not start:\n{self.log_path.read_text()}")

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/onebot/v11/ws"

    def stop(self) -> None:
        if self.process:
            self.process.terminate()
            self.process.wait(10)


def report(results: list[RunResult], words: str) -> None:
    print(f"{'app':8} {'round':>5} {'events':>6} {'seconds':>8} {'events/s':>9} {'p50 ms':>8} {'p99 ms':>8}")
    for index, r in enumerate(results):
        figures = f"{r.count:6d} {r.seconds:8.2f} {r.throughput:9.1f} {r.pct(0.5):8.1f} {r.pct(0.99):8.1f}"
        print(f"{r.label:8} {index // len(VARIANTS) + 1:5d} {figures}")
    medians = {v: statistics.median(r.throughput for r in results if r.label == v) for v in VARIANTS}
    print(f"\ncommand words known to each app: {words}")
    for variant in VARIANTS:
        ratio = medians[variant] / medians["one"]
        print(f"median throughput {variant:6}: {medians[variant]:7.1f} events/s = {ratio:.2f} × one")


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--messages", type=int, default=100, help="签到 per app per round, all at once")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (medians reported)")
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()[0]:.2f} (cores: {os.cpu_count()})")
    with tempfile.TemporaryDirectory() as tmp:
        apps = {variant: EchoApp(variant, Path(tmp)) for variant in VARIANTS}
        for app in apps.values():
            app.start()
        results: list[RunResult] = []
        try:
            for app in apps.values():
                await app.wait_ready()
            for round_no in range(args.rounds):
                for variant, app in apps.items():
                    first = round_no * args.messages
                    results.append(await drive(app.ws_url, variant, args.messages, 0, first))
        finally:
            for app in apps.values():
                app.stop()
        words = apps["many"].log_path.read_text(errors="replace").strip().splitlines()
        report(results, next((w.split("many: ")[-1] for w in words if "many: " in w), "?"))
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    asyncio.run(main())

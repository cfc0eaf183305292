"""Run the real bot (`python -m bot`) as a subprocess on a free loopback port, for end-to-end tests.

    app = AppProcess(database_url=f"sqlite://{tmp_path / 'bot.sqlite3'}", env={"QQ_DAILY_CAP": "0"})
    app.start()
    app.wait_listening()          # raises with the app's log if it exits instead
    peer = OneBotPeer(app.ws_url, app.token)
    await peer.connect()          # ready = the app accepted the OneBot connection
    ...
    app.kill()                    # SIGKILL, no clean-up at all
    app.start()                   # same port, same database
    app.stop()                    # SIGTERM, then SIGKILL after a grace period

The app's output goes to `app.log_path`; `app.log()` reads it for assertion messages.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]

# For tests that read notices as soon as they are due: no pacing, no quiet hours, fast polling.
IMMEDIATE_DELIVERY = {
    "DISPATCH_INTERVAL_SECONDS": "0.2",
    "QQ_PRIVATE_INTERVAL_SECONDS": "0",
    "QQ_PRIVATE_JITTER_SECONDS": "0",
    "QQ_GROUP_INTERVAL_SECONDS": "0",
    "QQ_GROUP_JITTER_SECONDS": "0",
    "QUIET_HOURS_START": "00:00",
    "QUIET_HOURS_END": "00:00",
    "DELIVERY_OFFLINE_RETRY_SECONDS": "0.5",
}


# `nb run`, NoneBot's own launcher (nb-cli), as an installed user would start the bot.
NB_RUN = ("-m", "nb_cli", "run")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class AppProcess:
    def __init__(
        self,
        *,
        database_url: str,
        env: dict[str, str] | None = None,
        token: str = "e2e-onebot-token",
        port: int | None = None,
        workdir: Path | None = None,
        launcher: tuple[str, ...] = ("-m", "bot"),
    ) -> None:
        self.database_url = database_url
        self.token = token
        self.port = port or free_port()
        self.workdir = workdir or Path(tempfile.mkdtemp(prefix="weiyuan-app-"))
        self.log_path = self.workdir / "app.log"
        self.extra_env = env or {}
        self.launcher = launcher
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/onebot/v11/ws"

    def environment(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
        env.update(
            {
                "PYTHONPATH": str(PROJECT_ROOT),
                "WEIYUAN_ENV_FILE": os.devnull,  # never a developer's .env
                "DATABASE_URL": self.database_url,
                "HOST": "127.0.0.1",
                "PORT": str(self.port),
                "ONEBOT_ACCESS_TOKEN": self.token,
                "ENABLE_ONEBOT": "true",
                "ENABLE_CONSOLE": "false",
                "LOG_LEVEL": "INFO",
                "DRIVER": "~fastapi+~aiohttp",
            }
        )
        env.update(self.extra_env)
        return env

    def start(self) -> None:
        assert not self.running, "already running"
        self.starts += 1
        log = self.log_path.open("ab")
        log.write(f"\n===== start {self.starts} =====\n".encode())
        log.flush()
        # cwd: the app's own folder, so that no developer's .env is read (NoneBot reads one from
        # the working directory); the project is found through PYTHONPATH.
        # `nb run` (launcher NB_RUN) reads [tool.nonebot] from the project's pyproject.toml.
        self.process = subprocess.Popen(
            [sys.executable, *self.launcher],
            cwd=PROJECT_ROOT if self.launcher == NB_RUN else self.workdir,
            env=self.environment(),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def wait_listening(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.running:
                raise RuntimeError(f"the app exited early:\n{self.log()}")
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.1)
        raise TimeoutError(f"the app did not listen on {self.port}:\n{self.log()}")

    def kill(self) -> None:
        """SIGKILL: the process gets no chance to clean up (what a crash or OOM kill does)."""
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)  # its own session: a launcher's child goes too
        self.process.wait(10)
        self.process = None

    def stop(self, grace: float = 10.0) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(grace)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(10)
        self.process = None

    async def wait_ready(self, timeout: float = 30.0) -> None:
        """`wait_listening` without blocking the event loop."""
        await asyncio.to_thread(self.wait_listening, timeout)

    def peak_rss_mb(self) -> float:
        """The process's peak resident memory so far (Linux)."""
        return self._memory_mb("VmHWM")

    def rss_mb(self) -> float:
        """The process's resident memory now (Linux)."""
        return self._memory_mb("VmRSS")

    def _memory_mb(self, field: str) -> float:
        assert self.process is not None
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) / 1024
        return float("nan")

    def log(self, tail: int = 4000) -> str:
        if not self.log_path.exists():
            return ""
        return self.log_path.read_text(errors="replace")[-tail:]

"""Screenshots of the staff web console for the README (docs/console/*.png).

    .venv/bin/python scripts/console_screenshots.py [--members 200]

Fills a throwaway SQLite database like bench/console.py does (members with a year of records and
attendance), has a share of the members check in to today's activity, starts the real bot on
loopback, signs in with a one-time link in headless Chromium (the operating system's), and saves
full-page shots of 总览 and of the activity's live page.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("WEIYUAN_ENV_FILE", os.devnull)
os.environ.setdefault("LOG_LEVEL", "WARNING")

from tests.support.app_process import AppProcess  # noqa: E402
from tests.support.browser import Browser, missing_reason  # noqa: E402

OUT = ROOT / "docs" / "console"


async def check_in_some(activity_id: int) -> None:
    """About two thirds present and a few late: a meeting filling up."""
    from bot import clock
    from models import Attendance

    rows = list(
        await Attendance.filter(activity_id=activity_id).order_by("member_id").values_list("id", flat=True)
    )
    for index, row in enumerate(rows):
        status = "present" if index % 3 else ("late" if index % 9 == 0 else "pending")
        if status != "pending":
            await Attendance.filter(id=row).update(status=status, checked_in_at=clock.now(), channel="qq")


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--members", type=int, default=200)
    args = parser.parse_args()
    reason = missing_reason()
    if reason:
        raise SystemExit(f"no browser: {reason}")
    from console import seed_console, sign_in  # bench/console.py

    from bot import db

    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite://{Path(folder) / 'shots.sqlite3'}"
        await db.connect(url)
        seeded = await seed_console(args.members)
        await check_in_some(seeded["today"])
        app = AppProcess(database_url=url, workdir=Path(folder), env={"SCHEDULER_ENABLED": "false"})
        app.start()
        browser = Browser.start(Path(folder) / "shots", width=1280, height=900)
        try:
            await app.wait_ready()
            base = f"http://127.0.0.1:{app.port}"
            cookie = await sign_in(base, seeded["admin"])
            browser.open(base + "/console/login")
            browser.driver.add_cookie({"name": "weiyuan_console", "value": cookie, "path": "/console"})
            OUT.mkdir(parents=True, exist_ok=True)
            for name, path in (
                ("overview", "/console/"),
                ("activity-live", f"/console/activities/{seeded['today']}"),
            ):
                browser.open(base + path)
                await asyncio.sleep(3)  # htmx fragments and charts
                shot = browser.shot(name, full_page=True)
                (OUT / f"{name}.png").write_bytes(shot.read_bytes())
                print(f"wrote {OUT / f'{name}.png'}")
        finally:
            browser.quit()
            app.stop()
            await db.disconnect()


if __name__ == "__main__":
    asyncio.run(main())

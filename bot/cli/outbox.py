"""`outbox-purge`: the daily outbox clean-up, run by hand (the scheduler runs it at OUTBOX_PURGE_TIME)."""

from __future__ import annotations

import typer

from bot.cli.runner import run, working
from bot.delivery import retention
from bot.render import render


async def purge_now() -> str:
    with working("清理发件箱"):
        purged = await retention.purge()
    return render("cli/outbox_purged.j2", p=purged)


def outbox_purge() -> None:
    """Summarise and delete outbox rows past their retention (OUTBOX_KEEP_SENT_DAYS / _FAILED_DAYS)."""
    run(purge_now)


def mount(app: typer.Typer) -> None:
    app.command("outbox-purge")(outbox_purge)

"""Job functions: each takes the time, reads the database and enqueues. Tests call them directly."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.config import get_settings
from bot.services import briefing, greetings, notices


@dataclass
class SweepResult:
    notices: int = 0
    greetings: int = 0
    briefings: int = 0

    @property
    def total(self) -> int:
        return self.notices + self.greetings + self.briefings


@dataclass
class Memory:
    """Days whose daily jobs this process already handled (an optimisation: keys dedupe anyway)."""

    done: set[str] = field(default_factory=set)


def catchup_window() -> timedelta:
    """How late a due job may still run: the configured catch-up window, and never less than two
    sweeps, so a job is not missed between two sweeps."""
    settings = get_settings()
    return max(
        timedelta(hours=settings.scheduler_catchup_hours),
        timedelta(seconds=2 * settings.scheduler_sweep_seconds),
    )


async def run_due(now: datetime, memory: Memory | None = None) -> SweepResult:
    """Enqueue everything due at `now`: activity reminders, silent reminders, check-in calls,
    birthday and holiday greetings, the weekly briefing."""
    window = catchup_window()
    done = memory.done if memory is not None else None
    return SweepResult(
        notices=await notices.run_due(now, window, done),
        greetings=await greetings.run_due(now, window, done),
        briefings=await briefing.run_due(now, window, done),
    )

"""Job functions: each takes the time, reads the database and enqueues. Tests call them directly."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from loguru import logger

from bot.config import get_settings
from bot.delivery import retention
from bot.services import briefing, greetings, notices, rules
from bot.services.timing import candidate_days, in_window, local_moment, parse_clock_time


@dataclass
class SweepResult:
    notices: int = 0
    greetings: int = 0
    briefings: int = 0
    rule_runs: int = 0
    purges: int = 0

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


async def run_rules_due(now: datetime, window: timedelta, done: set[str] | None = None) -> int:
    """The committee's rules, evaluated for everyone once a day at RULES_EVALUATION_TIME; on
    1 January the year that just ended is evaluated too (its year-end rules fall due then).
    Evaluation is idempotent (reminders and drafts are keyed), so a rerun after a restart is safe.
    Returns how many evaluations ran."""
    at = parse_clock_time(get_settings().rules_evaluation_time)
    done = set() if done is None else done
    runs = 0
    for day in candidate_days(now, window):
        due = local_moment(day, at)
        marker = f"rules:{day.isoformat()}"
        if marker in done or not in_window(due, now, window):
            continue
        years = [day.year - 1, day.year] if (day.month, day.day) == (1, 1) else [day.year]
        for year in years:
            outcome = await rules.evaluate_all(year)
            logger.info(
                "rules evaluated for {}: {} reminders, {} drafts",
                year,
                len(outcome.reminders),
                len(outcome.drafts),
            )
            runs += 1
        done.add(marker)
    return runs


async def run_purge_due(now: datetime, window: timedelta, done: set[str] | None = None) -> int:
    """The outbox clean-up (`bot.delivery.retention`), once a day at OUTBOX_PURGE_TIME; a missed day
    is caught up within the window (a rerun finds nothing left to purge). Returns how many ran."""
    at = parse_clock_time(get_settings().outbox_purge_time)
    done = set() if done is None else done
    runs = 0
    for day in candidate_days(now, window):
        marker = f"outbox-purge:{day.isoformat()}"
        if marker in done or not in_window(local_moment(day, at), now, window):
            continue
        purged = await retention.purge(now)
        logger.info(
            "outbox purge: {} delivered and {} failed/unknown/unreachable rows summarised and deleted",
            purged.delivered,
            purged.kept_longer,
        )
        runs += 1
        done.add(marker)
    return runs


async def run_due(now: datetime, memory: Memory | None = None) -> SweepResult:
    """Enqueue everything due at `now`: activity reminders, silent reminders, check-in calls,
    birthday and holiday greetings, the weekly briefing; and run the nightly rules evaluation and
    the daily outbox clean-up."""
    window = catchup_window()
    done = memory.done if memory is not None else None
    return SweepResult(
        notices=await notices.run_due(now, window, done),
        greetings=await greetings.run_due(now, window, done),
        briefings=await briefing.run_due(now, window, done),
        rule_runs=await run_rules_due(now, window, done),
        purges=await run_purge_due(now, window, done),
    )

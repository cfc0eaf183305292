"""The scheduler: periodic sweeps that read the database and enqueue what is due.

Jobs are derived from the database and rebuilt at start-up and whenever activities change; nothing
is kept in a job store. The outbox dedupe keys make a sweep idempotent, so a job that was due while
the bot was down runs once on start (within SCHEDULER_CATCHUP_HOURS) and never twice.
"""

from scheduler.jobs import run_due
from scheduler.runtime import reschedule, start, stop

__all__ = ["reschedule", "run_due", "start", "stop"]

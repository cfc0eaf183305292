"""Delivery: the outbox (rows), the dispatcher that drains it, and the channels it sends through.

Callers only enqueue (`outbox.enqueue` / `outbox.enqueue_many`, inside their own transaction); the
dispatcher does the rest. Modules:

- `outbox`: enqueue with a unique dedupe key (a rerun adds nothing).
- `store`: every statement on the outbox table (claim with SKIP LOCKED on PostgreSQL, lease recovery,
  in-flight marks, batched outcomes), each guarded by the dispatcher's own claim.
- `routing`: which bound identity reaches a member, in `DELIVERY_ORDER`.
- `quiet`: quiet hours (private, non-urgent messages wait; groups go unless QUIET_HOURS_GROUPS).
- `pacing`, `lanes`: one worker per platform x group/private, with its pause, jitter and daily cap.
- `sending`: one row through its channels (with the "window closed" fallback), outcomes recorded.
- `dispatcher`: claim → plan → lanes; `run_forever()` for the service, `Dispatcher.drain()` for tests.
- `channels`: the registry and the contract a channel implements (`channels/base.py`).

Final states: sent · failed (the platform's reason in `last_error`) · unknown (may have arrived: a
timeout, OneBot retcode 1200, or a process that died while handing it over; never resent
automatically, and 补发 leaves it alone) · unreachable (no bound channel; staff are told).
"""

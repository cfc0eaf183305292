"""Delivery: the outbox (rows), the dispatcher that drains it, and the channels it sends through."""

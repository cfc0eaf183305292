"""Terms (届): which term a day belongs to, and how staff set them.

A rule counted over the term (`window = "term"`) counts from the term's first day. Terms are data
(`weiyuan term set`); while none covers a day, a five-year term is derived: following on from the
nearest term that is set, or, with none set, in five-year steps from the first year the database
holds an activity for (so a committee that starts using the bot counts its first year as the
term's first, until the office sets the real dates).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from tortoise.functions import Min

from bot import clock
from bot.services import audit
from bot.services.actors import Actor
from bot.services.errors import ServiceError
from models import Activity, Term

TERM_YEARS = 5
MAX_TERM_DAYS = 6 * 366  # a term may run a little over five years (the next plenary is late)


@dataclass(frozen=True, slots=True)
class TermSpan:
    """A term's days, first and last inclusive; `number` None and `derived` for a derived term."""

    start: date
    end: date
    number: int | None = None
    derived: bool = False

    def covers(self, day: date) -> bool:
        return self.start <= day <= self.end


def _shift_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _following(term: TermSpan, day: date) -> TermSpan:
    """Five-year terms after (or before) `term`, until one covers `day`."""
    span = term
    while day > span.end:
        start = span.end + timedelta(days=1)
        span = TermSpan(start, _shift_years(start, TERM_YEARS) - timedelta(days=1), derived=True)
    while day < span.start:
        end = span.start - timedelta(days=1)
        span = TermSpan(_shift_years(end, -TERM_YEARS) + timedelta(days=1), end, derived=True)
    return span


async def _first_activity_year() -> int | None:
    row = await Activity.all().annotate(first=Min("start_at")).first().values("first")
    first = row.get("first") if row else None
    return clock.to_local(first).year if first else None


async def term_of(day: date) -> TermSpan:
    """The term `day` belongs to: a term set by staff, else a derived one."""
    terms = [TermSpan(t.start_on, t.end_on, t.number) for t in await Term.all().order_by("start_on")]
    for term in terms:
        if term.covers(day):
            return term
    if terms:
        nearest = min(terms, key=lambda t: abs((t.start - day).days))
        return _following(nearest, day)
    first_year = await _first_activity_year() or day.year
    seed = TermSpan(date(first_year, 1, 1), date(first_year + TERM_YEARS - 1, 12, 31), derived=True)
    return _following(seed, day)


async def term_for_year(year: int) -> TermSpan:
    """The term a year's evaluation counts in: the term of today, or of the year's last day if the
    year is over (of its first day for a year still to come)."""
    today = clock.today()
    day = max(min(today, date(year, 12, 31)), date(year, 1, 1))
    return await term_of(day)


async def all_terms() -> list[Term]:
    return list(await Term.all().order_by("start_on"))


async def set_term(actor: Actor, number: int, start: date, end: date) -> Term:
    """Create or change term `number`; refused when the dates are reversed, too long, or overlap."""
    if number < 1:
        raise ServiceError("terms/bad_number.j2", number=number)
    if end <= start or (end - start).days > MAX_TERM_DAYS:
        raise ServiceError("terms/bad_dates.j2", start=start, end=end)
    for other in await Term.exclude(number=number):
        if start <= other.end_on and other.start_on <= end:
            raise ServiceError("terms/overlap.j2", other=other)
    term, _ = await Term.update_or_create(
        defaults={"start_on": start, "end_on": end, "set_by": actor.label}, number=number
    )
    await audit.record(actor.label, "term_set", f"term:{number}")
    return term

"""Staff views of the year's archive: ranking, watchlist (预警), unfinished tasks, one member's archive.

Each view that shows personal data writes an audit entry.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot import clock
from bot.config import PROJECT_ROOT, get_settings
from bot.input_text import fold, is_number
from bot.services import assessment, audit, export, membership, rules
from bot.services.actors import Actor, find_member
from bot.services.assessment import Standing
from bot.services.errors import ServiceError
from bot.services.parsing import fits, read_number
from models import Committee, Consequence, ConsequenceStatus, Member


@dataclass(frozen=True, slots=True)
class Ranking:
    year: int
    scope: str
    standings: list[Standing]
    total: int
    committee: str = ""


def split_year(args: str) -> tuple[int, str]:
    """A leading or trailing 4-digit year (optionally with 年) in the arguments; default this year."""
    words = fold(args).split()
    for index in (0, -1):
        if words and is_number(words[index].removesuffix("年")) and len(words[index].removesuffix("年")) == 4:
            year = int(words.pop(index).removesuffix("年"))
            return year, " ".join(words)
    return clock.today().year, " ".join(words)


async def ranking(actor: Actor, args: str, *, recent: bool = False) -> Ranking:
    """`排名 [N]`, `排名 专委会 <名称>`, `排名 界别 <名称>` (optionally with a year).
    `recent`: from the assessment computed at most a minute ago (the web console's pages)."""
    year, rest = split_year(args)
    result = await (assessment.recent_assessment(year) if recent else assessment.assess(year))
    head, _, name = rest.partition(" ")
    name = name.strip()
    await audit.record(actor.label, "ranking_view", f"year:{year}")
    if head in ("专委会", "委员会"):
        if not fits(Committee, "name", name) or not await Committee.filter(name=name).exists():
            raise ServiceError("archive/unknown_committee.j2", committee=name)
        group = result.in_committee(name)
        return Ranking(year, f"专委会「{name}」", group, len(group), committee=name)
    if head == "界别":
        group = result.in_sector(name)
        if not group:
            raise ServiceError("archive/unknown_sector.j2", sector=name)
        return Ranking(year, f"界别「{name}」", group, len(group))
    if head and read_number(head) is None:
        raise ServiceError("archive/ranking_usage.j2")
    limit = read_number(head) if head else None
    return Ranking(year, "全体委员", result.standings[: max(1, min(limit or 10, 200))], len(result.standings))


@dataclass(frozen=True, slots=True)
class Watchlist:
    year: int
    near: list[rules.Finding]
    reached: list[rules.Finding]
    drafts: list[Consequence]
    confirmed: int


def only_year(args: str, command: str) -> int:
    """`<command> [年份]`: the year, or this year; anything else is a usage question, not ignored."""
    year, rest = split_year(args)
    if rest:
        raise ServiceError("archive/year_usage.j2", command=command)
    return year


async def watchlist(actor: Actor, args: str) -> Watchlist:
    year = only_year(args, "预警")
    found = await rules.findings(year)
    drafts = await (
        Consequence.filter(year=year, status=ConsequenceStatus.DRAFT)
        .select_related("member")
        .order_by("created_at", "id")
    )
    confirmed = await Consequence.filter(year=year, status=ConsequenceStatus.CONFIRMED).count()
    await audit.record(actor.label, "watchlist_view", f"year:{year}")
    return Watchlist(
        year,
        [f for f in found if not f.reached],
        [f for f in found if f.reached],
        list(drafts),
        confirmed,
    )


async def unfinished(actor: Actor, args: str) -> tuple[int, list[Standing], int]:
    year = only_year(args, "未完成")
    result = await assessment.assess(year)
    await audit.record(actor.label, "unfinished_view", f"year:{year}")
    missing = [s for s in result.standings if s.missing]
    return year, missing, len(result.standings)


async def member_view(
    actor: Actor, args: str, *, recent: bool = False
) -> tuple[Member, Standing | None, int, int]:
    year, query = split_year(args)
    member = await find_member(query)
    membership.require_counted(member, own=False)
    standing, total = await assessment.standing_of(member.id, year, recent=recent)
    await audit.record(actor.label, "archive_view", member)
    return member, standing, total, year


def export_dir() -> str:
    folder = get_settings().archive_dir
    return folder if folder.startswith("/") else str(PROJECT_ROOT / folder)


async def export_year(actor: Actor, args: str) -> tuple[int, str]:
    year = only_year(args, "导出档案")
    stamp = clock.local_now().strftime("%Y%m%d-%H%M%S")
    path = await export.year_archive(year, f"{export_dir()}/实绩档案-{year}-{stamp}.xlsx")
    await audit.record(actor.label, "archive_export", f"year:{year}")
    return year, str(path)

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
    group: Group | None = None


def only_year(args: str, command: str) -> int:
    """`<command> [年份]`: the year, or this year; anything else is a usage question, not ignored."""
    year, rest = split_year(args)
    if rest:
        raise ServiceError("archive/year_usage.j2", command=command)
    return year


@dataclass(frozen=True, slots=True)
class Group:
    """A 专委会 or a 界别 that a staff view is narrowed to."""

    kind: str
    name: str

    @property
    def label(self) -> str:
        return f"{self.kind}「{self.name}」"

    def holds(self, standing: Standing) -> bool:
        return self.name in standing.committees if self.kind == "专委会" else standing.sector == self.name


async def read_group(args: str, command: str) -> tuple[int, Group | None]:
    """`<command> [年份] [专委会 X｜界别 X]`: the year and the group (None: everybody)."""
    year, rest = split_year(args)
    if not rest:
        return year, None
    head, _, name = rest.partition(" ")
    name = name.strip()
    if head in ("专委会", "委员会"):
        if not fits(Committee, "name", name) or not await Committee.filter(name=name).exists():
            raise ServiceError("archive/unknown_committee.j2", committee=name)
        return year, Group("专委会", name)
    if head == "界别":
        if not fits(Member, "sector", name) or not await membership.members().filter(sector=name).exists():
            raise ServiceError("archive/unknown_sector.j2", sector=name)
        return year, Group("界别", name)
    raise ServiceError("archive/group_usage.j2", command=command)


async def _ids_in(group: Group) -> list[int]:
    query = membership.members()
    query = (
        query.filter(committees__name=group.name)
        if group.kind == "专委会"
        else query.filter(sector=group.name)
    )
    return sorted(set(await query.values_list("id", flat=True)))


async def watchlist(actor: Actor, args: str) -> Watchlist:
    """`预警 [年份] [专委会 X｜界别 X]`."""
    year, group = await read_group(args, "预警")
    ids = await _ids_in(group) if group else None
    found = await rules.findings(year, ids)
    drafts = Consequence.filter(year=year, status=ConsequenceStatus.DRAFT)
    confirmed = Consequence.filter(year=year, status=ConsequenceStatus.CONFIRMED)
    if ids is not None:
        drafts, confirmed = drafts.filter(member_id__in=ids), confirmed.filter(member_id__in=ids)
    await audit.record(actor.label, "watchlist_view", f"year:{year}")
    return Watchlist(
        year,
        [f for f in found if not f.reached],
        [f for f in found if f.reached],
        list(await drafts.select_related("member").order_by("created_at", "id")),
        await confirmed.count(),
        group,
    )


async def unfinished(actor: Actor, args: str) -> tuple[int, list[Standing], int, Group | None]:
    """`未完成 [年份] [专委会 X｜界别 X]`: who has 五个一 missing, of how many."""
    year, group = await read_group(args, "未完成")
    result = await assessment.assess(year)
    await audit.record(actor.label, "unfinished_view", f"year:{year}")
    counted = [s for s in result.standings if group is None or group.holds(s)]
    return year, [s for s in counted if s.missing], len(counted), group


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


BY_COMMITTEE = ("分专委会", "按专委会", "专委会")


async def export_year(actor: Actor, args: str) -> tuple[int, str]:
    """`导出档案 [年份] [分专委会]`: the year's archive, with a sheet per 专委会 when asked."""
    words = fold(args).split()
    by_committee = bool(words) and words[-1] in BY_COMMITTEE
    year = only_year(" ".join(words[:-1] if by_committee else words), "导出档案")
    stamp = clock.local_now().strftime("%Y%m%d-%H%M%S")
    path = await export.year_archive(
        year, f"{export_dir()}/实绩档案-{year}-{stamp}.xlsx", by_committee=by_committee
    )
    await audit.record(actor.label, "archive_export", f"year:{year}")
    return year, str(path)

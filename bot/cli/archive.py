"""`policy check`, `archive export|member`, `commendations`, `proposal add|progress`, `rules evaluate`,
`audit`: the performance archive and assessment."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from typing import Annotated

import typer

from bot import clock
from bot.cli.runner import (
    CLI_ACTOR,
    ROW_NUMBER_MAX,
    YEAR_MAX,
    YEAR_MIN,
    input_file,
    output_file,
    run,
    working,
)
from bot.render import render
from bot.sender import Sender
from bot.services import (
    audit,
    commendation_export,
    export,
    membership,
    policy,
    proposals,
    review_batch,
    rules,
)
from bot.services.actors import Actor, find_member
from bot.services.errors import ServiceError
from bot.services.parsing import parse_number
from models.assessment import CONSEQUENCE_LABELS
from models.proposals import PROPOSAL_STAGE_LABELS

policy_app = typer.Typer(help="assessment policy files", no_args_is_help=True)
archive_app = typer.Typer(help="performance archive exports", no_args_is_help=True)
proposal_app = typer.Typer(help="record proposals", no_args_is_help=True)
rules_app = typer.Typer(help="the committee's rules", no_args_is_help=True)

Year = Annotated[int | None, typer.Option(min=YEAR_MIN, max=YEAR_MAX, help="the year (default: this year)")]


def _year(year: int | None) -> int:
    return year if year is not None else clock.today().year


async def check_policy(file: str) -> str:
    loaded = policy.load_file(input_file(file))  # a PolicyError lists every wrong line (exit 1)
    return render("archive/cli_policy_ok.j2", path=file, policy=loaded)


@policy_app.command("check")
def policy_check(file: Annotated[str, typer.Argument(help="policy .toml")]) -> None:
    """Validate a policy file, report every wrong line."""
    run(lambda: check_policy(file), database=False)


async def export_year(year: int, out: str, by_committee: bool = False) -> str:
    target = output_file(out)
    with working(f"正在导出 {year} 年度档案"):
        path = await export.year_archive(year, target, by_committee=by_committee)
    await audit.record(CLI_ACTOR, "archive_export", f"year:{year}")
    return render("archive/cli_written.j2", path=str(path))


@archive_app.command("export")
def archive_export(
    out: Annotated[str, typer.Argument(help="output .xlsx")],
    year: Year = None,
    by_committee: Annotated[bool, typer.Option(help="also a sheet per 专委会")] = False,
) -> None:
    """The year's archive as .xlsx: 汇总 with rank (overall and per 专委会), grade, score; 考勤;
    得分明细 (every point with its record); a sheet per kind of record."""
    run(lambda: export_year(_year(year), out, by_committee))


async def export_member(query: str, year: int, out: str) -> str:
    target = output_file(out)
    member = await find_member(query)
    membership.require_counted(member, own=False)
    with working(f"正在导出 {member.name} 的档案"):
        path = await export.member_archive(member.id, year, target)
    await audit.record(CLI_ACTOR, "member_export", member)
    return render("archive/cli_written.j2", path=str(path))


@archive_app.command("member")
def archive_member(
    member: Annotated[str, typer.Argument(help="name, roster number (#12) or phone")],
    out: Annotated[str, typer.Argument(help="output .xlsx")],
    year: Year = None,
) -> None:
    """One member's archive as .xlsx."""
    run(lambda: export_member(member, _year(year), out))


async def export_commendations(year: int, out: str) -> str:
    target = output_file(out)
    with working(f"正在生成 {year} 年度表彰名单"):
        path, count = await commendation_export.export(year, target)
    await audit.record(CLI_ACTOR, "commendations_export", f"year:{year}")
    return render("archive/cli_written.j2", path=str(path), count=count)


def commendations(out: Annotated[str, typer.Argument(help="output .xlsx")], year: Year = None) -> None:
    """The year's confirmed commendations (表彰名单): a sheet for each body they are reported to
    (the policy's recipients, e.g. 组织部 and 统战部) and one per 委员单位."""
    run(lambda: export_commendations(_year(year), out))


async def add_proposal(member: str, number: str, title: str, cosigners: str) -> str:
    names = proposals.split_names(cosigners)
    proposal = await proposals.record(await find_member(member), number, title, names, CLI_ACTOR)
    unmatched = await proposals.unmatched_cosigners(proposal)
    return render("proposal/recorded.j2", proposal=proposal, unmatched=unmatched, recorder=CLI_ACTOR)


@proposal_app.command("add")
def proposal_add(
    member: Annotated[str, typer.Argument(help="the first author: name, roster number or phone")],
    number: Annotated[str, typer.Argument(help="the proposal's number, e.g. 0007")],
    title: Annotated[str, typer.Argument(help="its title")],
    cosigners: Annotated[str, typer.Option(help="names separated by 、 or commas")] = "",
) -> None:
    """Record a proposal with its number and co-signers."""
    run(lambda: add_proposal(member, number, title, cosigners))


async def advance_proposal(number: str, step: list[str]) -> str:
    proposal, progress, authors = await proposals.advance(number, " ".join(step), CLI_ACTOR)
    return render(
        "proposal/advanced.j2",
        proposal=proposal,
        step=progress,
        stage_label=PROPOSAL_STAGE_LABELS[progress.stage],
        authors=authors,
    )


@proposal_app.command("progress")
def proposal_progress(
    number: Annotated[str, typer.Argument(help="the proposal's number")],
    step: Annotated[list[str], typer.Argument(help="交办 <部门> | 已答复 [说明] | 满意 | 不满意 [说明]")],
) -> None:
    """Record handling progress; every author is told."""
    run(lambda: advance_proposal(number, step))


async def evaluate_rules(year: int | None) -> str:
    with working("正在按规则评估全体委员"):
        outcome = await rules.evaluate_all(year)
    return render("archive/cli_rules.j2", outcome=outcome, year=_year(year))


@rules_app.command("evaluate")
def rules_evaluate(year: Year = None) -> None:
    """Evaluate everyone now (what the nightly job does)."""
    run(lambda: evaluate_rules(year))


@dataclass(frozen=True, slots=True)
class _Operator(Actor):
    """The operator at the command line, named `cli` in decisions and the audit log."""

    @property
    def label(self) -> str:
        return CLI_ACTOR


OPERATOR = _Operator(Sender("cli", CLI_ACTOR), None)


async def list_pending(page: int) -> str:
    found = await review_batch.pending_page(str(page))
    return render("archive/cli_pending.j2", page=found, labels=CONSEQUENCE_LABELS)


@rules_app.command("pending")
def rules_pending(
    page: Annotated[int, typer.Option(min=1, max=ROW_NUMBER_MAX, help="page of 20")] = 1,
) -> None:
    """Drafted consequences waiting for staff: the total and one page."""
    run(lambda: list_pending(page))


async def decide(
    action: str, which: str, *, reason: str = "", publish: bool = False, yes: bool = False
) -> str:
    """Confirm or dismiss the drafts named (`12`, `3-12`, `3,5,8`, `all`): a preview unless `yes`."""
    text = "全部" if which.strip().lower() == "all" else which
    selection = review_batch.parse_selection(text) or review_batch.Selection(
        text, numbers=(parse_number(text, what="处理编号"),)
    )
    if action == "dismiss" and not reason.strip():
        raise ServiceError("review/dismiss_needs_reason.j2")
    drafts = await review_batch.selected_drafts(selection)
    numbers = [c.id for c in drafts]
    context = {"action": action, "publish": publish, "reason": reason.strip(), "labels": CONSEQUENCE_LABELS}
    if not yes:
        return render("review/batch_preview.j2", drafts=drafts, limit=len(drafts), cli=True, **context)
    if action == "confirm":
        result = await review_batch.confirm_many(OPERATOR, numbers, publish=publish)
    else:
        result = await review_batch.dismiss_many(OPERATOR, numbers, reason)
    return render("review/batch_done.j2", result=result, limit=len(numbers), **context)


Which = Annotated[str, typer.Argument(help="draft number, range 3-12, list 3,5,8, or all")]
Yes = Annotated[bool, typer.Option("--yes", help="do it (without: only a preview)")]


@rules_app.command("confirm")
def rules_confirm(
    which: Which,
    publish: Annotated[bool, typer.Option(help="also publish to the configured group")] = False,
    yes: Yes = False,
) -> None:
    """Confirm drafted consequences (each member is told); a preview unless --yes."""
    run(lambda: decide("confirm", which, publish=publish, yes=yes))


@rules_app.command("dismiss")
def rules_dismiss(
    which: Which,
    reason: Annotated[str, typer.Option(help="why (required)")],
    yes: Yes = False,
) -> None:
    """Dismiss drafted consequences with a reason (nobody is told); a preview unless --yes."""
    run(lambda: decide("dismiss", which, reason=reason, yes=yes))


async def read_audit(since: str | None, actor: str, action: str, limit: int) -> str:
    start = None
    if since:
        start = datetime.combine(datetime.strptime(since, "%Y-%m-%d").date(), time(), clock.local_zone())
    rows = await audit.entries(since=start, actor=actor, action=action, limit=limit)
    return render("archive/cli_audit.j2", rows=rows, labels=audit.ACTION_LABELS)


def audit_log(
    since: Annotated[
        datetime | None, typer.Option(formats=["%Y-%m-%d"], help="YYYY-MM-DD (local date)")
    ] = None,
    actor: Annotated[str, typer.Option(help="e.g. member:3 or cli")] = "",
    action: Annotated[str, typer.Option(help="e.g. archive_export")] = "",
    limit: Annotated[int, typer.Option(min=1, max=100_000, help="most entries shown")] = 200,
) -> None:
    """Read the audit log of staff actions on personal data (who, when, what; never the data)."""
    day = since.date().isoformat() if since else None
    run(lambda: read_audit(day, actor, action, limit))


def mount(app: typer.Typer) -> None:
    app.add_typer(policy_app, name="policy")
    app.add_typer(archive_app, name="archive")
    app.command("commendations")(commendations)
    app.add_typer(proposal_app, name="proposal")
    app.add_typer(rules_app, name="rules")
    app.command("audit")(audit_log)

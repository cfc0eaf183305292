"""Operator commands for the performance archive: policy check, exports, proposals, rules, audit log.

`add_archive_commands(subparsers)` adds them to a larger argparse CLI; each sub-command sets
`run(args)` / `async_handler(args)`: async, returns the exit code, expects the database to be open
(what `bot.cli`'s `_run` does), and `handler(args) -> int`: runs to completion on its own
(connects to the database when it needs one).
Standalone: `python -m bot.cli_archive --help`.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable
from datetime import datetime, time

from bot import clock
from bot.render import render

AsyncHandler = Callable[[argparse.Namespace], Awaitable[int]]
CLI_ACTOR = "cli"


def _out(text: str) -> None:
    print(text)


async def policy_check(args: argparse.Namespace) -> int:
    from bot.services import policy

    try:
        loaded = policy.load_file(args.file)
    except policy.PolicyError as exc:
        print(exc.render(), file=sys.stderr)
        return 1
    _out(render("archive/cli_policy_ok.j2", path=args.file, policy=loaded))
    return 0


async def archive_export(args: argparse.Namespace) -> int:
    from bot.services import audit, export

    path = await export.year_archive(args.year, args.out)
    await audit.record(CLI_ACTOR, "archive_export", f"year:{args.year}")
    _out(render("archive/cli_written.j2", path=str(path)))
    return 0


async def archive_member(args: argparse.Namespace) -> int:
    from bot.services import audit, export
    from bot.services.actors import find_member
    from bot.services.errors import ServiceError

    try:
        member = await find_member(args.member)
    except ServiceError as refusal:
        print(refusal.render(), file=sys.stderr)
        return 1
    path = await export.member_archive(member.id, args.year, args.out)
    await audit.record(CLI_ACTOR, "member_export", member)
    _out(render("archive/cli_written.j2", path=str(path)))
    return 0


async def commendations(args: argparse.Namespace) -> int:
    from bot.services import audit, export

    path, count = await export.commendations(args.year, args.out, args.grade or ())
    await audit.record(CLI_ACTOR, "commendations_export", f"year:{args.year}")
    _out(render("archive/cli_written.j2", path=str(path), count=count))
    return 0


async def audit_log(args: argparse.Namespace) -> int:
    from bot.services import audit

    since = None
    if args.since:
        since = datetime.combine(datetime.strptime(args.since, "%Y-%m-%d").date(), time(), clock.local_zone())
    rows = await audit.entries(
        since=since, actor=args.actor or "", action=args.action or "", limit=args.limit
    )
    _out(render("archive/cli_audit.j2", rows=rows, labels=audit.ACTION_LABELS))
    return 0


async def proposal_add(args: argparse.Namespace) -> int:
    from bot.services import proposals
    from bot.services.actors import find_member
    from bot.services.errors import ServiceError

    names = [n for n in proposals._SPLIT_NAMES.split(args.cosigners or "") if n]
    try:
        proposal = await proposals.record(
            await find_member(args.member), args.number, args.title, names, CLI_ACTOR
        )
    except ServiceError as refusal:
        print(refusal.render(), file=sys.stderr)
        return 1
    unmatched = await proposals.unmatched_cosigners(proposal)
    _out(render("proposal/recorded.j2", proposal=proposal, unmatched=unmatched))
    return 0


async def proposal_progress(args: argparse.Namespace) -> int:
    from bot.services import proposals
    from bot.services.errors import ServiceError
    from models.proposals import PROPOSAL_STAGE_LABELS

    try:
        proposal, step, authors = await proposals.advance(args.number, " ".join(args.step), CLI_ACTOR)
    except ServiceError as refusal:
        print(refusal.render(), file=sys.stderr)
        return 1
    _out(
        render(
            "proposal/advanced.j2",
            proposal=proposal,
            step=step,
            stage_label=PROPOSAL_STAGE_LABELS[step.stage],
            authors=authors,
        )
    )
    return 0


async def rules_evaluate(args: argparse.Namespace) -> int:
    from bot.services import rules

    outcome = await rules.evaluate_all(args.year)
    _out(render("archive/cli_rules.j2", outcome=outcome, year=args.year or clock.today().year))
    return 0


def _runner(work: AsyncHandler, *, needs_db: bool = True) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        async def main() -> int:
            if not needs_db:
                return await work(args)
            from bot import db

            await db.connect()
            try:
                return await work(args)
            finally:
                await db.disconnect()

        return asyncio.run(main())

    return run


def _command(
    subparsers: argparse._SubParsersAction,
    name: str,
    work: AsyncHandler,
    help_text: str,
    *,
    needs_db: bool = True,
) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(name, help=help_text, description=help_text)
    parser.set_defaults(run=work, handler=_runner(work, needs_db=needs_db), async_handler=work)
    return parser


def add_archive_commands(subparsers: argparse._SubParsersAction) -> None:
    """Add `policy`, `archive`, `commendations`, `proposal`, `rules` and `audit` to a CLI."""
    this_year = clock.today().year

    policy = subparsers.add_parser("policy", help="assessment policy files").add_subparsers(dest="policy_cmd")
    check = _command(
        policy, "check", policy_check, "validate a policy file, report wrong lines", needs_db=False
    )
    check.add_argument("file")

    archive = subparsers.add_parser("archive", help="performance archive exports").add_subparsers(
        dest="archive_cmd"
    )
    export = _command(archive, "export", archive_export, "the year's archive as .xlsx")
    export.add_argument("--year", type=int, default=this_year)
    export.add_argument("out")
    member = _command(archive, "member", archive_member, "one member's archive as .xlsx")
    member.add_argument("member", help="name, roster number (#12) or phone")
    member.add_argument("out")
    member.add_argument("--year", type=int, default=this_year)

    praise = _command(
        subparsers, "commendations", commendations, "commendation list (表彰名单) from the grades"
    )
    praise.add_argument("--year", type=int, default=this_year)
    praise.add_argument("--grade", action="append", help="grade(s) to list (default: the top grade)")
    praise.add_argument("out")

    proposal = subparsers.add_parser("proposal", help="record proposals").add_subparsers(dest="proposal_cmd")
    add = _command(proposal, "add", proposal_add, "record a proposal with its number and co-signers")
    add.add_argument("member")
    add.add_argument("number")
    add.add_argument("title")
    add.add_argument("--cosigners", default="", help="names separated by 、 or commas")
    progress = _command(proposal, "progress", proposal_progress, "record handling progress, tell the authors")
    progress.add_argument("number")
    progress.add_argument("step", nargs="+", help="交办 <部门> | 已答复 [说明] | 满意 | 不满意 [说明]")

    rules = subparsers.add_parser("rules", help="the committee's rules").add_subparsers(dest="rules_cmd")
    evaluate = _command(
        rules, "evaluate", rules_evaluate, "evaluate everyone now (what the nightly job does)"
    )
    evaluate.add_argument("--year", type=int, default=None)

    audit = _command(subparsers, "audit", audit_log, "read the audit log of staff actions on personal data")
    audit.add_argument("--since", help="YYYY-MM-DD (local date)")
    audit.add_argument("--actor", help="e.g. member:3 or cli")
    audit.add_argument("--action", help="e.g. archive_export")
    audit.add_argument("--limit", type=int, default=200)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bot.cli_archive", description="委员之家 archive and assessment"
    )
    add_archive_commands(parser.add_subparsers(dest="command"))
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 2
    return handler(args)


if __name__ == "__main__":
    raise SystemExit(main())

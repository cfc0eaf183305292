"""Every registered command, with a table of odd arguments, as a member and as staff, on both backends:
no traceback, no generic apology, ever. Commands are taken from the router's registry, so a command
added later is driven too; a guided conversation a command opens gets the same odd answers.

The router is driven directly (its `route` and `handle`, what the single NoneBot matcher calls) to
keep a few thousand messages within seconds; the matcher around it is covered by the nonebug tests.
"""

from __future__ import annotations

import traceback
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from loguru import logger

from bot.chat import router
from bot.render import render
from bot.services import records, reports
from models import Consequence, ConsequenceKind, LeaveRequest, RecordKind, Role
from tests import factories
from tests.qq_events import group_event, private_event

MEMBER, STAFF, STRANGER, GROUP = 10001, 20001, 30001, 7001
ROOT = Path(__file__).resolve().parents[2]
PRODUCT = (str(ROOT / "bot"), str(ROOT / "plugins"))

ODD_ARGUMENTS = [
    "",
    "　",  # an ideographic space alone
    "x" * 3000,
    "测" * 1000 + " " + "试" * 3000,
    "ＡＢＣ１２３　＃１",
    "①",
    "①②③④ ²³ ١٢",  # circled, superscript and Arabic-Indic digits
    "% _ %%__",
    "'\"` 1' OR '1'='1",
    "😀👍🏻👨‍👩‍👧",
    "\u200f12\u202e 34\u2066",  # direction marks
    "\u200b\ufeff",
    "\x00\x07\ud800",  # control characters and a lone surrogate
    "1",
    "#1 %",
    "-1",
    "99999999999999999999999",
    "1 _ 😀 '",
    "全体 ①",
    "专委会 " + "委" * 100 + " 内容",
    "界别 " + "界" * 100 + " 内容",
    "名单 " + "、".join(["张" * 40] * 3) + " \u200f",
    "群 " + "9" * 40 + " 内容",
    "《%》 _\n😀",
    "2026 ①",
    "SQ2026-① x",
    "\n\n\n",
]

GROUP_ARGUMENTS = ["", "①", "%", "😀", "1", "x" * 3000]


class _Failures:
    """ERROR log records written while the table runs, each as its exception and the product's
    innermost frame (deduplicated, so one defect is one line)."""

    def __init__(self) -> None:
        self.records: dict[str, int] = {}

    def __call__(self, message) -> None:
        record = message.record
        line = record["message"]
        if record["exception"] is not None:
            error, tb = record["exception"].value, record["exception"].traceback
            frames = [f for f in traceback.extract_tb(tb) if f.filename.startswith(PRODUCT)]
            where = f"{Path(frames[-1].filename).relative_to(ROOT)}:{frames[-1].lineno}" if frames else "?"
            line = f"{type(error).__name__} at {where}: {str(error)[:80]}"
        self.records[line] = self.records.get(line, 0) + 1


@pytest.fixture
def errors() -> Iterator[_Failures]:
    failures = _Failures()
    sink = logger.add(failures, level="ERROR")
    yield failures
    logger.remove(sink)


@pytest.fixture
def archive_dir(tmp_path, monkeypatch):
    from bot.config import reset_settings_cache

    monkeypatch.setenv("ARCHIVE_DIR", str(tmp_path / "exports"))
    reset_settings_cache()


async def _seed() -> None:
    member = await factories.member("林建国", qq=str(MEMBER), committees=("经济委",))
    await factories.member("周文清", role=Role.STAFF, qq=str(STAFF), committees=("经济委",))
    await factories.activity(title="全体委员会议", code="K7Q2", group_id=str(GROUP))
    tomorrow = await factories.activity(title="专题协商会", starts_in=timedelta(days=1))
    await LeaveRequest.create(activity=tomorrow, member=member, reason="出差")
    await reports.submit(member, "停车难", "农贸市场周边早高峰拥堵严重，建议增设临时停车泊位。")
    await records.log(member, RecordKind.SPEECH, "在全会上就养老服务作大会发言")
    await Consequence.create(rule="absence", kind=ConsequenceKind.CRITICISM, member=member, year=2026)


def _fake_bot() -> SimpleNamespace:
    return SimpleNamespace(adapter=SimpleNamespace(get_name=lambda: "test"))


async def _say(event) -> str | None:
    request = router.route(_fake_bot(), event)  # type: ignore[arg-type]
    return None if request is None else await router.handle(request)


def _messages(argument: str) -> Iterator[str]:
    for names in (command.names for command in router.commands):
        for name in names:
            yield f"{name} {argument}" if argument else name


async def test_every_command_with_odd_arguments(db, clock, errors, archive_dir):
    await _seed()
    apology = render("common/internal_error.j2")
    senders = [
        (lambda text: private_event(MEMBER, text), ODD_ARGUMENTS),
        (lambda text: private_event(STAFF, text), ODD_ARGUMENTS),
        (lambda text: private_event(STRANGER, text), GROUP_ARGUMENTS),
        (lambda text: group_event(STAFF, text, GROUP), GROUP_ARGUMENTS),
        (lambda text: group_event(MEMBER, text, GROUP), GROUP_ARGUMENTS),
    ]
    bad: list[str] = []
    for make, arguments in senders:
        for argument in arguments:
            for text in _messages(argument):
                event = make(text)
                replies = [await _say(event)]
                if router.pending:  # a guided conversation: the same odd text answers its step
                    replies.append(await _say(make(argument or "　")))
                    router.pending.clear()
                for reply in replies:
                    if reply is not None and apology in reply:
                        bad.append(f"{event.get_user_id()}: {text[:40]!r}")
    assert not bad and not errors.records, "\n".join([*errors.records, *bad[:20]])

"""四访四问: a visit records which of 问政/问需/问计/问候 it covered, typed as members type it; 我的履职,
the assessment and the export show the four visit kinds and the four questions."""

from __future__ import annotations

from nonebug import App
from openpyxl import load_workbook

from bot.render import render
from bot.services import assessment, export, progress, records
from models import Member, Record
from tests import factories
from tests.qq_events import ReplyWith, exchange, private_event

QQ = "10041"


async def test_visits_typed_in_chat_record_their_questions(app: App, db, clock, tmp_path):
    member = await factories.member("林建国", qq=QQ)
    await exchange(
        app,
        (
            private_event(QQ, "走访 社区 走访青石社区了解养老需求 问政、问需"),
            ReplyWith("走访（社区居民，问政、问需）「走访青石社区了解养老需求」"),
        ),
        (
            private_event(QQ, "走访　企业　问计，问候　走访园区企业了解用工情况"),
            ReplyWith("走访（企业职工，问计、问候）「走访园区企业了解用工情况」"),
        ),
        (
            private_event(QQ, "走访 工地 察看安置房项目进度。"),
            ReplyWith("走访（项目工地）「察看安置房项目进度。」"),
        ),
    )
    stored = await Record.filter(member_id=member.id).order_by("id").values_list("visit_type", "questions")
    assert stored == [("社区居民", "问政、问需"), ("企业职工", "问计、问候"), ("项目工地", "")]

    mine = await progress.for_member(await Member.get(id=member.id))
    assert (mine.visits_done, mine.questions_done) == (3, 4)
    text = render("progress/mine.j2", p=mine, standing=None)
    assert "【四访】已完成 3/4" in text and "✘ 访乡村农户（未完成）" in text
    assert "【四问】已完成 4/4" in text and "✔ 问政于民：1 次" in text and "✔ 问候于民：1 次" in text

    standing = (await assessment.assess(2026)).of(member.id)
    assert standing.questions == {"问政": 1, "问需": 1, "问计": 1, "问候": 1}
    book = load_workbook(await export.year_archive(2026, tmp_path / "y.xlsx"))
    summary = book["汇总"]
    header = [c.value for c in summary[1]]
    first = dict(zip(header, [c.value for c in summary[2]], strict=True))
    assert (first["四访完成"], first["四问完成"]) == (3, 4)
    visits = [[c.value for c in row][2:4] for row in book["四访"].iter_rows(min_row=2)]
    assert visits == [["社区居民", "问政、问需"], ["企业职工", "问计、问候"], ["项目工地", None]]


async def test_question_words_read_as_members_type_them(db, clock):
    member = await factories.member("林建国")
    typed = {
        "社区 走访青石社区，问政、问需于民。": ("走访青石社区", "问政、问需"),
        "农户 四问 走访王家村农户": ("走访王家村农户", "问政、问需、问计、问候"),
        "工地 到工地问需于民了解欠薪": ("到工地问需于民了解欠薪", ""),
        "企业 走访园区企业 问候 问政": ("走访园区企业", "问政、问候"),
    }
    for text, expected in typed.items():
        record = await records.log_visit(member, text, recorded_by="cli")
        assert (record.description, record.questions) == expected, text


async def test_a_visit_that_does_not_count_yet_asks_nothing_yet(db, clock):
    member = await factories.member("林建国")
    await records.log_visit(member, "社区 走访青石社区 问政")
    await records.log_visit(member, "社区 走访幸福里社区 问需")  # over the cap: waits for staff
    standing = (await assessment.assess(2026)).of(member.id)
    assert standing.questions == {"问政": 1, "问需": 0, "问计": 0, "问候": 0}
    mine = await progress.for_member(await Member.get(id=member.id))
    assert mine.questions_done == 1 and mine.awaiting_confirmation == 1

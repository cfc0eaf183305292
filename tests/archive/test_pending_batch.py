"""待确认 gives the true total and pages; several drafts decided at once after a preview, in chat
and at the command line; a draft decided meanwhile is skipped, never decided twice."""

from __future__ import annotations

from nonebug import App

from bot.cli import archive as cli
from bot.render import render
from bot.services import review_batch
from models import AuditEntry, Consequence, ConsequenceKind, ConsequenceStatus, Member, OutboxMessage, Role
from tests import factories
from tests.qq_events import ReplyWith, exchange, private_event

STAFF_QQ = "5000"


async def drafts(count: int) -> list[int]:
    """`count` criticism drafts, one per member, seeded in bulk (as the nightly run leaves them)."""
    await Member.bulk_create([Member(name=f"委员{n:02d}", sector="经济界") for n in range(count)])
    ids = await Member.filter(name__startswith="委员").order_by("id").values_list("id", flat=True)
    await Consequence.bulk_create(
        [
            Consequence(
                rule="absence-criticism",
                kind=ConsequenceKind.CRITICISM,
                member_id=mid,
                year=2026,
                count=1,
                threshold=1,
            )
            for mid in ids
        ]
    )
    return list(await Consequence.all().order_by("id").values_list("id", flat=True))


def say(text: str) -> object:
    return private_event(STAFF_QQ, text)


async def test_pending_gives_the_true_total_and_pages(app: App, db, clock):
    await factories.member("值班员", role=Role.STAFF, qq=STAFF_QQ)
    numbers = await drafts(48)
    await exchange(
        app,
        (
            say("待确认"),
            ReplyWith("待确认的处理草稿共 48 项（第 1/3 页，第 1–20 项）", f"#{numbers[19]} ", "待确认 2"),
        ),
        (
            say("待确认 ３"),
            ReplyWith("第 3/3 页，第 41–48 项", f"#{numbers[47]} ", absent=(f"#{numbers[39]} ",)),
        ),
        (say("待确认 4"), "没有第 4 页，待确认的处理草稿共 3 页。"),
        (say("待确认 下页"), "「下页」不是有效的页码，请发送数字，例如 12。"),
    )
    page = await review_batch.pending_page("3")
    assert [c.id for c in page.drafts] == numbers[40:]


async def test_confirm_a_range_after_a_preview(app: App, db, clock):
    await factories.member("值班员", role=Role.STAFF, qq=STAFF_QQ)
    numbers = await drafts(15)
    first, last = numbers[2], numbers[11]
    await Consequence.filter(id=numbers[5]).update(status=ConsequenceStatus.DISMISSED, reason="已补假")
    await exchange(
        app,
        (
            say(f"确认处理 {first}－{last}"),
            ReplyWith("将确认以下 9 项处理（通知本人，不公开）", f"#{first} 委员02", "回复「确认」执行"),
        ),
    )
    assert await Consequence.filter(status=ConsequenceStatus.CONFIRMED).count() == 0  # only a preview
    # decided by someone else between the preview and the answer: skipped, not decided twice
    await Consequence.filter(id=numbers[7]).update(status=ConsequenceStatus.DISMISSED, reason="另行处理")
    await exchange(
        app,
        (
            say("确认"),
            ReplyWith("已确认 8 项处理", "通知已发给本人", f"1 项已被他人处理，未改动：#{numbers[7]}"),
        ),
    )
    confirmed = set(await Consequence.filter(status=ConsequenceStatus.CONFIRMED).values_list("id", flat=True))
    assert confirmed == set(numbers[2:12]) - {numbers[5], numbers[7]}
    assert await OutboxMessage.filter(kind="consequence_notice").count() == 8
    assert not await OutboxMessage.filter(kind="consequence_publication").exists()
    assert await AuditEntry.filter(action="consequence_confirm").count() == 8


async def test_dismiss_all_with_a_reason_after_a_preview_and_cancel(app: App, db, clock):
    await factories.member("值班员", role=Role.STAFF, qq=STAFF_QQ)
    await drafts(25)
    await exchange(
        app,
        (say("撤销 全部"), render("review/dismiss_needs_reason.j2")),
        (
            say("撤销 全部 会议通知未送达"),
            ReplyWith("将撤销以下 25 项处理，原因：会议通知未送达", "……等共 25 项"),
        ),
        (say("取消"), render("common/conversation_cancelled.j2")),
    )
    assert await Consequence.filter(status=ConsequenceStatus.DRAFT).count() == 25
    await exchange(
        app,
        (say("撤销 全部 会议通知未送达"), ReplyWith("将撤销以下 25 项处理")),
        (say("好的"), render("review/batch_confirm_again.j2")),
        (say("确认"), ReplyWith("已撤销 25 项处理")),
        (
            say("撤销 3、x 原因"),
            "看不懂「3、x」。请写处理编号：一项如 12，多项如 3-12 或 3、5、8，全部待确认的写“全部”。",
        ),
        (say("撤销 全部 原因"), "「全部」中没有待确认的处理草稿。发送“待确认”查看。"),
    )
    reasons = set(await Consequence.all().values_list("status", "reason"))
    assert reasons == {(ConsequenceStatus.DISMISSED, "会议通知未送达")}
    assert not await OutboxMessage.filter(kind="consequence_notice").exists()


async def test_cli_lists_and_decides_drafts(db, clock):
    numbers = await drafts(23)
    listed = await cli.list_pending(2)
    assert "待确认的处理草稿共 23 项（第 2/2 页）" in listed and f"#{numbers[22]}\t委员22" in listed
    preview = await cli.decide("confirm", f"{numbers[0]}-{numbers[2]}")
    assert "将确认以下 3 项处理" in preview and "加 --yes 执行" in preview
    assert await Consequence.filter(status=ConsequenceStatus.DRAFT).count() == 23
    done = await cli.decide("confirm", f"{numbers[0]}-{numbers[2]}", yes=True)
    assert done.startswith("已确认 3 项处理")
    assert set(
        await Consequence.filter(status=ConsequenceStatus.CONFIRMED).values_list("decided_by", flat=True)
    ) == {"cli"}
    one = await cli.decide("dismiss", str(numbers[3]), reason="已补假", yes=True)
    assert one.startswith("已撤销 1 项处理")
    rest = await cli.decide("dismiss", "all", reason="年度清理", yes=True)
    assert rest.startswith("已撤销 19 项处理")
    assert await Consequence.filter(status=ConsequenceStatus.DRAFT).count() == 0
    assert "没有待确认的处理草稿" in await cli.list_pending(1)

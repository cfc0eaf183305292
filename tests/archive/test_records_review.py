"""社情民意 review steps, 提案 with co-signers and progress, record confirmation: authors are told."""

from __future__ import annotations

import pytest

from bot.delivery import recipients
from bot.render import render
from bot.sender import Sender
from bot.services import proposals, record_review, records, reports
from bot.services.actors import Actor
from bot.services.errors import ServiceError
from models import OutboxMessage, ProposalCosigner, RecordKind, ReportReview, ReportStatus, Role
from tests import factories


async def staff_actor() -> Actor:
    staff = await factories.member("值班员", role=Role.STAFF, qq="5000")
    return Actor(Sender("qq", "5000"), staff)


async def notices_to(member_id: int, kind: str) -> list[str]:
    rows = await OutboxMessage.filter(kind=kind).order_by("id")
    return [
        render(r.template, **r.context) for r in rows if recipients.load(r.recipient).member_id == member_id
    ]


async def test_report_review_steps_tell_the_author(db, clock):
    actor = await staff_actor()
    author = await factories.member("林建国")
    report = await reports.submit(author, "停车难", "农贸市场周边停车难问题突出。")

    with pytest.raises(ServiceError) as too_early:
        await record_review.move(actor, report.reference, ReportStatus.INSTRUCTED)
    assert "不能改为“获领导批示”" in too_early.value.render()
    with pytest.raises(ServiceError) as no_reason:
        await record_review.move(actor, report.reference, ReportStatus.RETURNED)
    assert no_reason.value.template == "review/return_needs_reason.j2"

    await record_review.move(actor, report.reference.lower(), ReportStatus.ACCEPTED)
    level = record_review.parse_level("市级")
    adopted = await record_review.move(actor, report.reference, ReportStatus.ADOPTED, level=level)
    assert adopted.adopted_level == "city"
    await record_review.move(actor, report.reference, ReportStatus.INSTRUCTED, note="请相关部门研究落实")

    steps = await ReportReview.filter(report_id=report.id).order_by("id").values_list("status", "reviewed_by")
    assert steps == [(s, actor.label) for s in ("accepted", "adopted", "instructed")]
    texts = await notices_to(author.id, "report_review")
    assert len(texts) == 3
    assert (
        "已被受理" in texts[0]
        and "已被市级采用" in texts[1]
        and "获得领导批示：请相关部门研究落实" in texts[2]
    )

    other = await reports.submit(author, "路灯不亮", "青石路段路灯长期不亮影响出行。")
    await record_review.move(actor, other.reference, ReportStatus.RETURNED, note="请补充具体位置")
    assert "被退回。原因：请补充具体位置" in (await notices_to(author.id, "report_review"))[-1]
    with pytest.raises(ServiceError):
        record_review.parse_level("乡级")
    with pytest.raises(ServiceError) as missing:
        await record_review.move(actor, "SQ2026-99999", ReportStatus.ACCEPTED)
    assert "SQ2026-99999" in missing.value.render()


async def test_proposal_with_cosigners_and_progress(db, clock):
    actor = await staff_actor()
    main = await factories.member("林建国")
    cosigner = await factories.member("王芳")
    form = proposals.parse_form("林建国 0012 关于加快老旧小区改造的提案 联名 王芳、李外人")
    assert (form.member, form.number, form.cosigners) == ("林建国", "0012", ["王芳", "李外人"])
    proposal = await proposals.record(main, form.number, form.title, form.cosigners, actor.label)
    assert proposal.recorded_by == actor.label and proposal.cosigners == "王芳、李外人"
    rows = (
        await ProposalCosigner.filter(proposal_id=proposal.id).order_by("id").values_list("name", "member_id")
    )
    assert rows == [("王芳", cosigner.id), ("李外人", None)]
    assert await proposals.unmatched_cosigners(proposal) == ["李外人"]
    with pytest.raises(ServiceError) as duplicate:
        await proposals.record(main, "0012", "另一份", [], actor.label)
    assert duplicate.value.template == "proposal/duplicate.j2"

    with pytest.raises(ServiceError) as no_department:
        await proposals.advance("0012", "交办", actor.label)
    assert no_department.value.template == "proposal/needs_department.j2"
    _, step, authors = await proposals.advance("0012", "交办 区住建局", actor.label)
    assert authors == 2 and step.department == "区住建局"
    await proposals.advance("0012", "已答复 已列入明年改造计划", actor.label)
    await proposals.advance("0012", "满意", actor.label)
    for member in (main, cosigner):
        texts = await notices_to(member.id, "proposal_progress")
        assert len(texts) == 3
        assert "已交由区住建局办理" in texts[0] and "已列入明年改造计划" in texts[1] and "满意" in texts[2]


async def test_record_confirmation_keeps_who_and_when(db, clock):
    actor = await staff_actor()
    member = await factories.member("林建国")
    speech = await records.log(member, RecordKind.SPEECH, "在全会上就养老服务作大会发言")
    confirmed = await record_review.confirm_record(actor, str(speech.id))
    assert confirmed.confirmed_by == actor.label and confirmed.confirmed_at == clock()
    assert confirmed.recorded_by == "self" and confirmed.created_at is not None
    with pytest.raises(ServiceError) as again:
        await record_review.confirm_record(actor, str(speech.id))
    assert "已于" in again.value.render()

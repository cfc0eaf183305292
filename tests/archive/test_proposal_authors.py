"""提案 are by 委员: a staff member who is not a 委员 can be neither the first author nor a co-signer
(named, not matched, never sent the progress); someone who is both can. Replies name who recorded
something as a person reads it, never an internal label (`member:4`, `self`)."""

from __future__ import annotations

from nonebug import App

from models import OutboxMessage, Proposal, ProposalCosigner, Role
from tests import factories
from tests.qq_events import ReplyWith, exchange, private_event

STAFF_QQ = "20001"


def staff_says(text: str) -> object:
    return private_event(STAFF_QQ, text)


async def _roster():
    staff = await factories.member("周文清", role=Role.STAFF, qq=STAFF_QQ)
    both = await factories.member("王芳", role=Role.STAFF, also_member=True, qq="20003")
    member = await factories.member("林建国", qq="10001")
    return staff, both, member


async def test_a_staff_member_is_not_a_proposal_author(app: App, db, clock):
    staff, both, member = await _roster()
    await exchange(
        app,
        (
            staff_says("提案 周文清 2026006 关于停车难的建议"),
            ReplyWith("周文清 在名册中登记为工作人员而非委员"),
        ),
        (
            staff_says("提案 林建国 2026001 关于加装电梯的建议 联名 周文清、王芳"),
            ReplyWith(
                "第一提案人 林建国，联名：周文清、王芳（记录人 周文清）",
                "以下联名人不在委员名单中（或重名），不会收到办理进展：周文清",
                absent=("member:",),
            ),
        ),
        (staff_says("提案办理 2026001 交办 住建局"), ReplyWith("已推送给 2 位提案人")),
    )
    assert await Proposal.all().values_list("number", flat=True) == ["2026001"]
    cosigners = dict(await ProposalCosigner.all().values_list("name", "member_id"))
    assert cosigners == {"周文清": None, "王芳": both.id}
    told = await OutboxMessage.filter(kind="proposal_progress").values_list("dedupe_key", flat=True)
    assert sorted(k.rsplit(":", 1)[1] for k in told) == sorted([str(member.id), str(both.id)])
    assert staff.id


async def test_a_confirmed_record_names_who_recorded_it(app: App, db, clock):
    await _roster()
    await exchange(
        app,
        (private_event("10001", "发言 在全会上就养老服务作大会发言"), ReplyWith("已记入本年度履职档案")),
        (
            staff_says("确认记录 1"),
            ReplyWith("已确认会议发言记录 #1：林建国", "记录人 本人", absent=("self",)),
        ),
    )

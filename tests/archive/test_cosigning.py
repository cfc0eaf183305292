"""One reading of co-signing, from the policy, in the rules, 五个一, 未完成 and 我的履职 alike."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.render import render
from bot.sender import Sender
from bot.services import archive, assessment, policy, progress, proposals, rules
from bot.services.actors import Actor
from models import Role
from tests import factories

DEFAULT = Path("config/policy/default.toml").read_text(encoding="utf-8")
FIRST_AUTHOR_ONLY = DEFAULT.replace("co_signer_counts = true", "co_signer_counts = false")


@pytest.fixture
def first_author_only(tmp_path, monkeypatch):
    (tmp_path / "default.toml").write_text(FIRST_AUTHOR_ONLY, encoding="utf-8")
    from bot.config import get_settings

    monkeypatch.setattr(get_settings(), "policy_dir", str(tmp_path))


async def cosigner_only() -> tuple[int, Actor]:
    """王芳 co-signed 林建国's proposal and submitted nothing else; it is December, past the due date."""
    author = await factories.member("林建国")
    cosigner = await factories.member("王芳")
    staff = await factories.member("值班员", role=Role.STAFF, qq="5000")
    await proposals.record(author, "0012", "关于加快老旧小区改造的提案", ["王芳"], "cli")
    return cosigner.id, Actor(Sender("qq", "5000"), staff)


def december(clock) -> None:  # type: ignore[no-untyped-def]
    clock.set(datetime(2026, 12, 15, 1, 0, tzinfo=UTC))


async def view(member_id: int, actor: Actor) -> tuple[bool, bool, bool, bool]:
    """(五个一 in the assessment, in 我的履职, 未完成 lists 提案 for them, a no-submission finding)."""
    from models import Member

    member = await Member.get(id=member_id)
    standing = (await assessment.assess(2026)).of(member_id)
    mine = await progress.for_member(member)
    _year, missing, _total, _group = await archive.unfinished(actor, "")
    unfinished = [s for s in missing if s.member_id == member_id and "提案" in s.missing]
    found = [f for f in await rules.findings(2026) if f.member_id == member_id]
    return standing.five_ones["提案"], mine.five_ones[0].done, bool(unfinished), bool(found)


async def test_a_cosigned_proposal_is_the_cosigners_submission_by_default(db, clock):
    december(clock)
    member_id, actor = await cosigner_only()
    assert policy.for_year(2026).counting.co_signer_counts is True
    assert await view(member_id, actor) == (True, True, False, False)
    from models import Member

    mine = await progress.for_member(await Member.get(id=member_id))
    assert [e.label for e in mine.five_ones[0].evidence] == ["关于加快老旧小区改造的提案（联名）"]
    assert "✔ 提交一份提案：关于加快老旧小区改造的提案（联名）" in render(
        "progress/mine.j2", p=mine, standing=None
    )


async def test_first_author_only_when_the_policy_says_so(db, clock, first_author_only):
    december(clock)
    member_id, actor = await cosigner_only()
    assert policy.for_year(2026).counting.co_signer_counts is False
    assert await view(member_id, actor) == (False, False, True, True)
    # the co-signing still earns its points
    items = {i.label for i in (await assessment.assess(2026)).of(member_id).items}
    assert items == {"提案（联名）"}


def test_co_signer_counts_must_be_true_or_false():
    with pytest.raises(policy.PolicyError) as error:
        policy.parse(DEFAULT.replace("co_signer_counts = true", 'co_signer_counts = "yes"'), "t.toml")
    [problem] = error.value.problems
    assert (problem.code, problem.key) == ("not_boolean", "proposals.co_signer_counts")
    assert "应当是 true 或 false" in error.value.render()

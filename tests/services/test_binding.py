import pytest

from bot.services import binding
from bot.services.actors import member_of
from bot.services.errors import ServiceError
from models import BindingCode, BindingLog, Identity
from tests import factories


async def test_code_binds_once_and_is_stored_hashed(db, clock):
    member = await factories.member()
    issued = await binding.issue_code(member, "member:1")
    stored = await BindingCode.get(member=member)
    assert issued.code not in stored.code_hash and len(stored.code_hash) == 64

    bound = await binding.bind(factories.private("10001"), issued.code.lower())
    assert bound.id == member.id
    assert (await member_of(factories.private("10001"))).id == member.id

    with pytest.raises(ServiceError) as refused:
        await binding.bind(factories.private("10002"), issued.code)
    assert refused.value.template == "binding/wrong_code.j2"
    assert await Identity.filter(account_id="10002").count() == 0
    actions = await BindingLog.filter(member=member).order_by("id").values_list("action", "actor")
    assert actions == [("code_issued", "member:1"), ("bind", "self")]


async def test_code_expires(db, clock, settings):
    member = await factories.member()
    issued = await binding.issue_code(member, "cli")
    clock.advance(minutes=settings.binding_code_ttl_minutes + 1)
    with pytest.raises(ServiceError) as refused:
        await binding.bind(factories.private("10001"), issued.code)
    assert refused.value.template == "binding/wrong_code.j2"
    assert not await Identity.exists()


async def test_new_code_voids_the_previous_one(db, clock):
    member = await factories.member()
    first = await binding.issue_code(member, "cli")
    second = await binding.issue_code(member, "cli")
    with pytest.raises(ServiceError):
        await binding.bind(factories.private("10001"), first.code)
    assert (await binding.bind(factories.private("10001"), second.code)).id == member.id


async def test_five_wrong_codes_lock_the_account(db, clock, settings):
    member = await factories.member()
    issued = await binding.issue_code(member, "cli")
    sender = factories.private("10001")
    for attempt in range(1, settings.binding_max_failures + 1):
        with pytest.raises(ServiceError) as refused:
            await binding.bind(sender, "WRONGCDE")
        if attempt < settings.binding_max_failures:
            assert refused.value.context["tries_left"] == settings.binding_max_failures - attempt
    assert refused.value.template == "binding/locked.j2"
    # even the right code is refused while locked
    with pytest.raises(ServiceError) as locked:
        await binding.bind(sender, issued.code)
    assert locked.value.template == "binding/locked.j2"
    assert "分钟后再试" in locked.value.render()
    assert not await Identity.exists()
    # after the lock a valid code works again
    clock.advance(minutes=settings.binding_lock_minutes + 1)
    fresh = await binding.issue_code(member, "cli")
    assert (await binding.bind(sender, fresh.code)).id == member.id


async def test_code_in_group_is_refused_and_voided(db, clock):
    member = await factories.member()
    issued = await binding.issue_code(member, "cli")
    with pytest.raises(ServiceError) as refused:
        await binding.bind(factories.group("10001"), issued.code)
    assert refused.value.template == "binding/group_refused.j2"
    assert refused.value.context["voided"] is True
    assert "作废" in refused.value.render()
    assert not await Identity.exists()
    with pytest.raises(ServiceError):
        await binding.bind(factories.private("10001"), issued.code)
    assert await BindingLog.filter(action="code_voided").count() == 1


async def test_one_identity_per_member_and_platform(db, clock):
    member = await factories.member(qq="10001")
    issued = await binding.issue_code(member, "cli")
    with pytest.raises(ServiceError) as refused:
        await binding.bind(factories.private("10002"), issued.code)
    assert refused.value.template == "binding/member_has_other_account.j2"
    assert "QQ" in refused.value.render()


async def test_already_bound_account_is_told(db, clock):
    await factories.member("甲", qq="10001")
    other = await factories.member("乙")
    issued = await binding.issue_code(other, "cli")
    with pytest.raises(ServiceError) as refused:
        await binding.bind(factories.private("10001"), issued.code)
    assert refused.value.template == "binding/already_bound.j2"
    assert "甲" in refused.value.render()


async def test_unbind_logs_who(db, clock):
    member = await factories.member(qq="10001")
    removed = await binding.unbind(member, "member:9")
    assert removed == 1
    assert not await Identity.exists()
    log = await BindingLog.get(action="unbind")
    assert (log.actor, log.platform, log.account_id) == ("member:9", "qq", "10001")
    assert log.at is not None

from bot.chat import Request, Where, router
from bot.render import render
from bot.services import audit, binding
from bot.services.actors import find_member, require_staff


@router.command(
    "绑定",
    usage="绑定 <绑定码>",
    summary="绑定委员身份",
    doc="bind this chat account to the roster (a code posted in a group is void at once)",
    where=Where.PRIVATE,
)
@router.hint("绑定身份", "认证", "验证", "注册", "关联账号", "身份")
async def bind(req: Request) -> str:
    member = await binding.bind(req.sender, req.args)
    return render("binding/bound.j2", member=member)


@router.command(
    "绑定码",
    usage="绑定码 <成员>",
    summary="为成员生成一次性绑定码",
    doc="a one-time binding code for a member: name, phone or `#roster number`",
    staff=True,
    where=Where.PRIVATE,
)
@router.hint("生成绑定码", "发绑定码", "邀请码", staff=True)
async def issue(req: Request) -> str:
    actor = await require_staff(req.sender, private_only=True)
    issued = await binding.issue_code(await find_member(req.args), actor.label)
    await audit.record(actor.label, "binding_code", issued.member)
    return render("binding/code_issued.j2", issued=issued)


@router.command(
    "解绑",
    usage="解绑 <成员>",
    summary="解除成员的账号绑定",
    doc="remove a member's chat bindings",
    staff=True,
    where=Where.PRIVATE,
)
@router.hint("解除绑定", "取消绑定", "换号", "换账号", staff=True)
async def unbind(req: Request) -> str:
    actor = await require_staff(req.sender, private_only=True)
    member = await find_member(req.args)
    removed = await binding.unbind(member, actor.label)
    await audit.record(actor.label, "unbind", member)
    return render("binding/unbound.j2", member=member, removed=removed)


__plugin_meta__ = router.metadata(
    __name__,
    name="绑定",
    description="Bind a chat account with a one-time code; staff issue codes and unbind",
)

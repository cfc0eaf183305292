"""Staff: a one-time sign-in link to the web console (登录) and ending every console session (退出登录)."""

from bot.chat import Request, Where, router
from bot.render import render
from bot.services import console_auth


@router.command(
    "登录",
    "登陆",
    "后台",
    usage="登录",
    summary="获取网页后台的一次性登录链接（5 分钟内有效）",
    doc="a one-time sign-in link to the staff web console, valid for minutes, usable once",
    staff=True,
    where=Where.PRIVATE,
)
@router.hint("网页后台", "网页版", "管理后台", "电脑上", "浏览器", "登录链接", staff=True)
async def sign_in_link(req: Request) -> str:
    link = await console_auth.request_link(req.sender)
    return render("console/link.j2", link=link)


@router.command(
    "退出登录",
    usage="退出登录",
    summary="结束自己所有的网页后台登录",
    doc="end every web console session of this member",
    staff=True,
)
@router.hint("退出后台", "注销", "登出", "下线", staff=True)
async def sign_out(req: Request) -> str:
    ended = await console_auth.sign_out_everywhere(req.sender)
    return render("console/signed_out.j2", ended=ended)


__plugin_meta__ = router.metadata(
    __name__,
    name="网页后台",
    description="Staff sign in to the web console with a one-time link, and sign out everywhere",
)

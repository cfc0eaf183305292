"""Staff: a one-time sign-in link to the web console (登录) and ending every console session (退出登录)."""

from nonebot.plugin import PluginMetadata

from bot.chat import Request, router
from bot.render import render
from bot.services import console_auth

__plugin_meta__ = PluginMetadata(
    name="网页后台",
    description="Staff sign in to the web console with a one-time link, and sign out everywhere",
    usage="登录｜退出登录",
)


@router.command("登录", "登陆", "后台")
@router.hint("网页后台", "网页版", "管理后台", "电脑上", "浏览器", "登录链接", staff=True)
async def sign_in_link(req: Request) -> str:
    link = await console_auth.request_link(req.sender)
    return render("console/link.j2", link=link)


@router.command("退出登录")
@router.hint("退出后台", "注销", "登出", "下线", staff=True)
async def sign_out(req: Request) -> str:
    ended = await console_auth.sign_out_everywhere(req.sender)
    return render("console/signed_out.j2", ended=ended)

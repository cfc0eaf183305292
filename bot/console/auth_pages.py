"""Signing in with a one-time link, and signing out.

Opening a link (GET) only shows a 登录 button; the link is used by the POST behind it. Chat apps
fetch links to draw previews: a GET that signed in would spend the link before the person opened it.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from bot.config import get_settings
from bot.console.web import COOKIE, Staff, back, cookie_secure, html, writer
from bot.services import console_auth
from bot.services.errors import ServiceError

router = APIRouter()


def _login(status_code: int = 200, /, **context: object) -> Response:
    values: dict[str, object] = {"token": "", "error": "", "signed_out": False, "next": "/console/"}
    values.update(context)
    return html("login.html", status_code, minutes=get_settings().console_login_ttl_minutes, **values)


def _safe_next(target: str) -> str:
    """Only a path of the console itself (never another site)."""
    if target.startswith("/console") and not target.startswith("//") and "\\" not in target:
        return target
    return "/console/"


@router.get("/console/login")
async def sign_in_help(request: Request, bye: int = 0) -> Response:
    return _login(signed_out=bool(bye))


@router.get("/console/login/{token}")
async def sign_in_page(token: str, next: str = "/console/") -> Response:
    return _login(token=token, next=_safe_next(next))


@router.post("/console/login/{token}")
async def sign_in(request: Request, token: str, next: Annotated[str, Form()] = "/console/") -> Response:
    try:
        signed = await console_auth.redeem(token, request.headers.get("user-agent", ""))
    except ServiceError as refused:
        return _login(403, error=refused.render())
    response = back(_safe_next(next))
    response.set_cookie(
        COOKIE,
        signed.cookie,
        max_age=get_settings().console_session_hours * 3600,
        path="/console",
        httponly=True,
        samesite="lax",
        secure=cookie_secure(),
    )
    return response


@router.post("/console/logout")
async def sign_out(who: Annotated[Staff, Depends(writer)]) -> Response:
    await console_auth.sign_out(who.session)
    response = back("/console/login?bye=1")
    response.delete_cookie(COOKIE, path="/console", httponly=True, samesite="lax", secure=cookie_secure())
    return response

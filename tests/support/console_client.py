"""The staff web console in-process: its routes on a FastAPI app of their own, reached through httpx's
ASGI transport with a real session cookie (signed in through a one-time link, as staff are)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import httpx
from fastapi import FastAPI

from bot import console
from bot.console.web import COOKIE, CSRF_FIELD
from bot.services import console_auth
from models import Member


@dataclass(frozen=True, slots=True)
class SignedInClient:
    http: httpx.AsyncClient
    csrf: str

    async def post_form(self, path: str, data: dict[str, str]) -> httpx.Response:
        return await self.http.post(path, data={CSRF_FIELD: self.csrf, **data})


@asynccontextmanager
async def signed_in(member: Member) -> AsyncIterator[SignedInClient]:
    link = await console_auth.issue_link(member, "cli")
    signed = await console_auth.redeem(link.url.rsplit("/", 1)[1])
    app = FastAPI()
    console.install(app)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://console.test") as http:
        http.cookies.set(COOKIE, signed.cookie)
        yield SignedInClient(http, signed.session.csrf_token)

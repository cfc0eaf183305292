"""The staff web console at /console, served by the bot's own FastAPI app.

Pages are rendered on the server from templates/console/ (jinja2, autoescaped), with htmx for live
parts and vendored static assets. Every action calls the same service as the chat command or CLI,
acting as the signed-in member (see `bot.services.console_auth`).
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles

STATIC_DIR = Path(__file__).parent / "static"


def install(app: FastAPI) -> None:
    """Add the console's routes, static files and error pages to the driver's FastAPI app."""
    from bot.console import (
        activity_pages,
        approval_pages,
        archive_pages,
        audit_pages,
        auth_pages,
        broadcast_pages,
        overview,
        roster_pages,
    )
    from bot.console.web import Forbidden, SignInRequired, forbidden_page, sign_in_redirect

    for module in (
        auth_pages,
        overview,
        roster_pages,
        activity_pages,
        approval_pages,
        broadcast_pages,
        archive_pages,
        audit_pages,
    ):
        app.include_router(module.router)
    app.mount("/console/static", StaticFiles(directory=STATIC_DIR), name="console-static")

    async def needs_sign_in(request: Request, exc: Exception) -> Response:
        return sign_in_redirect(request)

    async def refused(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, Forbidden)
        return forbidden_page(exc.message)

    app.add_exception_handler(SignInRequired, needs_sign_in)
    app.add_exception_handler(Forbidden, refused)

"""What every console page shares: the template environment, the signed-in staff member, CSRF,
flash messages, security headers, and the audit of every write."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from bot.config import PROJECT_ROOT, get_settings
from bot.render import fmt_date, fmt_datetime, render
from bot.services import audit, console_auth
from bot.services.actors import Actor, Sender
from bot.services.errors import ServiceError
from models import ConsoleSession, Member, Role
from models.member import ROLE_LABELS

TEMPLATE_DIR = PROJECT_ROOT / "templates" / "console"
COOKIE = "weiyuan_console"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",  # a sign-in link in the address bar never leaks to another site
    "Cache-Control": "no-store",
}
NAV = [
    ("overview", "总览", "/console/"),
    ("roster", "名册", "/console/roster"),
    ("activities", "活动", "/console/activities"),
    ("approvals", "审批", "/console/approvals"),
    ("broadcast", "发布", "/console/broadcast"),
    ("archive", "档案", "/console/archive"),
    ("audit", "审计", "/console/audit"),
]


def mask_phone(phone: str | None) -> str:
    if not phone:
        return ""
    return phone[:3] + "****" + phone[-4:] if len(phone) >= 8 else "****"


def mask_birthday(day: date | None) -> str:
    return f"****-{day.month:02d}-**" if day else ""


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATE_DIR),
        autoescape=select_autoescape(["html"], default_for_string=True, default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(dt=fmt_datetime, d=fmt_date, mask_phone=mask_phone, mask_birthday=mask_birthday)
    env.globals.update(nav=NAV, role_labels=ROLE_LABELS)
    return env


class SignInRequired(Exception):
    """No live session: the browser is sent to the sign-in page."""


class Forbidden(Exception):
    """Signed in, but this needs other rights (or a valid CSRF token): templates/console/flash/<name>.j2."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.message = render(f"console/flash/{name}.j2")


@dataclass(frozen=True, slots=True)
class Staff:
    """The signed-in staff member of this request."""

    session: ConsoleSession
    member: Member

    @property
    def sender(self) -> Sender:
        return console_auth.web_sender(self.member.id)

    @property
    def actor(self) -> Actor:
        return Actor(sender=self.sender, member=self.member)

    @property
    def is_admin(self) -> bool:
        return self.member.role == Role.ADMIN

    @property
    def csrf(self) -> str:
        return self.session.csrf_token


async def staff(request: Request) -> Staff:
    """Dependency of every page: the live session, else a redirect to the sign-in page."""
    session = await console_auth.authenticate(request.cookies.get(COOKIE, ""))
    if session is None:
        raise SignInRequired
    return Staff(session=session, member=session.member)


async def writer(request: Request) -> Staff:
    """Dependency of every form: a live session AND its CSRF token (form field or htmx header)."""
    who = await staff(request)
    submitted = request.headers.get(CSRF_HEADER)
    if submitted is None:
        form = await request.form()
        value = form.get(CSRF_FIELD)
        submitted = value if isinstance(value, str) else None
    if not console_auth.csrf_ok(who.session, submitted):
        raise Forbidden("csrf_refused")
    return who


async def admin_writer(request: Request) -> Staff:
    who = await writer(request)
    if not who.is_admin:
        raise Forbidden("admin_only")
    return who


# Flash messages: shown once on the next page of the same session (one bot process serves the console).
_flashes: dict[int, list[tuple[str, str]]] = defaultdict(list)


def flash(who: Staff, text: str, kind: str = "ok") -> None:
    _flashes[who.session.id].append((kind, text))


def say(who: Staff, name: str, kind: str = "ok", /, **context: Any) -> None:
    """Flash the text of templates/console/flash/<name>.j2."""
    flash(who, render(f"console/flash/{name}.j2", **context), kind)


def refusal(who: Staff, error: ServiceError) -> None:
    flash(who, error.render(), "error")


def apply_headers(response: Response) -> Response:
    response.headers.update(SECURITY_HEADERS)
    return response


def html(template: str, status_code: int = 200, /, **context: Any) -> HTMLResponse:
    body = environment().get_template(template).render(**context)
    return apply_headers(HTMLResponse(body, status_code=status_code))  # type: ignore[return-value]


def page(request: Request, who: Staff, template: str, section: str, /, **context: Any) -> HTMLResponse:
    """A full page in the layout, with the flash messages waiting for this session."""
    messages = _flashes.pop(who.session.id, [])
    return html(template, staff=who, section=section, messages=messages, request=request, **context)


def fragment(template: str, /, **context: Any) -> HTMLResponse:
    """A partial (htmx swaps it into the page)."""
    return html(template, **context)


def back(url: str) -> RedirectResponse:
    """Post/redirect/get: after a form, the browser GETs the page again (303)."""
    return apply_headers(RedirectResponse(url, status_code=303))  # type: ignore[return-value]


def sign_in_redirect(request: Request) -> Response:
    target = "/console/login?next=" + quote(request.url.path)
    if request.headers.get("hx-request"):
        return apply_headers(Response(status_code=204, headers={"HX-Redirect": target}))
    return apply_headers(RedirectResponse(target, status_code=303))


def forbidden_page(message: str) -> HTMLResponse:
    return html("forbidden.html", 403, message=message)


async def audited(who: Staff, action: str, target: audit.Target = None) -> None:
    """Every write from the console lands in the audit log (who, what, which member or object)."""
    await audit.record(who.actor.label, action, target)


def cookie_secure() -> bool:
    return get_settings().production


def local_input(moment: datetime | None) -> str:
    """A datetime as the value of <input type=datetime-local> in the committee's time zone."""
    from bot.clock import to_local

    return to_local(moment).strftime("%Y-%m-%dT%H:%M") if moment else ""

"""Async client of the WeChat HTTP API (aiohttp; never wechatpy's blocking client on the event loop).

The access token has a single owner per process (`bot.adapters.webhook.client`), fetched from the
stable-token endpoint. A call rejected for its token (40001, 42001, 40014) refreshes once and is
retried once. Every other error is classified for the caller.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from bot.adapters.webhook.client import ApiClient

TOKEN_ERRORS = {40001, 42001, 40014}


class ErrorKind(StrEnum):
    TOKEN = "token"  # the token was refused even after one refresh
    WINDOW_CLOSED = "window_closed"  # 45015: no message from the member in the last 48 hours
    WINDOW_QUOTA = "window_quota"  # 45047: the messages allowed in this window are used up
    USER_REFUSED = "user_refused"  # 43101: the member refused template / subscription messages
    API_QUOTA = "api_quota"  # 45009: the account's daily call quota is used up
    BUSY = "busy"  # -1: WeChat is busy, nothing happened
    NOT_SENT = "not_sent"  # the request never reached WeChat (connection refused, token fetch failed)
    UNCERTAIN = "uncertain"  # timeout or broken answer: it may have been carried out
    OTHER = "other"  # any other errcode: refused for good


ERRCODE_KINDS = {
    45015: ErrorKind.WINDOW_CLOSED,
    45047: ErrorKind.WINDOW_QUOTA,
    43101: ErrorKind.USER_REFUSED,
    45009: ErrorKind.API_QUOTA,
    -1: ErrorKind.BUSY,
}
ERROR_LABELS = {
    ErrorKind.WINDOW_CLOSED: "customer-service window closed",
    ErrorKind.WINDOW_QUOTA: "customer-service window quota used",
    ErrorKind.USER_REFUSED: "user refused template messages",
    ErrorKind.API_QUOTA: "API daily quota used",
    ErrorKind.BUSY: "system busy",
    ErrorKind.TOKEN: "access token refused",
}


class WechatApiError(Exception):
    def __init__(self, kind: ErrorKind, errcode: int | None = None, errmsg: str = "") -> None:
        self.kind = kind
        self.errcode = errcode
        self.errmsg = errmsg
        label = ERROR_LABELS.get(kind, errmsg or kind.value)
        super().__init__(f"{errcode} {label}" if errcode is not None else label)


def classify(errcode: int, errmsg: str = "") -> WechatApiError:
    if errcode in TOKEN_ERRORS:
        return WechatApiError(ErrorKind.TOKEN, errcode, errmsg)
    return WechatApiError(ERRCODE_KINDS.get(errcode, ErrorKind.OTHER), errcode, errmsg)


@dataclass(frozen=True, slots=True)
class QrTicket:
    ticket: str
    url: str
    expire_seconds: int | None


class WechatApi(ApiClient):
    label = "wechat"
    token_errors = frozenset(TOKEN_ERRORS)

    def __init__(
        self,
        *,
        app_id: str,
        app_secret: str,
        base_url: str,
        timeout: float = 10.0,
        refresh_margin: int = 300,
    ) -> None:
        super().__init__(base_url=base_url, timeout=timeout, refresh_margin=refresh_margin)
        self.app_id = app_id
        self.app_secret = app_secret

    @property
    def configured(self) -> bool:
        return bool(self.app_id and self.app_secret)

    @property
    def token_owner(self) -> str:
        return self.app_id

    def refused(self, errcode: int, errmsg: str) -> Exception:
        return classify(errcode, errmsg)

    def not_sent(self, detail: str) -> WechatApiError:
        return WechatApiError(ErrorKind.NOT_SENT, None, detail)

    def uncertain(self, detail: str) -> WechatApiError:
        return WechatApiError(ErrorKind.UNCERTAIN, None, detail)

    async def _fetch_token(self) -> tuple[str, int]:
        """From the stable-token endpoint: every caller gets the same token until it expires, so
        the CLI and the bot do not invalidate each other's."""
        payload = {
            "grant_type": "client_credential",
            "appid": self.app_id,
            "secret": self.app_secret,
            "force_refresh": False,
        }
        try:
            data = await self.request("POST", "cgi-bin/stable_token", {}, payload)
        except WechatApiError as exc:  # no message went out: a later try may succeed
            raise WechatApiError(ErrorKind.NOT_SENT, exc.errcode, f"token fetch failed: {exc}") from exc
        if data.get("errcode"):
            error = classify(int(data["errcode"]), str(data.get("errmsg", "")))
            raise WechatApiError(ErrorKind.NOT_SENT, error.errcode, f"token fetch refused: {error}")
        return str(data["access_token"]), int(data.get("expires_in", 7200))

    # --- calls -----------------------------------------------------------------------------------

    async def send_text(self, openid: str, text: str) -> None:
        """Customer-service text message (only within 48 hours of the member's last message)."""
        await self.call(
            "cgi-bin/message/custom/send", {"touser": openid, "msgtype": "text", "text": {"content": text}}
        )

    async def send_template(
        self, openid: str, template_id: str, data: dict[str, str], url: str | None = None
    ) -> str:
        """Template message; returns WeChat's msgid (matched later with TEMPLATESENDJOBFINISH)."""
        payload: dict[str, Any] = {
            "touser": openid,
            "template_id": template_id,
            "data": {key: {"value": value} for key, value in data.items()},
        }
        if url:
            payload["url"] = url
        answer = await self.call("cgi-bin/message/template/send", payload)
        return str(answer.get("msgid", ""))

    async def create_menu(self, menu: dict[str, Any]) -> None:
        await self.call("cgi-bin/menu/create", menu)

    async def create_qr_scene(self, scene: str, expire_seconds: int | None = None) -> QrTicket:
        """A parametric QR code carrying `scene` (temporary when `expire_seconds` is given)."""
        payload: dict[str, Any] = {"action_info": {"scene": {"scene_str": scene}}}
        if expire_seconds:
            payload.update(action_name="QR_STR_SCENE", expire_seconds=expire_seconds)
        else:
            payload["action_name"] = "QR_LIMIT_STR_SCENE"
        answer = await self.call("cgi-bin/qrcode/create", payload)
        expires = answer.get("expire_seconds")
        return QrTicket(str(answer["ticket"]), str(answer["url"]), int(expires) if expires else None)


_shared: WechatApi | None = None


def shared_api() -> WechatApi:
    """The process's one client (and so the one owner of the access token), built from the settings."""
    global _shared
    if _shared is None:
        from bot.config import get_settings

        settings = get_settings()
        _shared = WechatApi(
            app_id=settings.wechat_app_id,
            app_secret=settings.wechat_app_secret,
            base_url=settings.wechat_api_base,
            timeout=settings.wechat_api_timeout_seconds,
            refresh_margin=settings.wechat_token_refresh_margin_seconds,
        )
    return _shared


async def close_shared() -> None:
    global _shared
    if _shared is not None:
        await _shared.close()
    _shared = None

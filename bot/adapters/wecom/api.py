"""Async client of the 企业微信 / 政务微信 HTTP API: the app's messages and the group robots.

The base URL is a setting: 企业微信 is https://qyapi.weixin.qq.com, a 政务微信 deployment runs its own
server with the same paths. Calls go through aiohttp, never wechatpy's blocking client.

The app's access token has a single owner per process (`bot.adapters.webhook.client`), fetched from
`cgi-bin/gettoken`. A call rejected for its token (40014 invalid, 42001 expired) refreshes once and
is retried once.

A robot is addressed by its webhook key, a secret: whoever has it can post to the group. The key
never appears in a log line, an error or an outbox row; errors name the robot, not its key.
"""

from __future__ import annotations

from enum import StrEnum

from bot.adapters.webhook.client import ApiClient, errcode_of

TOKEN_ERRORS = frozenset({40014, 42001})


class ErrorKind(StrEnum):
    TOKEN = "token"  # the token was refused even after one refresh
    RATE_LIMIT = "rate_limit"  # 45009 / 45033: too many calls now; nothing was sent
    USER_INVALID = "user_invalid"  # 81013 / 60111 / invaliduser: no such member in the app's reach
    ROBOT_INVALID = "robot_invalid"  # 93000: the robot's webhook is gone (removed from the group)
    IP_NOT_TRUSTED = "ip_not_trusted"  # 60020: this server's IP is not in the app's trusted IPs
    BUSY = "busy"  # -1: the platform is busy, nothing happened
    NOT_SENT = "not_sent"  # the request never reached the platform (connection refused, no token)
    UNCERTAIN = "uncertain"  # timeout or broken answer: it may have been carried out
    OTHER = "other"  # any other errcode: refused for good


ERRCODE_KINDS = {
    45009: ErrorKind.RATE_LIMIT,
    45033: ErrorKind.RATE_LIMIT,
    81013: ErrorKind.USER_INVALID,
    60111: ErrorKind.USER_INVALID,
    93000: ErrorKind.ROBOT_INVALID,
    60020: ErrorKind.IP_NOT_TRUSTED,
    -1: ErrorKind.BUSY,
}
ERROR_LABELS = {
    ErrorKind.TOKEN: "access token refused",
    ErrorKind.RATE_LIMIT: "API frequency limit",
    ErrorKind.USER_INVALID: "user not found in the app's visible range",
    ErrorKind.ROBOT_INVALID: "robot webhook invalid (removed from the group?)",
    ErrorKind.IP_NOT_TRUSTED: "server IP not in the app's trusted IPs",
    ErrorKind.BUSY: "system busy",
}


class WecomApiError(Exception):
    def __init__(
        self, kind: ErrorKind, errcode: int | None = None, errmsg: str = "", where: str = ""
    ) -> None:
        self.kind = kind
        self.errcode = errcode
        self.errmsg = errmsg
        label = ERROR_LABELS.get(kind, errmsg or kind.value)
        text = f"{errcode} {label}" if errcode is not None else label
        super().__init__(f"{where}: {text}" if where else text)


def classify(errcode: int, errmsg: str = "") -> WecomApiError:
    if errcode in TOKEN_ERRORS:
        return WecomApiError(ErrorKind.TOKEN, errcode, errmsg)
    return WecomApiError(ERRCODE_KINDS.get(errcode, ErrorKind.OTHER), errcode, errmsg)


class WecomApi(ApiClient):
    label = "wecom"
    token_errors = frozenset(TOKEN_ERRORS)

    def __init__(
        self,
        *,
        corp_id: str,
        secret: str,
        agent_id: int,
        base_url: str,
        timeout: float = 10.0,
        refresh_margin: int = 300,
    ) -> None:
        super().__init__(base_url=base_url, timeout=timeout, refresh_margin=refresh_margin)
        self.corp_id = corp_id
        self.secret = secret
        self.agent_id = agent_id

    @property
    def configured(self) -> bool:
        """Whether the app's messages can be sent (robots need only their keys)."""
        return bool(self.corp_id and self.secret and self.agent_id)

    @property
    def token_owner(self) -> str:
        return f"wecom:{self.corp_id}:{self.agent_id}"[:64]

    def refused(self, errcode: int, errmsg: str) -> Exception:
        return classify(errcode, errmsg)

    def not_sent(self, detail: str) -> WecomApiError:
        return WecomApiError(ErrorKind.NOT_SENT, None, detail)

    def uncertain(self, detail: str) -> WecomApiError:
        return WecomApiError(ErrorKind.UNCERTAIN, None, detail)

    async def _fetch_token(self) -> tuple[str, int]:
        """`gettoken` hands every caller the same token until it expires."""
        params = {"corpid": self.corp_id, "corpsecret": self.secret}
        try:
            data = await self.request("GET", "cgi-bin/gettoken", params)
        except WecomApiError as exc:  # no message went out: a later try may succeed
            raise WecomApiError(ErrorKind.NOT_SENT, exc.errcode, f"token fetch failed: {exc}") from None
        errcode = errcode_of(data)
        if errcode or not data.get("access_token"):
            error = classify(errcode, str(data.get("errmsg", "")))
            raise WecomApiError(ErrorKind.NOT_SENT, error.errcode, f"token fetch refused: {error}")
        return str(data["access_token"]), int(data.get("expires_in", 7200))

    # --- calls -----------------------------------------------------------------------------------

    async def send_text(self, user_id: str, text: str) -> str:
        """An app text message to one member (UserID); returns the platform's msgid."""
        answer = await self.call(
            "cgi-bin/message/send",
            {"touser": user_id, "msgtype": "text", "agentid": self.agent_id, "text": {"content": text}},
        )
        invalid = str(answer.get("invaliduser") or "")
        if user_id in invalid.split("|"):
            raise WecomApiError(ErrorKind.USER_INVALID, None, "invaliduser")
        return str(answer.get("msgid", ""))

    async def robot_send(self, robot: str, key: str, msgtype: str, content: str) -> None:
        """A group robot message (text or markdown). `robot` names it in errors; `key` stays unsaid."""
        payload = {"msgtype": msgtype, msgtype: {"content": content}}
        try:
            data = await self.request("POST", "cgi-bin/webhook/send", {"key": key}, payload)
        except WecomApiError as exc:
            raise WecomApiError(exc.kind, exc.errcode, exc.errmsg, where=f"robot {robot}") from None
        errcode = errcode_of(data)
        if errcode:
            errmsg = str(data.get("errmsg", "")).replace(key, "<key>")
            error = classify(errcode, errmsg)
            raise WecomApiError(error.kind, errcode, errmsg, where=f"robot {robot}")


_shared: WecomApi | None = None


def shared_api() -> WecomApi:
    """The process's one client (and so the one owner of the app's access token)."""
    global _shared
    if _shared is None:
        from bot.config import get_settings

        settings = get_settings()
        _shared = WecomApi(
            corp_id=settings.wecom_corp_id,
            secret=settings.wecom_secret,
            agent_id=settings.wecom_agent_id,
            base_url=settings.wecom_api_base,
            timeout=settings.wecom_api_timeout_seconds,
            refresh_margin=settings.wechat_token_refresh_margin_seconds,
        )
    return _shared


async def close_shared() -> None:
    global _shared
    if _shared is not None:
        await _shared.close()
    _shared = None

"""What the WeChat-family API clients (Official Account, 企业微信 / 政务微信) share: one aiohttp session
for JSON calls with their failures classified, and an access token with a single owner.

Calls go through aiohttp, never wechatpy's blocking client. A call that never connected did nothing
(`not_sent`); a timeout, a 5xx or an answer that is not a JSON object may have been carried out
(`uncertain`). Failure texts name the exception's type, never the URL (whose query may hold a key).

The token: one lock guards fetching it, it is refreshed a margin before it expires and kept in the
database (`wechat_token`, one row per owner) so that a restart or another process reuses it; after
a call was refused for its token, a refresh fetches a new one unless someone already did.
"""

from __future__ import annotations

import asyncio
import json
from abc import ABC, abstractmethod
from datetime import datetime, timedelta
from typing import Any, ClassVar, Self

import aiohttp
from loguru import logger

from bot import clock
from models import WechatToken


def errcode_of(data: dict[str, Any]) -> int:
    """The answer's errcode (0: success); one that is not a number counts as -1 (busy)."""
    try:
        return int(data.get("errcode") or 0)
    except (TypeError, ValueError):
        return -1


class ApiClient(ABC):
    label = "api"  # how log lines name this client
    token_errors: ClassVar[frozenset[int]]  # errcodes that mean "this token is refused"

    def __init__(self, *, base_url: str, timeout: float = 10.0, refresh_margin: int = 300) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.refresh_margin = timedelta(seconds=refresh_margin)
        self._lock = asyncio.Lock()
        self._token: tuple[str, datetime] | None = None
        self._session: aiohttp.ClientSession | None = None

    # --- what each platform says -----------------------------------------------------------------

    @property
    @abstractmethod
    def token_owner(self) -> str:
        """The `wechat_token` row this client's token is kept in."""

    @abstractmethod
    async def _fetch_token(self) -> tuple[str, int]:
        """A fresh token from the platform and its lifetime in seconds (raises `not_sent` errors)."""

    @abstractmethod
    def refused(self, errcode: int, errmsg: str) -> Exception:
        """The classified error for a call the platform answered with `errcode`."""

    @abstractmethod
    def not_sent(self, detail: str) -> Exception:
        """The error for a call that certainly did nothing."""

    @abstractmethod
    def uncertain(self, detail: str) -> Exception:
        """The error for a call that may have been carried out."""

    # --- transport -------------------------------------------------------------------------------

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.close()

    async def close(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.timeout))
        return self._session

    async def request(
        self, method: str, path: str, params: dict[str, str], payload: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """One call; the answer's JSON object, or the classified failure."""
        body = json.dumps(payload, ensure_ascii=False).encode() if payload is not None else None
        headers = {"Content-Type": "application/json"} if body is not None else {}
        try:
            async with self._client().request(
                method, f"{self.base_url}/{path}", params=params, data=body, headers=headers
            ) as response:
                raw = await response.read()
                status = response.status
        except aiohttp.ClientConnectorError as exc:  # never connected: nothing was carried out
            raise self.not_sent(f"connection failed ({type(exc).__name__})") from None
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise self.uncertain(f"timeout or broken answer ({type(exc).__name__})") from None
        if status >= 500:
            raise self.uncertain(f"HTTP {status}")
        try:
            data = json.loads(raw)
        except ValueError:
            raise self.uncertain(f"HTTP {status}, not JSON") from None
        if not isinstance(data, dict):
            raise self.uncertain(f"HTTP {status}, unexpected JSON")
        return data

    # --- access token ----------------------------------------------------------------------------

    def _usable(self, expires_at: datetime) -> bool:
        return expires_at - self.refresh_margin > clock.now()

    async def _renew(self) -> str:
        token, lifetime = await self._fetch_token()
        now = clock.now()
        expires_at = now + timedelta(seconds=lifetime)
        await WechatToken.update_or_create(
            defaults={"token": token, "expires_at": expires_at, "fetched_at": now}, app_id=self.token_owner
        )
        self._token = (token, expires_at)
        logger.info("{}: access token fetched, valid until {}", self.label, expires_at)
        return token

    async def access_token(self) -> str:
        if self._token and self._usable(self._token[1]):
            return self._token[0]
        async with self._lock:
            if self._token and self._usable(self._token[1]):
                return self._token[0]
            row = await WechatToken.filter(app_id=self.token_owner).first()
            if row is not None and self._usable(row.expires_at):
                self._token = (row.token, row.expires_at)
                return row.token
            return await self._renew()

    async def refresh_after_rejection(self, rejected: str) -> str:
        """A token other than `rejected`: one someone fetched meanwhile, else a fresh one."""
        async with self._lock:
            if self._token and self._token[0] != rejected and self._usable(self._token[1]):
                return self._token[0]
            row = await WechatToken.filter(app_id=self.token_owner).first()
            if row is not None and row.token != rejected and self._usable(row.expires_at):
                self._token = (row.token, row.expires_at)
                return row.token
            self._token = None
            return await self._renew()

    async def call(self, path: str, payload: dict[str, Any]) -> dict[str, Any]:
        """POST `payload` to `path` with the token; on a token error refresh once and retry once."""
        token = await self.access_token()
        data = await self.request("POST", path, {"access_token": token}, payload)
        if errcode_of(data) in self.token_errors:
            logger.info("{}: token refused ({}), refreshing once", self.label, data.get("errcode"))
            token = await self.refresh_after_rejection(token)
            data = await self.request("POST", path, {"access_token": token}, payload)
        errcode = errcode_of(data)
        if errcode:
            raise self.refused(errcode, str(data.get("errmsg", "")))
        return data

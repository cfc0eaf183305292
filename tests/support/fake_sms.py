"""Local fakes of the SMS providers' HTTP APIs, written from their public documentation.

`FakeTencentSms` speaks Tencent Cloud API 3.0 (POST / with a JSON body, headers X-TC-Action,
X-TC-Timestamp, X-TC-Version, X-TC-Region) and checks the TC3-HMAC-SHA256 signature in the
Authorization header, answering `AuthFailure.SignatureFailure` / `AuthFailure.SignatureExpire` as
Tencent does. `FakeAliyunSms` speaks Alibaba Cloud's RPC API (parameters in the query string) and
checks the ACS3-HMAC-SHA256 signature (`SignatureDoesNotMatch`, HTTP 400).

Both record every SendSms they accept and answer from a script: a per-number status code
(`refuse(phone, code)`), an outage (`down(times)`: HTTP 503 without an API answer), or a delay.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import json
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from aiohttp import web

TIMESTAMP_TOLERANCE = 300


@dataclass
class SmsCall:
    phone: str
    template: str
    params: list[str] | dict[str, str]
    sign_name: str
    context: str  # SessionContext (Tencent) / OutId (Alibaba)
    code: str  # what the fake answered for this number
    message_id: str = ""


@dataclass
class _Script:
    refusals: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    outages: int = 0
    delay: float = 0.0


class _FakeServer:
    def __init__(self, key_id: str, key_secret: str) -> None:
        self.key_id, self.key_secret = key_id, key_secret
        self.calls: list[SmsCall] = []
        self.signature_failures = 0
        self.requests = 0
        self.script = _Script()
        self._ids = itertools.count(1)
        self.runner: web.AppRunner | None = None
        self.port = 0

    # --- steering ---
    def refuse(self, phone: str, code: str, times: int = 1) -> None:
        self.script.refusals[phone].extend([code] * times)

    def down(self, times: int) -> None:
        """The next `times` requests get HTTP 503 from the gateway (no API answer)."""
        self.script.outages = times

    def delay(self, seconds: float) -> None:
        self.script.delay = seconds

    def delivered(self, phone: str | None = None) -> list[SmsCall]:
        return [c for c in self.calls if c.message_id and (phone is None or c.phone == phone)]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # --- server ---
    async def start(self) -> _FakeServer:
        app = web.Application()
        app.router.add_post("/", self._handle)
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()

    async def _handle(self, request: web.Request) -> web.Response:
        self.requests += 1
        body = await request.read()
        if self.script.delay:
            await asyncio.sleep(self.script.delay)
        if self.script.outages > 0:
            self.script.outages -= 1
            return web.Response(status=503, text="<html>503 Service Temporarily Unavailable</html>")
        return await self.answer(request, body)

    async def answer(self, request: web.Request, body: bytes) -> web.Response:
        raise NotImplementedError

    def _status_for(self, phone: str) -> str:
        queue = self.script.refusals.get(phone)
        return queue.pop(0) if queue else ""


def _json(data: dict[str, Any], status: int = 200) -> web.Response:
    """JSON with the bare content type the providers send (the Tencent SDK looks for exactly that)."""
    body = json.dumps(data, ensure_ascii=False).encode()
    return web.Response(body=body, status=status, headers={"Content-Type": "application/json"})


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode("utf-8"), hashlib.sha256).digest()


class FakeTencentSms(_FakeServer):
    """Tencent Cloud SMS, API version 2021-01-11, action SendSms."""

    def __init__(self, secret_id: str = "AKIDfake", secret_key: str = "tencent-secret") -> None:
        super().__init__(secret_id, secret_key)

    def expected_signature(self, request: web.Request, body: bytes, timestamp: int, service: str) -> str:
        """TC3-HMAC-SHA256 as documented (签名方法 v3): canonical request → string to sign → key chain."""
        signed = ("content-type", "host")
        canonical_headers = "".join(
            f"{name}:{request.headers.get(name, '').strip().lower()}\n" for name in signed
        )
        canonical_request = "\n".join(
            [
                request.method,
                request.path,
                request.query_string,
                canonical_headers,
                ";".join(signed),
                hashlib.sha256(body).hexdigest(),
            ]
        )
        date = datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d")
        scope = f"{date}/{service}/tc3_request"
        to_sign = "\n".join(
            ["TC3-HMAC-SHA256", str(timestamp), scope, hashlib.sha256(canonical_request.encode()).hexdigest()]
        )
        key = _hmac(("TC3" + self.key_secret).encode(), date)
        key = _hmac(key, service)
        key = _hmac(key, "tc3_request")
        return hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()

    @staticmethod
    def _error(code: str, message: str) -> web.Response:
        return _json({"Response": {"Error": {"Code": code, "Message": message}, "RequestId": "r"}})

    async def answer(self, request: web.Request, body: bytes) -> web.Response:
        auth = request.headers.get("Authorization", "")
        try:
            algorithm, rest = auth.split(" ", 1)
            parts = dict(item.strip().split("=", 1) for item in rest.split(","))
            key_id, date, service, terminator = parts["Credential"].split("/")
            timestamp = int(request.headers["X-TC-Timestamp"])
        except (ValueError, KeyError):
            return self._error("AuthFailure.InvalidAuthorization", "Authorization header is malformed")
        if date != datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d"):
            return self._error("AuthFailure.SignatureFailure", "scope date is not the request's")
        if algorithm != "TC3-HMAC-SHA256" or terminator != "tc3_request" or key_id != self.key_id:
            return self._error("AuthFailure.SecretIdNotFound", "unknown SecretId")
        if abs(time.time() - timestamp) > TIMESTAMP_TOLERANCE:
            return self._error("AuthFailure.SignatureExpire", "signature expired")
        if parts.get("SignedHeaders") != "content-type;host" or not hmac.compare_digest(
            parts.get("Signature", ""), self.expected_signature(request, body, timestamp, service)
        ):
            self.signature_failures += 1
            return self._error(
                "AuthFailure.SignatureFailure", "The provided credentials could not be validated."
            )
        if (
            request.headers.get("X-TC-Action") != "SendSms"
            or request.headers.get("X-TC-Version") != "2021-01-11"
        ):
            return self._error("InvalidAction", "only SendSms 2021-01-11 here")
        data: dict[str, Any] = json.loads(body)
        for name in ("SmsSdkAppId", "TemplateId", "PhoneNumberSet"):
            if not data.get(name):
                return self._error("MissingParameter", f"{name} is required")
        statuses = []
        for number in data["PhoneNumberSet"]:
            phone = number.removeprefix("+86")
            code = self._status_for(phone) or "Ok"
            serial = f"2640:{next(self._ids):012d}" if code == "Ok" else ""
            self.calls.append(
                SmsCall(
                    phone,
                    data["TemplateId"],
                    list(data.get("TemplateParamSet") or []),
                    data.get("SignName", ""),
                    data.get("SessionContext", ""),
                    code,
                    serial,
                )
            )
            statuses.append(
                {
                    "SerialNo": serial,
                    "PhoneNumber": number,
                    "Fee": 1 if code == "Ok" else 0,
                    "SessionContext": data.get("SessionContext", ""),
                    "Code": code,
                    "Message": "send success" if code == "Ok" else f"refused: {code}",
                    "IsoCode": "CN",
                }
            )
        return _json({"Response": {"SendStatusSet": statuses, "RequestId": "r"}})


def _percent(text: str) -> str:
    """RFC 3986 encoding as Alibaba's signature documents it (space as %20, ~ kept)."""
    return quote(text, safe="-_.~")


class FakeAliyunSms(_FakeServer):
    """Alibaba Cloud Dysmsapi 2017-05-25, action SendSms, V3 signature (ACS3-HMAC-SHA256)."""

    def __init__(self, access_key_id: str = "LTAIfake", access_key_secret: str = "aliyun-secret") -> None:
        super().__init__(access_key_id, access_key_secret)

    def expected_signature(self, request: web.Request, body: bytes, signed: list[str]) -> str:
        query = "&".join(f"{_percent(key)}={_percent(value)}" for key, value in sorted(request.query.items()))
        headers = "".join(f"{name}:{request.headers.get(name, '').strip()}\n" for name in signed)
        canonical_request = "\n".join(
            [
                request.method,
                request.path,
                query,
                headers,
                ";".join(signed),
                request.headers.get("x-acs-content-sha256", ""),
            ]
        )
        to_sign = "ACS3-HMAC-SHA256\n" + hashlib.sha256(canonical_request.encode()).hexdigest()
        return hmac.new(self.key_secret.encode(), to_sign.encode(), hashlib.sha256).hexdigest()

    @staticmethod
    def _error(status: int, code: str, message: str) -> web.Response:
        return _json({"Code": code, "Message": message, "RequestId": "r"}, status)

    async def answer(self, request: web.Request, body: bytes) -> web.Response:
        auth = request.headers.get("Authorization", "")
        try:
            algorithm, rest = auth.split(" ", 1)
            parts = dict(item.strip().split("=", 1) for item in rest.split(","))
            signed = parts["SignedHeaders"].split(";")
            stamp = datetime.strptime(request.headers["x-acs-date"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        except (ValueError, KeyError):
            return self._error(400, "IncompleteSignature", "Authorization header is malformed")
        if algorithm != "ACS3-HMAC-SHA256" or parts.get("Credential") != self.key_id:
            return self._error(404, "InvalidAccessKeyId.NotFound", "Specified access key is not found.")
        if abs(time.time() - stamp.timestamp()) > 900:
            return self._error(400, "InvalidTimeStamp.Expired", "timestamp expired")
        must_sign = {"host", "x-acs-action", "x-acs-version", "x-acs-date", "x-acs-signature-nonce"}
        payload_hash = hashlib.sha256(body).hexdigest()
        if (
            not must_sign <= set(signed)
            or request.headers.get("x-acs-content-sha256") != payload_hash
            or not hmac.compare_digest(
                parts.get("Signature", ""), self.expected_signature(request, body, signed)
            )
        ):
            self.signature_failures += 1
            return self._error(
                400, "SignatureDoesNotMatch", "Specified signature does not match our calculation."
            )
        if (
            request.headers.get("x-acs-action") != "SendSms"
            or request.headers.get("x-acs-version") != "2017-05-25"
        ):
            return self._error(400, "InvalidAction.NotFound", "only SendSms 2017-05-25 here")
        query = dict(request.query)
        for name in ("PhoneNumbers", "SignName", "TemplateCode"):
            if not query.get(name):
                return self._error(400, "MissingParameter", f"{name} is mandatory")
        phone = query["PhoneNumbers"]
        code = self._status_for(phone) or "OK"
        biz_id = f"{next(self._ids):06d}^0" if code == "OK" else ""
        params = json.loads(query.get("TemplateParam") or "{}")
        self.calls.append(
            SmsCall(
                phone, query["TemplateCode"], params, query["SignName"], query.get("OutId", ""), code, biz_id
            )
        )
        if code != "OK":
            return _json({"Code": code, "Message": f"refused: {code}", "RequestId": "r"})
        return _json({"Code": "OK", "Message": "OK", "BizId": biz_id, "RequestId": "r"})

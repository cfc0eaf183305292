"""Alibaba Cloud SMS (阿里云短信服务, Dysmsapi 2017-05-25) through `alibabacloud-dysmsapi20170525`.

The SDK signs each request (ACS3-HMAC-SHA256) and makes a blocking HTTP call: it runs in a worker
thread. `SMS_API_BASE` points it elsewhere (a local fake in tests). Error codes: Alibaba's SMS API
error-code list (API错误码), classified as in `bot.delivery.sms`.
"""

from __future__ import annotations

import asyncio
import json
from urllib.parse import urlsplit

from alibabacloud_dysmsapi20170525 import models
from alibabacloud_dysmsapi20170525.client import Client
from alibabacloud_tea_openapi.exceptions import AlibabaCloudException
from alibabacloud_tea_openapi.utils_models import Config
from darabonba.runtime import RuntimeOptions

from bot.delivery.channels.base import SendOutcome, SendResult
from bot.delivery.sms import (
    AUTH,
    BALANCE,
    INVALID_NUMBER,
    OFFLINE,
    RATE_LIMIT,
    TEMPLATE_REFUSED,
    SmsAnswer,
    SmsRequest,
    answer,
    network_failure,
)

DEFAULT_BASE = "https://dysmsapi.aliyuncs.com"

_BY_CODE = {
    "isv.MOBILE_NUMBER_ILLEGAL": INVALID_NUMBER,
    "isv.DOMESTIC_NUMBER_NOT_SUPPORTED": INVALID_NUMBER,
    "isv.BLACK_KEY_CONTROL_LIMIT": INVALID_NUMBER,
    "isv.BUSINESS_LIMIT_CONTROL": RATE_LIMIT,
    "isv.DAY_LIMIT_CONTROL": RATE_LIMIT,
    "isv.MONTH_LIMIT_CONTROL": RATE_LIMIT,
    "isv.AMOUNT_NOT_ENOUGH": BALANCE,
    "isv.OUT_OF_SERVICE": BALANCE,
    "isp.SYSTEM_ERROR": OFFLINE,
    "isp.RAM_PERMISSION_DENY": AUTH,
    "SignatureDoesNotMatch": AUTH,
    "IncompleteSignature": AUTH,
    "SignatureNonceUsed": AUTH,
    "InvalidTimeStamp.Expired": AUTH,
}
_BY_PREFIX = (
    ("Throttling", RATE_LIMIT),
    ("InvalidAccessKeyId", AUTH),
    ("Forbidden", AUTH),
    ("isv.SMS_SIGN", TEMPLATE_REFUSED),
    ("isv.SMS_SIGNATURE", TEMPLATE_REFUSED),
    ("isv.SIGN_", TEMPLATE_REFUSED),
    ("isv.SMS_TEMPLATE", TEMPLATE_REFUSED),
    ("isv.TEMPLATE", TEMPLATE_REFUSED),
    ("isv.INVALID_JSON_PARAM", TEMPLATE_REFUSED),
    ("isv.PARAM_LENGTH_LIMIT", TEMPLATE_REFUSED),
    ("isv.INVALID_PARAMETERS", TEMPLATE_REFUSED),
    ("ServiceUnavailable", OFFLINE),
    ("InternalError", OFFLINE),
)


def kind_of(code: str) -> str:
    if code in _BY_CODE:
        return _BY_CODE[code]
    for prefix, kind in _BY_PREFIX:
        if code.startswith(prefix):
            return kind
    return code


class AliyunSms:
    name = "aliyun"

    def __init__(
        self,
        *,
        access_key_id: str,
        access_key_secret: str,
        sign_name: str,
        base_url: str = "",
        timeout: float = 10.0,
    ) -> None:
        url = urlsplit(base_url or DEFAULT_BASE)
        millis = int(timeout * 1000)
        config = Config(
            access_key_id=access_key_id,
            access_key_secret=access_key_secret,
            endpoint=url.netloc,
            protocol=url.scheme or "https",
            read_timeout=millis,
            connect_timeout=millis,
        )
        self._client = Client(config)
        self.sign_name = sign_name

    def _send_blocking(self, request: SmsRequest) -> SmsAnswer:
        call = models.SendSmsRequest(
            phone_numbers=request.phone,
            sign_name=self.sign_name,
            template_code=request.template,
            template_param=json.dumps(request.params, ensure_ascii=False),
            out_id="" if request.outbox_id is None else f"outbox:{request.outbox_id}",
        )
        try:
            response = self._client.send_sms_with_options(call, RuntimeOptions())
        except AlibabaCloudException as exc:
            code = str(exc.code or "")
            if (exc.status_code or 0) >= 500 and not code.startswith("isv."):
                return answer(OFFLINE, code, str(exc.message or ""))
            return answer(kind_of(code), code, str(exc.message or ""))
        except Exception as exc:  # no answer: a refused connection, a timeout
            text = f"{exc} {getattr(exc, 'inner_exception', '')}"
            return answer(network_failure(text), type(exc).__name__, text[:120])
        body = response.body
        code = str(getattr(body, "code", "") or "")
        if code == "OK":
            biz_id = str(body.biz_id or "")
            return SmsAnswer(SendResult(SendOutcome.SENT, f"BizId {biz_id}", via="sms"), biz_id)
        return answer(kind_of(code), code, str(getattr(body, "message", "") or ""))

    async def send(self, request: SmsRequest) -> SmsAnswer:
        return await asyncio.to_thread(self._send_blocking, request)

"""Tencent Cloud SMS (腾讯云短信, API 2021-01-11) through `tencentcloud-sdk-python-sms`.

The SDK signs each request with TC3-HMAC-SHA256 and makes a blocking HTTP call: it runs in a worker
thread. `SMS_API_BASE` points it elsewhere (a local fake in tests). Error codes: Tencent's SMS API
error-code list (发送错误码), classified as in `bot.delivery.sms`.
"""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit

from tencentcloud.common.credential import Credential
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.sms.v20210111 import models
from tencentcloud.sms.v20210111.sms_client import SmsClient

from bot.delivery.channels.base import SendOutcome, SendResult
from bot.delivery.sms import (
    AUTH,
    BALANCE,
    INVALID_NUMBER,
    OFFLINE,
    RATE_LIMIT,
    TEMPLATE_REFUSED,
    TIMEOUT,
    SmsAnswer,
    SmsRequest,
    answer,
    network_failure,
)

DEFAULT_BASE = "https://sms.tencentcloudapi.com"

_BY_CODE = {
    "InvalidParameterValue.IncorrectPhoneNumber": INVALID_NUMBER,
    "FailedOperation.PhoneNumberInBlacklist": INVALID_NUMBER,
    "FailedOperation.PhoneNumberParseFail": INVALID_NUMBER,
    "FailedOperation.InsufficientBalanceInSmsPackage": BALANCE,
    "InternalError.Timeout": TIMEOUT,
    "InternalError.SendAndRecvFail": TIMEOUT,
}
_BY_PREFIX = (
    ("LimitExceeded.", RATE_LIMIT),
    ("RequestLimitExceeded", RATE_LIMIT),
    ("FailedOperation.Signature", TEMPLATE_REFUSED),
    ("FailedOperation.Template", TEMPLATE_REFUSED),
    ("FailedOperation.MissingSignature", TEMPLATE_REFUSED),
    ("InvalidParameterValue.Template", TEMPLATE_REFUSED),
    ("InvalidParameterValue.ContentLengthLimit", TEMPLATE_REFUSED),
    ("InvalidParameterValue.ProhibitedUseUrlInTemplateParameter", TEMPLATE_REFUSED),
    ("UnsupportedOperation.ChineseMainlandTemplateToGlobalPhone", INVALID_NUMBER),
    ("UnsupportedOperation.GlobalTemplateToChineseMainlandPhone", TEMPLATE_REFUSED),
    ("AuthFailure", AUTH),
    ("UnauthorizedOperation", AUTH),
    ("ServerNetworkError", OFFLINE),
)


def kind_of(code: str) -> str:
    """Our reason code for one of Tencent's (the code itself when it needs no special handling)."""
    if code in _BY_CODE:
        return _BY_CODE[code]
    for prefix, kind in _BY_PREFIX:
        if code.startswith(prefix):
            return kind
    return code


class TencentSms:
    name = "tencent"

    def __init__(
        self,
        *,
        secret_id: str,
        secret_key: str,
        app_id: str,
        sign_name: str,
        region: str = "ap-guangzhou",
        base_url: str = "",
        timeout: float = 10.0,
    ) -> None:
        url = urlsplit(base_url or DEFAULT_BASE)
        profile = HttpProfile(protocol=url.scheme or "https", endpoint=url.netloc, reqTimeout=timeout)
        credential = Credential(secret_id, secret_key)
        self._client = SmsClient(credential, region, ClientProfile(httpProfile=profile))
        self.app_id, self.sign_name = app_id, sign_name

    def _send_blocking(self, request: SmsRequest) -> SmsAnswer:
        call = models.SendSmsRequest()
        call.SmsSdkAppId = self.app_id
        call.SignName = self.sign_name
        call.TemplateId = request.template
        call.PhoneNumberSet = [f"+86{request.phone}"]
        call.TemplateParamSet = list(request.params.values())
        call.SessionContext = "" if request.outbox_id is None else f"outbox:{request.outbox_id}"
        try:
            response = self._client.SendSms(call)
        except TencentCloudSDKException as exc:
            code, message = exc.get_code() or "", exc.get_message() or ""
            if code == "ClientNetworkError":
                return answer(network_failure(message), code, message[:120])
            return answer(kind_of(code), code, message)
        statuses = response.SendStatusSet or []
        if not statuses:
            return SmsAnswer(SendResult(SendOutcome.UNKNOWN, "no send status in the answer", TIMEOUT, "sms"))
        status = statuses[0]
        if status.Code == "Ok":
            serial = str(status.SerialNo or "")
            return SmsAnswer(SendResult(SendOutcome.SENT, f"SerialNo {serial}", via="sms"), serial)
        return answer(kind_of(status.Code or ""), status.Code or "", status.Message or "")

    async def send(self, request: SmsRequest) -> SmsAnswer:
        return await asyncio.to_thread(self._send_blocking, request)

"""The HTTP endpoint the SMS provider pushes delivery receipts to: POST /sms/receipt?token=<secret>.

The providers do not sign these pushes, so the URL carries a secret (SMS_RECEIPT_TOKEN, compared in
constant time); bodies over SMS_RECEIPT_MAX_BODY_BYTES get 413 before they are read (the same guard
as the WeChat webhook). The answer is the one each provider documents: Tencent `{"result": 0,
"errmsg": "OK"}`, Alibaba `{"code": 0, "msg": "成功"}`; a refused push gets a non-zero code.
"""

from __future__ import annotations

import hmac
import json

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse
from loguru import logger
from nonebot.drivers import Driver

from bot.adapters.webhook.guard import install_body_limit
from bot.config import get_settings
from bot.delivery.sms import receipts

PATH = "/sms/receipt"


def _answer(provider: str, ok: bool, reason: str = "", status: int = 200) -> JSONResponse:
    if provider == "tencent":
        body: dict[str, object] = {"result": 0 if ok else 1, "errmsg": "OK" if ok else reason}
    else:
        body = {"code": 0 if ok else 1, "msg": "成功" if ok else reason}
    return JSONResponse(body, status_code=status)


router = APIRouter()


@router.post(PATH, include_in_schema=False)
async def receive(request: Request) -> JSONResponse:
    settings = get_settings()
    provider, token = settings.sms_provider, settings.sms_receipt_token
    given = request.query_params.get("token", "")
    if not provider or not token or not hmac.compare_digest(given.encode(), token.encode()):
        return _answer(provider, False, "forbidden", 403)
    body = await request.body()
    if len(body) > settings.sms_receipt_max_body_bytes:
        return _answer(provider, False, "payload too large", 413)
    try:
        items = json.loads(body)
    except ValueError:
        return _answer(provider, False, "not JSON", 400)
    if isinstance(items, dict):  # one receipt on its own
        items = [items]
    if not isinstance(items, list):
        return _answer(provider, False, "expected a JSON list", 400)
    matched = await receipts.record(provider, items)
    logger.info("sms receipts: {} of {} matched", matched, len(items))
    return _answer(provider, True)


def install(app: FastAPI, driver: Driver) -> None:
    install_body_limit(driver, PATH, get_settings().sms_receipt_max_body_bytes)
    app.include_router(router)

"""SMS delivery receipts (状态回执) as the providers push them, matched to what was sent (`SmsSend`).

Tencent Cloud posts a JSON list of `{"sid", "report_status": "SUCCESS"|"FAIL", "errmsg",
"description", "mobile", ...}` (`sid` is the SerialNo SendSms returned); Alibaba Cloud posts a JSON list
of `{"biz_id", "success": true|false, "err_code", "err_msg", "phone_number", ...}`. A failed receipt
continues the message's route or fails it with the reason (`bot.delivery.receipts.undelivered`); a
successful one is only recorded. Unknown ids are ignored (another deployment, or an old message).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from loguru import logger

from bot import clock
from bot.delivery import receipts
from models import SmsSend


@dataclass(frozen=True, slots=True)
class Receipt:
    message_id: str
    delivered: bool
    status: str  # the operator's status code, e.g. DELIVRD, MK:0001, UNDELIV


def _truthy(value: object) -> bool:
    return value is True or str(value).strip().lower() == "true"


def parse(provider: str, items: list[Any]) -> list[Receipt]:
    """The receipts in one push (entries that are not objects, or have no id, are skipped)."""
    found: list[Receipt] = []
    for item in items:
        if not isinstance(item, dict):
            continue
        if provider == "tencent":
            message_id = str(item.get("sid") or "")
            delivered = str(item.get("report_status", "")).upper() == "SUCCESS"
            status = str(item.get("errmsg") or item.get("description") or "")
        else:
            message_id = str(item.get("biz_id") or "")
            delivered = _truthy(item.get("success"))
            status = str(item.get("err_code") or item.get("err_msg") or "")
        if message_id:
            found.append(Receipt(message_id, delivered, status[:64]))
    return found


async def record(provider: str, items: list[Any]) -> int:
    """Apply one push of receipts. Returns how many matched a message sent here."""
    matched = 0
    for receipt in parse(provider, items):
        send = await SmsSend.filter(provider=provider, message_id=receipt.message_id).first()
        if send is None or send.reported_at is not None:  # unknown, or a provider's retry of the push
            continue
        matched += 1
        await SmsSend.filter(id=send.id).update(status=receipt.status, reported_at=clock.now())
        if not receipt.delivered and send.outbox_id is not None:
            state = await receipts.undelivered(send.outbox_id, "sms", "sms", receipt.status or "FAIL")
            logger.info("sms receipt {}: outbox row {} → {}", receipt.status, send.outbox_id, state)
    return matched

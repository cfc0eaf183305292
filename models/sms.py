"""SMS handed to a provider, matched later with the provider's delivery receipt."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class SmsSend(Model):
    """One SMS a provider accepted: its id there (Tencent SerialNo, Alibaba BizId) and the outbox row."""

    id = fields.IntField(primary_key=True)
    provider = fields.CharField(max_length=16)
    message_id = fields.CharField(max_length=64)
    phone = fields.CharField(max_length=20)
    template = fields.CharField(max_length=64)
    outbox_id = fields.IntField(null=True, description="the outbox row it delivered")
    status = fields.CharField(max_length=64, default="", description="the receipt's status, when it came")
    sent_at = fields.DatetimeField()
    reported_at = fields.DatetimeField(null=True)

    class Meta:
        table = "sms_send"
        unique_together = (("provider", "message_id"),)

"""WeChat Official Account bookkeeping: seen message ids, the access token, template sends."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class WechatInbound(Model):
    """One webhook message or event already taken in (WeChat retries unanswered ones three times).

    The key is the MsgId for messages and openid plus CreateTime plus event name for events.
    Rows older than a few days are pruned.
    """

    id = fields.IntField(primary_key=True)
    key = fields.CharField(max_length=128, unique=True)
    openid = fields.CharField(max_length=64, default="")
    reply = fields.TextField(null=True, description="the passive reply given, replayed to a retry")
    created_at = fields.DatetimeField(db_index=True)

    class Meta:
        table = "wechat_inbound"


class WechatToken(Model):
    """The access token of one AppID, kept so that a restart reuses it."""

    id = fields.IntField(primary_key=True)
    app_id = fields.CharField(max_length=64, unique=True)
    token = fields.CharField(max_length=512)
    expires_at = fields.DatetimeField()
    fetched_at = fields.DatetimeField()

    class Meta:
        table = "wechat_token"


class WechatTemplateSend(Model):
    """A template message handed to WeChat, matched later with its TEMPLATESENDJOBFINISH receipt."""

    id = fields.IntField(primary_key=True)
    msgid = fields.CharField(max_length=32, unique=True)
    openid = fields.CharField(max_length=64)
    template_id = fields.CharField(max_length=64)
    outbox_id = fields.IntField(null=True, description="the outbox row it delivered, when known")
    status = fields.CharField(max_length=64, default="", description="WeChat receipt status")
    sent_at = fields.DatetimeField()
    finished_at = fields.DatetimeField(null=True)

    class Meta:
        table = "wechat_template_send"

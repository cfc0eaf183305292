"""One-time binding codes, wrong-code throttling and the binding audit trail."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from models.member import Member


class BindingCode(Model):
    id = fields.IntField(primary_key=True)
    member: fields.ForeignKeyRelation[Member] = fields.ForeignKeyField(
        "models.Member", related_name="binding_codes", on_delete=fields.CASCADE
    )
    member_id: int
    code_hash = fields.CharField(max_length=64, unique=True)
    expires_at = fields.DatetimeField()
    used_at = fields.DatetimeField(null=True)
    invalidated_at = fields.DatetimeField(null=True)
    issued_by = fields.CharField(max_length=64, default="")
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "binding_code"


class BindingAttempt(Model):
    """Wrong-code counter per chat account, with a lock that stops guessing."""

    id = fields.IntField(primary_key=True)
    platform = fields.CharField(max_length=16)
    account_id = fields.CharField(max_length=64)
    failures = fields.IntField(default=0)
    locked_until = fields.DatetimeField(null=True)

    class Meta:
        table = "binding_attempt"
        unique_together = (("platform", "account_id"),)


class BindingLog(Model):
    id = fields.IntField(primary_key=True)
    member: fields.ForeignKeyRelation[Member] = fields.ForeignKeyField(
        "models.Member", related_name="binding_logs", on_delete=fields.CASCADE
    )
    member_id: int
    action = fields.CharField(max_length=16, description="bind / unbind / code_issued / code_voided")
    platform = fields.CharField(max_length=16, default="")
    account_id = fields.CharField(max_length=64, default="")
    actor = fields.CharField(max_length=64, description="who did it: member:<id>, cli, self")
    at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "binding_log"

"""Staff web console: one-time sign-in links and server-side sessions.

Only hashes of the link token and of the session cookie are stored: a copy of the database gives
nobody a way into the console.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from models.member import Member


class ConsoleLogin(Model):
    """A one-time sign-in link: random, single use, valid for minutes."""

    id = fields.IntField(primary_key=True)
    token_hash = fields.CharField(max_length=64, unique=True)
    member: fields.ForeignKeyRelation[Member] = fields.ForeignKeyField(
        "models.Member", related_name="console_logins", on_delete=fields.CASCADE
    )
    issued_via = fields.CharField(max_length=16, default="", description="qq, wechat, cli …")
    expires_at = fields.DatetimeField()
    used_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "console_login"


class ConsoleSession(Model):
    """A signed-in browser. Dead once revoked, idle too long, or past its absolute lifetime."""

    id = fields.IntField(primary_key=True)
    token_hash = fields.CharField(max_length=64, unique=True)
    csrf_token = fields.CharField(max_length=64, description="sent back with every form of this session")
    member: fields.ForeignKeyRelation[Member] = fields.ForeignKeyField(
        "models.Member", related_name="console_sessions", on_delete=fields.CASCADE
    )
    user_agent = fields.CharField(max_length=200, default="")
    created_at = fields.DatetimeField()
    last_seen_at = fields.DatetimeField()
    expires_at = fields.DatetimeField()
    revoked_at = fields.DatetimeField(null=True)
    revoked_reason = fields.CharField(max_length=32, default="", description="logout, rights_removed …")

    class Meta:
        table = "console_session"
        indexes = (("member_id", "revoked_at"),)

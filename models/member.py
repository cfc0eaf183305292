"""Members of the committee and their identities on chat channels."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class Role(StrEnum):
    """What a person may do in the system. Whether they are a 委员 (expected at activities and
    assessed) is role MEMBER, or `Member.also_member` for staff who sit on the committee too."""

    MEMBER = "member"
    STAFF = "staff"
    ADMIN = "admin"


ROLE_LABELS: dict[Role, str] = {Role.MEMBER: "委员", Role.STAFF: "工作人员", Role.ADMIN: "管理员"}


class MemberStatus(StrEnum):
    ACTIVE = "active"
    INACTIVE = "inactive"


class Committee(Model):
    """A special committee (专门委员会) or activity group."""

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=64, unique=True)

    class Meta:
        table = "committee"


class Member(Model):
    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=32, db_index=True)
    gender = fields.CharField(max_length=4, default="")
    sector = fields.CharField(max_length=64, default="", db_index=True, description="界别")
    employer = fields.CharField(max_length=100, default="", db_default="", description="工作单位 (委员单位)")
    role = fields.CharEnumField(Role, max_length=8, default=Role.MEMBER)
    # db_default: adding a NOT NULL column to a table that has rows needs a default in the database
    also_member = fields.BooleanField(
        default=False,
        db_default=False,
        description="staff or admin who is also a 委员 (roster 角色 委员、工作人员)",
    )
    phone = fields.CharField(max_length=20, null=True, unique=True)
    birthday = fields.DateField(null=True)
    birthday_lunar = fields.BooleanField(default=False, description="birthday is a lunar date")
    status = fields.CharEnumField(MemberStatus, max_length=8, default=MemberStatus.ACTIVE)
    committees: fields.ManyToManyRelation[Committee] = fields.ManyToManyField(
        "models.Committee", related_name="members", through="member_committee"
    )
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "member"

    @property
    def is_staff(self) -> bool:
        return self.role in (Role.STAFF, Role.ADMIN)

    @property
    def role_label(self) -> str:
        """委员 / 工作人员 / 管理员, and 委员、工作人员 / 委员、管理员 for staff who are also 委员:
        the roster's 角色 cell, and how every list shows the person."""
        if self.role != Role.MEMBER and self.also_member:
            return f"{ROLE_LABELS[Role.MEMBER]}、{ROLE_LABELS[self.role]}"
        return ROLE_LABELS[self.role]

    @property
    def is_member(self) -> bool:
        """A 委员 (alone or besides a staff role): see bot.services.membership."""
        return self.role == Role.MEMBER or self.also_member


class Identity(Model):
    """A member's account on one platform (QQ number, WeChat openid, console user)."""

    id = fields.IntField(primary_key=True)
    member: fields.ForeignKeyRelation[Member] = fields.ForeignKeyField(
        "models.Member", related_name="identities", on_delete=fields.CASCADE
    )
    platform = fields.CharField(max_length=16)
    account_id = fields.CharField(max_length=64)
    active = fields.BooleanField(default=True)
    bound_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "identity"
        unique_together = (("platform", "account_id"), ("member", "platform"))

"""Recipients as frozen, serialisable value objects with a type field."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar


@dataclass(frozen=True, slots=True)
class MemberRecipient:
    """A roster member, routed to their bound channels in the configured order."""

    type: ClassVar[str] = "member"
    member_id: int


@dataclass(frozen=True, slots=True)
class GroupRecipient:
    """A group chat on one platform (a QQ group)."""

    type: ClassVar[str] = "group"
    platform: str
    group_id: str


@dataclass(frozen=True, slots=True)
class AccountRecipient:
    """One chat account, bound or not (a reply to whoever wrote)."""

    type: ClassVar[str] = "account"
    platform: str
    account_id: str


@dataclass(frozen=True, slots=True)
class MemberOnChannel:
    """A roster member on one channel only: the extra SMS of an urgent message (the member's own
    chat channel carries the message itself)."""

    type: ClassVar[str] = "member_on"
    member_id: int
    platform: str


Recipient = MemberRecipient | GroupRecipient | AccountRecipient | MemberOnChannel
_TYPES: dict[str, type[Recipient]] = {
    cls.type: cls for cls in (MemberRecipient, GroupRecipient, AccountRecipient, MemberOnChannel)
}


def dump(recipient: Recipient) -> dict[str, Any]:
    data: dict[str, Any] = {"type": recipient.type}
    for name in recipient.__dataclass_fields__:
        data[name] = getattr(recipient, name)
    return data


def load(data: dict[str, Any]) -> Recipient:
    fields = dict(data)
    cls = _TYPES[fields.pop("type")]
    return cls(**fields)

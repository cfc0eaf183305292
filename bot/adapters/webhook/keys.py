"""Dedupe keys for callback messages and events: what makes one distinct from another.

WeChat (and 企业微信) resend a callback that was not answered within 5 seconds, with the very same
document. A message is keyed by its sender and MsgId; an event (which has no MsgId) by its sender,
CreateTime, event type and a digest of the whole document — so two menu clicks in the same second
differ by their EventKey while a resent event keys the same; a message without a MsgId is keyed like
an event. No part of a key is ever the text `None`.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

MAX_KEY_LENGTH = 128  # the inbox table's column


def _field(root: dict[str, Any], name: str) -> str:
    value = root.get(name)
    return "" if value is None else str(value).strip()


def digest(root: dict[str, Any]) -> str:
    canonical = json.dumps(root, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha1(canonical.encode()).hexdigest()[:16]


def dedupe_key(root: dict[str, Any], prefix: str = "") -> str:
    """The key of one parsed callback document; `prefix` keeps two adapters' keys apart."""
    user = _field(root, "FromUserName")
    msg_id = _field(root, "MsgId")
    kind = _field(root, "MsgType").lower()
    if msg_id and kind != "event":
        key = f"{prefix}msg:{user}:{msg_id}"
    else:
        name = _field(root, "Event").lower() if kind == "event" else kind
        head = "evt" if kind == "event" else "msg"
        key = f"{prefix}{head}:{user}:{_field(root, 'CreateTime')}:{name[:24]}:{digest(root)}"
    if len(key) > MAX_KEY_LENGTH:
        key = f"{prefix}h:{hashlib.sha1(key.encode()).hexdigest()}"
    return key

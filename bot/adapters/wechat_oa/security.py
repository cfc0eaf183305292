"""The Official Account's own request checks, on the shared ones of `bot.adapters.webhook.checks`.

Every request carries `signature` (token, timestamp, nonce) in its URL; in safe or compatible mode
an encrypted body also carries `msg_signature` over its ciphertext.
"""

from __future__ import annotations

from typing import Any

from bot.adapters.webhook.checks import (
    Cipher,
    Refused,
    check_fresh,
    parse_xml,
    valid_aes_key,
    verify_signature,
)

__all__ = ["Cipher", "Refused", "check_url_signature", "decode_body", "parse_xml", "valid_aes_key"]


def check_url_signature(token: str, query: dict[str, str], now: float, tolerance: int) -> None:
    """The `signature` query parameter proves the sender knows the token; the timestamp must be fresh."""
    timestamp = query.get("timestamp", "")
    verify_signature(query.get("signature", ""), token, timestamp, query.get("nonce", ""))
    check_fresh(timestamp, now, tolerance)


def decode_body(
    body: bytes, query: dict[str, str], mode: str, cipher: Cipher | None
) -> tuple[dict[str, Any], bool]:
    """The message document, and whether it came encrypted. `mode`: plain, compatible or safe."""
    encrypted = query.get("encrypt_type", "raw").lower() == "aes"
    if encrypted and cipher is None:
        raise Refused(400, "encryption is not configured")
    if not encrypted and mode == "safe":
        raise Refused(400, "unencrypted messages are refused")
    outer = parse_xml(body)
    if not encrypted:
        return outer, False
    assert cipher is not None
    return parse_xml(cipher.decrypt(outer, query)), True

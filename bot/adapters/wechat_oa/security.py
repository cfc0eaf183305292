"""Webhook checks that run before anything in the body is trusted.

wechatpy's own `check_signature` neither checks the timestamp's age nor compares in constant time,
and its `decrypt_message` parses the body before checking the message signature. Here the URL
signature and the timestamp are checked first, in constant time; XML with a DOCTYPE or ENTITY
declaration is refused before it reaches a parser; the ciphertext's own signature is checked in
constant time before it is decrypted with wechatpy's PrpCrypto (which also checks the AppID).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
from dataclasses import dataclass
from typing import Any

import xmltodict
from wechatpy.crypto import PrpCrypto
from wechatpy.exceptions import InvalidAppIdException
from wechatpy.utils import to_text

from bot.input_text import is_number

_DECLARATION = re.compile(rb"<!\s*(doctype|entity)", re.IGNORECASE)


class Refused(Exception):
    """A request that is refused with an HTTP status and a short, fixed reason (never a traceback)."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def signature_of(*parts: str) -> str:
    """WeChat's signature: SHA-1 of the sorted parts joined together."""
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()


def check_url_signature(token: str, query: dict[str, str], now: float, tolerance: int) -> None:
    """The `signature` query parameter proves the sender knows the token; the timestamp must be fresh."""
    signature = query.get("signature", "")
    timestamp = query.get("timestamp", "")
    nonce = query.get("nonce", "")
    expected = signature_of(token, timestamp, nonce)
    if not signature or not hmac.compare_digest(expected.encode(), signature.encode()):
        raise Refused(403, "invalid signature")
    if not is_number(timestamp) or abs(now - int(timestamp)) > tolerance:
        raise Refused(403, "stale timestamp")


def refuse_declarations(xml: bytes) -> None:
    if _DECLARATION.search(xml):
        raise Refused(400, "declarations are not accepted")


def parse_xml(xml: bytes | str) -> dict[str, Any]:
    """Parse a WeChat XML document into a dict (xmltodict >= 1.0.2 refuses entity declarations)."""
    raw = xml if isinstance(xml, bytes) else xml.encode()
    refuse_declarations(raw)
    try:
        document = xmltodict.parse(raw)
    except Exception as exc:
        raise Refused(400, "malformed xml") from exc
    root = document.get("xml") if isinstance(document, dict) else None
    if not isinstance(root, dict):
        raise Refused(400, "malformed xml")
    return root


@dataclass(frozen=True, slots=True)
class Cipher:
    """Safe-mode decryption and encryption for one AppID."""

    token: str
    aes_key: str
    app_id: str

    def _prp(self) -> PrpCrypto:
        key = base64.b64decode(self.aes_key + "=")
        return PrpCrypto(key)

    def decrypt(self, outer: dict[str, Any], query: dict[str, str]) -> bytes:
        encrypt = outer.get("Encrypt")
        if not isinstance(encrypt, str) or not encrypt:
            raise Refused(400, "missing ciphertext")
        expected = signature_of(self.token, query.get("timestamp", ""), query.get("nonce", ""), encrypt)
        given = query.get("msg_signature", "")
        if not given or not hmac.compare_digest(expected.encode(), given.encode()):
            raise Refused(403, "invalid message signature")
        try:
            plain = self._prp().decrypt(encrypt, self.app_id)
        except InvalidAppIdException as exc:
            raise Refused(400, "wrong appid") from exc
        except (ValueError, binascii.Error, UnicodeDecodeError, IndexError, TypeError) as exc:
            raise Refused(400, "corrupt ciphertext") from exc
        except Exception as exc:  # anything else the cipher library raises on garbage
            raise Refused(400, "corrupt ciphertext") from exc
        return to_text(plain).encode()

    def encrypt(self, xml: str, nonce: str, timestamp: str) -> str:
        encrypt = to_text(self._prp().encrypt(xml, self.app_id))
        signature = signature_of(self.token, timestamp, nonce, encrypt)
        return (
            f"<xml><Encrypt><![CDATA[{encrypt}]]></Encrypt>"
            f"<MsgSignature><![CDATA[{signature}]]></MsgSignature>"
            f"<TimeStamp>{timestamp}</TimeStamp><Nonce><![CDATA[{nonce}]]></Nonce></xml>"
        )


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


def valid_aes_key(aes_key: str) -> bool:
    try:
        return len(aes_key) == 43 and len(base64.b64decode(aes_key + "=")) == 32
    except (binascii.Error, ValueError):
        return False

"""Checks that run before anything in a WeChat-family callback body is trusted.

The Official Account and 企业微信 / 政务微信 sign and encrypt their callbacks the same way (a SHA-1
over the sorted token, timestamp, nonce and ciphertext; AES-CBC with the EncodingAESKey and the
receiver's id — AppID or CorpID — inside the plaintext). wechatpy's own helpers neither check the
timestamp's age nor compare in constant time, and its `decrypt_message` parses the body before it
checks the signature. Here: signatures are compared in constant time; timestamps must be fresh; XML
with a DOCTYPE or ENTITY declaration is refused before it reaches a parser; a ciphertext's signature
is checked before it is decrypted with wechatpy's PrpCrypto (which also checks the receiver's id).
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
from wechatpy.crypto import PrpCrypto as AppPrpCrypto
from wechatpy.enterprise.crypto import PrpCrypto as CorpPrpCrypto
from wechatpy.enterprise.exceptions import InvalidCorpIdException
from wechatpy.exceptions import InvalidAppIdException
from wechatpy.utils import to_text

from bot.input_text import is_number

_DECLARATION = re.compile(rb"<!\s*(doctype|entity)", re.IGNORECASE)
_WRONG_RECEIVER = (InvalidAppIdException, InvalidCorpIdException)


class Refused(Exception):
    """A request that is refused with an HTTP status and a short, fixed reason (never a traceback)."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def signature_of(*parts: str) -> str:
    """WeChat's signature: SHA-1 of the sorted parts joined together."""
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()


def verify_signature(given: str, *parts: str, reason: str = "invalid signature") -> None:
    """`given` must be the signature of `parts`, compared in constant time."""
    expected = signature_of(*parts)
    if not given or not hmac.compare_digest(expected.encode(), given.encode()):
        raise Refused(403, reason)


def check_fresh(timestamp: str, now: float, tolerance: int) -> None:
    """A replayed request carries an old timestamp: refuse any more than `tolerance` seconds off."""
    if not is_number(timestamp) or abs(now - int(timestamp)) > tolerance:
        raise Refused(403, "stale timestamp")


def refuse_declarations(xml: bytes) -> None:
    if _DECLARATION.search(xml):
        raise Refused(400, "declarations are not accepted")


def parse_xml(xml: bytes | str) -> dict[str, Any]:
    """Parse a callback XML document into a dict (xmltodict >= 1.0.2 refuses entity declarations)."""
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
    """Decryption and encryption for one receiver (an Official Account's AppID or a WeCom CorpID)."""

    token: str
    aes_key: str
    receiver_id: str
    corp: bool = False  # WeCom's PrpCrypto (checks a CorpID) rather than the Official Account's

    def _prp(self) -> Any:
        key = base64.b64decode(self.aes_key + "=")
        return (CorpPrpCrypto if self.corp else AppPrpCrypto)(key)

    def open(self, encrypt: Any, query: dict[str, str]) -> bytes:
        """Check `msg_signature` over the ciphertext, then decrypt it (receiver id checked too)."""
        if not isinstance(encrypt, str) or not encrypt:
            raise Refused(400, "missing ciphertext")
        verify_signature(
            query.get("msg_signature", ""),
            self.token,
            query.get("timestamp", ""),
            query.get("nonce", ""),
            encrypt,
            reason="invalid message signature",
        )
        try:
            plain = self._prp().decrypt(encrypt, self.receiver_id)
        except _WRONG_RECEIVER as exc:
            raise Refused(400, "wrong corpid" if self.corp else "wrong appid") from exc
        except Exception as exc:  # whatever the cipher library raises on garbage
            raise Refused(400, "corrupt ciphertext") from exc
        return to_text(plain).encode()

    def decrypt(self, outer: dict[str, Any], query: dict[str, str]) -> bytes:
        """The plaintext of a parsed envelope (`<xml><Encrypt>…</Encrypt></xml>`)."""
        return self.open(outer.get("Encrypt"), query)

    def encrypt(self, xml: str, nonce: str, timestamp: str) -> str:
        encrypt = to_text(self._prp().encrypt(xml, self.receiver_id))
        signature = signature_of(self.token, timestamp, nonce, encrypt)
        return (
            f"<xml><Encrypt><![CDATA[{encrypt}]]></Encrypt>"
            f"<MsgSignature><![CDATA[{signature}]]></MsgSignature>"
            f"<TimeStamp>{timestamp}</TimeStamp><Nonce><![CDATA[{nonce}]]></Nonce></xml>"
        )


def valid_aes_key(aes_key: str) -> bool:
    try:
        return len(aes_key) == 43 and len(base64.b64decode(aes_key + "=")) == 32
    except (binascii.Error, ValueError):
        return False


def safe_cdata(text: str) -> str:
    """Text that cannot close the CDATA section it is put in."""
    return text.replace("]]>", "]]]]><![CDATA[>")

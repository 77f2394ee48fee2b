"""The few primitive operations age is built from, all from ``cryptography``.

age never uses associated data, and every stanza body is sealed under a key used exactly
once, which is why a fixed all-zero nonce is safe for :func:`seal_file_key` /
:func:`open_file_key`.
"""

from __future__ import annotations

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, hmac
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

__all__ = [
    "FILE_KEY_SIZE",
    "hkdf_sha256",
    "hmac_sha256",
    "hmac_sha256_matches",
    "open_file_key",
    "seal_file_key",
]

FILE_KEY_SIZE = 16
_ZERO_NONCE = bytes(12)


def hkdf_sha256(ikm: bytes, salt: bytes, info: bytes, length: int = 32) -> bytes:
    """HKDF-SHA-256 extract-then-expand (RFC 5869)."""
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=salt, info=info).derive(ikm)


def hmac_sha256(key: bytes, data: bytes) -> bytes:
    """HMAC-SHA-256 of ``data``."""
    mac = hmac.HMAC(key, hashes.SHA256())
    mac.update(data)
    return mac.finalize()


def hmac_sha256_matches(key: bytes, data: bytes, mac: bytes) -> bool:
    """Whether ``mac`` is the HMAC-SHA-256 of ``data``, compared in constant time."""
    check = hmac.HMAC(key, hashes.SHA256())
    check.update(data)
    try:
        check.verify(mac)
    except InvalidSignature:
        return False
    return True


def seal_file_key(wrap_key: bytes, file_key: bytes) -> bytes:
    """A stanza body: the file key sealed with ChaCha20-Poly1305 under a one-time key."""
    return ChaCha20Poly1305(wrap_key).encrypt(_ZERO_NONCE, file_key, None)


def open_file_key(wrap_key: bytes, body: bytes) -> bytes | None:
    """The file key from a stanza body, or ``None`` when the tag does not verify."""
    try:
        return ChaCha20Poly1305(wrap_key).decrypt(_ZERO_NONCE, body, None)
    except InvalidTag:
        return None

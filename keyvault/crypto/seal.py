"""The owner's seal: an Ed25519 signature over a manifest generation, made with the vault key.

``mac.key`` (cached in the config dir so unattended backups can authenticate manifests)
proves only that *some* holder of the config folder wrote a generation. The seal proves
that the owner did: its signing key is derived from the vault key's 32 bytes, which are
stored only passphrase-encrypted and as the 24 words. So the seal key follows from any
of the passphrase (with ``key.age``), the 24 words or the age key file, and from nothing
in the config folder alone.

Derivation (pure, deterministic)::

    seed   = HKDF-SHA-256(ikm = vault key's 32 bytes, salt = "", info = "keyvault owner seal v1")
    key    = Ed25519 private key from ``seed`` (RFC 8032)
    public = "kvseal1" + Bech32 (BIP173 checksum, as age's key strings) of the 32-byte public key

The info string differs from the manifest MAC key's (``keyvault manifest mac v1``), so
knowing ``mac.key`` reveals nothing about the seal key (HKDF outputs under different
infos are independent).

A *statement* is the canonical encoding of what the owner vouches for (ASCII, ``\\n`` after
each line, nothing else)::

    keyvault seal v1
    vault <vault id>
    generation <decimal, no leading zeros>
    manifest <sha256 of the manifest as stored, 64 lowercase hex>

A *seal document* is what sits at a destination beside the manifest: JSON with the
statement's fields, the public key and the 64-byte signature in hex
(:func:`seal_document`, :func:`parse_seal_document`). Known-answer vectors:
``tests/vectors/seal/`` (made by an independent script beside them).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from keyvault.errors import InvalidSealError

from . import bech32
from ._primitives import hkdf_sha256
from .x25519 import X25519Identity

__all__ = [
    "SEAL_HRP",
    "SealStatement",
    "parse_seal_document",
    "parse_seal_public",
    "seal",
    "seal_document",
    "seal_public",
    "verify_seal",
]

SEAL_HRP = "kvseal"
_SEAL_INFO = b"keyvault owner seal v1"
_DOCUMENT_FORMAT = "keyvault seal"
_MAX_DOCUMENT = 4096
_VAULT_ID = re.compile(r"^[A-Za-z0-9._-]{1,100}$")
_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_HEX128 = re.compile(r"^[0-9a-f]{128}$")


@dataclass(frozen=True)
class SealStatement:
    """What a seal vouches for: generation ``generation`` of vault ``vault_id``, whose
    stored manifest has sha256 ``manifest_sha256``."""

    vault_id: str
    generation: int
    manifest_sha256: str

    def __post_init__(self) -> None:
        if not isinstance(self.vault_id, str) or not _VAULT_ID.match(self.vault_id):
            raise InvalidSealError("the seal names an invalid vault id")
        if (
            isinstance(self.generation, bool)
            or not isinstance(self.generation, int)
            or not 0 <= self.generation < 2**63
        ):
            raise InvalidSealError("the seal names an invalid generation")
        if not isinstance(self.manifest_sha256, str) or not _HEX64.match(self.manifest_sha256):
            raise InvalidSealError("the seal names an invalid manifest digest")

    def encode(self) -> bytes:
        """The canonical bytes that are signed (see the module docstring)."""
        return (
            f"keyvault seal v1\nvault {self.vault_id}\ngeneration {self.generation}\n"
            f"manifest {self.manifest_sha256}\n"
        ).encode("ascii")


def _signing_key(vault_key: X25519Identity) -> Any:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    seed = hkdf_sha256(vault_key.secret_bytes().reveal(), b"", _SEAL_INFO)
    return Ed25519PrivateKey.from_private_bytes(seed)


def seal_public(vault_key: X25519Identity) -> str:
    """The seal's public key as a ``kvseal1...`` string (for the config and the kit)."""
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    raw = _signing_key(vault_key).public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return bech32.encode(SEAL_HRP, raw)


def parse_seal_public(text: str) -> bytes:
    """The 32 raw public key bytes of a ``kvseal1...`` string; :class:`InvalidSealError`
    for anything else (wrong prefix, checksum, length)."""
    if not isinstance(text, str) or len(text) > 100:
        raise InvalidSealError("this is not a seal key (kvseal1...)")
    try:
        hrp, raw = bech32.decode(text.strip())
    except ValueError:
        raise InvalidSealError("this is not a seal key (kvseal1...)") from None
    if hrp != SEAL_HRP or len(raw) != 32:
        raise InvalidSealError("this is not a seal key (kvseal1...)")
    return raw


def seal(vault_key: X25519Identity, statement: SealStatement) -> bytes:
    """The owner's 64-byte Ed25519 signature over ``statement`` (deterministic)."""
    signature: bytes = _signing_key(vault_key).sign(statement.encode())
    return signature


def verify_seal(public: str, statement: SealStatement, signature: bytes) -> bool:
    """Whether ``signature`` is the owner's seal (key ``public``) over ``statement``.

    False for any signature that does not verify, including one of the wrong length;
    :class:`InvalidSealError` when ``public`` is not a seal key at all.
    """
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    key = Ed25519PublicKey.from_public_bytes(parse_seal_public(public))
    if not isinstance(signature, bytes) or len(signature) != 64:
        return False
    try:
        key.verify(signature, statement.encode())
    except InvalidSignature:
        return False
    return True


def seal_document(public: str, statement: SealStatement, signature: bytes) -> bytes:
    """The seal as stored beside a manifest: one small JSON document (UTF-8)."""
    document = {
        "format": _DOCUMENT_FORMAT,
        "version": 1,
        "vault_id": statement.vault_id,
        "generation": statement.generation,
        "manifest_sha256": statement.manifest_sha256,
        "public": public,
        "signature": signature.hex(),
    }
    return (json.dumps(document, indent=2) + "\n").encode("utf-8")


def parse_seal_document(data: bytes) -> tuple[str, SealStatement, bytes]:
    """(public key, statement, signature) of a stored seal; :class:`InvalidSealError` when
    it is not one (read at most 4 KiB; every field checked). Verify it separately, with
    the public key the owner trusts, never the one the document names."""
    if not isinstance(data, bytes) or len(data) > _MAX_DOCUMENT:
        raise InvalidSealError()
    try:
        document = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise InvalidSealError() from None
    if (
        not isinstance(document, dict)
        or document.get("format") != _DOCUMENT_FORMAT
        or document.get("version") != 1
    ):
        raise InvalidSealError()
    signature = document.get("signature")
    public = document.get("public")
    if not isinstance(signature, str) or not _HEX128.match(signature):
        raise InvalidSealError()
    parse_seal_public(public)  # type: ignore[arg-type]  # checked: str or raises
    statement = SealStatement(
        document.get("vault_id"),  # type: ignore[arg-type]  # __post_init__ checks
        document.get("generation"),  # type: ignore[arg-type]
        document.get("manifest_sha256"),  # type: ignore[arg-type]
    )
    return str(public), statement, bytes.fromhex(signature)

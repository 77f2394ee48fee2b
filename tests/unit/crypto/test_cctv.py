"""Every C2SP CCTV age vector (tests/vectors/age) through keyvault's decryptor.

Each vector's ``expect`` is one of six outcomes; keyvault's typed errors map onto them as
below. The ``hybrid*`` / ``armor_hybrid`` vectors use the post-quantum
``mlkem768x25519`` recipient, which keyvault does not implement (an heir's Debian ``age``
1.1.1 cannot read it either, so keyvault never writes it): for those the test asserts
that decryption still fails, never releases plaintext, and names the unsupported type
wherever the header parses.
"""

from __future__ import annotations

import hashlib
import io
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from keyvault.crypto import ScryptIdentity, decrypt_stream
from keyvault.crypto._age import Identity
from keyvault.crypto.keys import parse_identity
from keyvault.errors import (
    ArmorError,
    HeaderError,
    HeaderMacError,
    KeyvaultError,
    NoMatchingIdentityError,
    NotAnAgeFileError,
    PayloadError,
    UnsupportedRecipientError,
)
from keyvault.secret import Secret

VECTORS = Path(__file__).parents[2] / "vectors" / "age"
ALL = sorted(p.name for p in VECTORS.iterdir() if p.name not in ("README.md", ".gitattributes"))
HYBRID = [n for n in ALL if n.startswith("hybrid") or n == "armor_hybrid"]
SUPPORTED = [n for n in ALL if n not in HYBRID]
KNOWN_KEYS = {
    "expect",
    "payload",
    "identity",
    "passphrase",
    "armored",
    "compressed",
    "file key",
    "comment",
}


@dataclass
class Vector:
    expect: str
    payload: str | None
    identities: list[str] = field(default_factory=list)
    passphrases: list[str] = field(default_factory=list)
    armored: bool = False
    body: bytes = b""


def load(name: str) -> Vector:
    raw = (VECTORS / name).read_bytes()
    preamble, body = raw.split(b"\n\n", 1)
    vector = Vector(expect="", payload=None)
    compressed = False
    for line in preamble.decode().splitlines():
        key, value = line.split(": ", 1)
        assert key in KNOWN_KEYS, f"{name}: unknown key {key}"
        if key == "expect":
            vector.expect = value
        elif key == "payload":
            vector.payload = value
        elif key == "identity":
            vector.identities.append(value)
        elif key == "passphrase":
            vector.passphrases.append(value)
        elif key == "armored":
            vector.armored = value == "yes"
        elif key == "compressed":
            assert value == "zlib"
            compressed = True
    vector.body = zlib.decompress(body) if compressed else body
    return vector


def category(error: KeyvaultError) -> str:
    """keyvault's typed errors onto CCTV's six outcomes."""
    if isinstance(error, ArmorError):
        return "armor failure"
    if isinstance(error, HeaderMacError):
        return "HMAC failure"
    if isinstance(error, (HeaderError, NotAnAgeFileError)):
        return "header failure"
    if isinstance(error, PayloadError):
        return "payload failure"
    if isinstance(error, (NoMatchingIdentityError, UnsupportedRecipientError)):
        # Unsupported: no identity matched because the stanzas are of a type we lack
        # (e.g. "x25519" in lowercase is simply an unknown type, as the spec says).
        return "no match"
    raise AssertionError(f"unmapped error {type(error).__name__}")


def run(vector: Vector, identities: list[Identity]) -> tuple[str, bytes, KeyvaultError | None]:
    out = io.BytesIO()
    try:
        decrypt_stream(io.BytesIO(vector.body), out, identities, armor=vector.armored)
    except KeyvaultError as error:
        return category(error), out.getvalue(), error
    return "success", out.getvalue(), None


def test_vector_inventory() -> None:
    assert len(ALL) == 143
    assert len(HYBRID) == 19
    assert len(SUPPORTED) == 124


@pytest.mark.parametrize("name", SUPPORTED)
def test_cctv_vector(name: str) -> None:
    vector = load(name)
    identities: list[Identity] = [parse_identity(text) for text in vector.identities]
    identities += [ScryptIdentity(Secret(p)) for p in vector.passphrases]
    outcome, released, error = run(vector, identities)
    assert outcome == vector.expect, f"{name}: got {outcome} ({error!r})"
    if vector.expect in ("success", "payload failure"):
        assert vector.payload is not None
        assert hashlib.sha256(released).hexdigest() == vector.payload
    else:
        assert released == b""


@pytest.mark.parametrize("name", HYBRID)
def test_hybrid_vector_out_of_scope_still_fails(name: str) -> None:
    """Post-quantum vectors: PQ identities are refused by name, and no file decrypts."""
    vector = load(name)
    identities: list[Identity] = []
    for text in vector.identities:
        if text.startswith("AGE-SECRET-KEY-PQ-1"):
            with pytest.raises(UnsupportedRecipientError, match="mlkem768x25519"):
                parse_identity(text)
        else:
            identities.append(parse_identity(text))
    outcome, released, error = run(vector, identities)
    assert outcome != "success"
    assert released == b""
    assert error is not None
    if isinstance(error, UnsupportedRecipientError):
        assert "mlkem768x25519" in error.message.lower()
    else:
        # Only where the header itself (or an X25519 stanza in it) is malformed.
        assert isinstance(error, HeaderError), (name, error)

"""The owner's seal: known answers from an independent generator, and its properties."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from keyvault.crypto import X25519Identity
from keyvault.crypto.keys import parse_identity_file
from keyvault.crypto.seal import (
    SealStatement,
    parse_seal_document,
    parse_seal_public,
    seal,
    seal_document,
    seal_public,
    verify_seal,
)
from keyvault.crypto.vaultkey import derive_manifest_mac_key, identity_from_words
from keyvault.errors import InvalidSealError
from keyvault.secret import Secret

VECTORS = json.loads(
    (Path(__file__).parents[2] / "vectors" / "seal" / "seal_vectors.json").read_text("utf-8")
)["vectors"]


def _statement(vector: dict[str, Any]) -> SealStatement:
    return SealStatement(vector["vault_id"], vector["generation"], vector["manifest_sha256"])


@pytest.mark.parametrize("vector", VECTORS, ids=lambda v: v["name"])
def test_known_answers(vector: dict[str, str]) -> None:
    key = X25519Identity.from_bytes(bytes.fromhex(vector["vault_key_hex"]))
    statement = _statement(vector)
    assert statement.encode().hex() == vector["statement_hex"]
    assert seal_public(key) == vector["seal_public"]
    assert parse_seal_public(vector["seal_public"]).hex() == vector["seal_public_hex"]
    signature = seal(key, statement)
    assert signature.hex() == vector["signature_hex"]
    assert verify_seal(vector["seal_public"], statement, signature)


@pytest.mark.parametrize("vector", VECTORS, ids=lambda v: v["name"])
def test_same_seal_key_from_the_24_words_and_the_key_file(vector: dict[str, str]) -> None:
    from_words = identity_from_words(Secret(vector["vault_key_words"]))
    (from_file,) = parse_identity_file(Secret(f"# key file\n{vector['age_secret_key']}\n"))
    assert seal_public(from_words) == seal_public(from_file) == vector["seal_public"]


def test_seal_key_is_not_the_mac_key() -> None:
    key = X25519Identity.from_bytes(bytes(range(32)))
    mac = derive_manifest_mac_key(key).reveal()
    assert parse_seal_public(seal_public(key)) != mac
    assert bytes.fromhex(VECTORS[0]["seal_seed_hex"]) != mac


def test_any_change_breaks_the_seal() -> None:
    vector = VECTORS[0]
    key = X25519Identity.from_bytes(bytes.fromhex(vector["vault_key_hex"]))
    statement = _statement(vector)
    signature = seal(key, statement)
    public = seal_public(key)
    changed = [
        SealStatement(statement.vault_id + "x", statement.generation, statement.manifest_sha256),
        SealStatement(statement.vault_id, statement.generation + 1, statement.manifest_sha256),
        SealStatement(statement.vault_id, statement.generation, "1" * 64),
    ]
    for other in changed:
        assert not verify_seal(public, other, signature)
    flipped = bytes([signature[0] ^ 1]) + signature[1:]
    assert not verify_seal(public, statement, flipped)
    assert not verify_seal(public, statement, signature[:63])
    stranger = seal_public(X25519Identity.generate())
    assert not verify_seal(stranger, statement, signature)


@pytest.mark.parametrize(
    "text",
    ["", "kvseal1", "age1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq", "x" * 101],
)
def test_bad_public_keys_are_refused(text: str) -> None:
    with pytest.raises(InvalidSealError):
        parse_seal_public(text)
    good = VECTORS[0]["seal_public"]
    with pytest.raises(InvalidSealError):
        parse_seal_public(good[:-1] + ("q" if good[-1] != "q" else "p"))


@pytest.mark.parametrize(
    ("vault_id", "generation", "digest"),
    [
        ("a\nb", 1, "0" * 64),
        ("", 1, "0" * 64),
        ("v", -1, "0" * 64),
        ("v", True, "0" * 64),
        ("v", 2**63, "0" * 64),
        ("v", 1, "0" * 63),
        ("v", 1, "A" * 64),
    ],
)
def test_statements_are_canonical_or_refused(vault_id: str, generation: int, digest: str) -> None:
    with pytest.raises(InvalidSealError):
        SealStatement(vault_id, generation, digest)


def test_document_round_trip_and_bounds() -> None:
    vector = VECTORS[2]
    key = X25519Identity.from_bytes(bytes.fromhex(vector["vault_key_hex"]))
    statement = _statement(vector)
    data = seal_document(seal_public(key), statement, seal(key, statement))
    public, parsed, signature = parse_seal_document(data)
    assert (public, parsed, signature.hex()) == (
        vector["seal_public"],
        statement,
        vector["signature_hex"],
    )
    document = json.loads(data)
    for field, value in [
        ("format", "other"),
        ("version", 2),
        ("signature", "zz"),
        ("public", "kvseal1x"),
        ("generation", "1"),
        ("manifest_sha256", None),
    ]:
        with pytest.raises(InvalidSealError):
            parse_seal_document(json.dumps({**document, field: value}).encode())
    for bad in (b"", b"\xff\xfe", b"[" * 3000, b" " * 5000 + data, b"[]"):
        with pytest.raises(InvalidSealError):
            parse_seal_document(bad)

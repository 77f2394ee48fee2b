"""Identity records of items (identities.json) and the passphrase guard's match."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from keyvault.crypto import X25519Identity, decrypt_bytes, encrypt_bytes
from keyvault.errors import ConfigError, InvalidValueError
from keyvault.secret import Secret
from keyvault.seedphrase import wallet
from keyvault.vault import identities
from keyvault.vault.config import load_config
from keyvault.vault.items import (
    add_phrase_item,
    parse_phrase_record,
    phrase_record_path,
    read_phrase_record,
    remove_item,
)
from keyvault.wallets.identity import phrase_identity

PHRASE = "legal winner thank year wave sausage worth useful legal winner thank yellow"
OTHER = " ".join(["abandon"] * 11 + ["about"])


def test_adding_a_phrase_records_its_identity(vault: tuple[Path, X25519Identity]) -> None:
    home, _ = vault
    add_phrase_item(home, "ledger", Secret(PHRASE))
    recorded = identities.load(home)["ledger"]
    assert recorded == phrase_identity(PHRASE)
    assert recorded.fingerprint == wallet.phrase_fingerprint(PHRASE)
    path = home / identities.IDENTITIES_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert b"legal" not in path.read_bytes()
    assert identities.match_phrase(home, PHRASE) == "ledger"
    assert identities.match_phrase(home, OTHER) is None
    remove_item(home, "ledger")
    assert identities.load(home) == {}


def test_passphrase_fingerprint_is_recorded_not_the_passphrase(
    vault: tuple[Path, X25519Identity],
) -> None:
    home, key = vault
    item = add_phrase_item(home, "cold", Secret(PHRASE), bip39_passphrase=Secret("orange tree"))
    assert identities.load(home)["cold"].bip39_passphrase
    assert identities.match_phrase(home, PHRASE, Secret("orange tree")) == "cold"
    assert identities.match_phrase(home, PHRASE, Secret("orange tres")) is None
    assert identities.match_phrase(home, PHRASE) is None
    document = json.loads(decrypt_bytes(phrase_record_path(home, item).read_bytes(), [key]))
    assert "bip39_passphrase" not in document
    assert b"orange" not in b"".join(p.read_bytes() for p in home.rglob("*") if p.is_file())
    # Reading the record does not replace the recorded (passphrase) identity.
    assert read_phrase_record(home, item, [key]).bip39_passphrase is None
    assert identities.match_phrase(home, PHRASE, Secret("orange tree")) == "cold"


def test_stored_passphrase_travels_in_the_encrypted_record(
    vault: tuple[Path, X25519Identity],
) -> None:
    home, key = vault
    item = add_phrase_item(
        home,
        "cold",
        Secret(PHRASE),
        bip39_passphrase=Secret("orange tree"),
        store_bip39_passphrase=True,
    )
    record = read_phrase_record(home, item, [key])
    assert record.bip39_passphrase is not None
    assert record.bip39_passphrase.reveal_text() == "orange tree"
    assert "orange" not in repr(record)
    assert record.identity() == identities.load(home)["cold"]
    document = json.loads(decrypt_bytes(phrase_record_path(home, item).read_bytes(), [key]))
    assert (document["version"], document["bip39_passphrase"]) == (1, "orange tree")


def test_old_records_stay_readable_and_get_their_identity_on_first_read(
    vault: tuple[Path, X25519Identity],
) -> None:
    home, key = vault
    item = add_phrase_item(home, "old", Secret(PHRASE))
    # A record as the previous release wrote it (no passphrase key), and no identity file.
    old = {
        "format": "keyvault phrase record",
        "version": 1,
        "kind": "bip39",
        "name": "old",
        "phrase": PHRASE,
        "language": "english",
        "created": "2026-11-28T03:00:00Z",
        "nonce": "00" * 16,
    }
    plaintext = json.dumps(old).encode()
    phrase_record_path(home, item).write_bytes(encrypt_bytes(plaintext, [key.recipient]))
    (home / identities.IDENTITIES_FILE).unlink()
    assert parse_phrase_record(Secret(plaintext)).bip39_passphrase is None
    record = read_phrase_record(home, item, [key])
    assert record.phrase.reveal_text() == PHRASE
    assert identities.load(home)["old"] == phrase_identity(PHRASE)


def test_words_and_bad_combinations(vault: tuple[Path, X25519Identity]) -> None:
    home, _ = vault
    add_phrase_item(home, "monero", Secret("some electrum words here"), kind="other")
    recorded = identities.load(home)["monero"]
    assert (recorded.kind, recorded.words) == ("words", 4)
    assert identities.match_phrase(home, PHRASE) is None
    with pytest.raises(InvalidValueError):
        add_phrase_item(home, "x", Secret("a b"), kind="other", bip39_passphrase=Secret("p"))
    with pytest.raises(InvalidValueError):
        add_phrase_item(home, "y", Secret(PHRASE), store_bip39_passphrase=True)
    assert [i.name for i in load_config(home).items] == ["monero"]


def test_no_records_means_no_match(kv_home: Path) -> None:
    assert identities.load(kv_home) == {}
    assert identities.match_phrase(kv_home, PHRASE) is None


@pytest.mark.parametrize(
    "content",
    [
        b"{not json",
        b"\xff\xfe",
        b"[]",
        json.dumps({"format": "other", "version": 1, "items": {}}).encode(),
        json.dumps({"format": "keyvault identities", "version": 2, "items": {}}).encode(),
        json.dumps({"format": "keyvault identities", "version": 1, "items": {"a": {}}}).encode(),
        json.dumps(
            {"format": "keyvault identities", "version": 1, "items": {"": {"kind": "words"}}}
        ).encode(),
        b" " * (5 << 20),
    ],
    ids=["garbage", "binary", "list", "format", "version", "entry", "name", "huge"],
)
def test_damaged_files_are_typed_errors(kv_home: Path, content: bytes) -> None:
    (kv_home / identities.IDENTITIES_FILE).write_bytes(content)
    with pytest.raises(ConfigError):
        identities.load(kv_home)


def test_symlink_and_fifo_are_not_followed(kv_home: Path, tmp_path: Path) -> None:
    target = tmp_path / "elsewhere.json"
    target.write_text(json.dumps({"format": "keyvault identities", "version": 1, "items": {}}))
    path = kv_home / identities.IDENTITIES_FILE
    path.symlink_to(target)
    with pytest.raises(ConfigError):
        identities.load(kv_home)
    path.unlink()
    os.mkfifo(path)
    with pytest.raises(ConfigError):
        identities.load(kv_home)

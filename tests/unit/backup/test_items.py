"""Items: files, folders and phrases in the config; phrases only ever stored encrypted."""

from __future__ import annotations

import hashlib
import json
import os
import stat
import subprocess
from pathlib import Path

import pytest

from keyvault.crypto import X25519Identity, decrypt_bytes
from keyvault.errors import (
    AlreadyExistsError,
    ConfigError,
    InvalidMnemonicError,
    NoMatchingIdentityError,
    NotFoundError,
    VaultNotInitializedError,
)
from keyvault.secret import Secret
from keyvault.vault.config import load_config
from keyvault.vault.items import (
    add_path_item,
    add_phrase_item,
    check_item_name,
    list_items,
    phrase_digest,
    phrase_record_path,
    read_phrase_record,
    reencrypt_phrases,
    remove_item,
)

PHRASE = (
    "legal winner thank year wave sausage worth useful legal winner thank yellow"  # BIP39 vector
)


def _all_bytes_under(root: Path) -> bytes:
    return b"".join(p.read_bytes() for p in root.rglob("*") if p.is_file())


def test_add_file_and_folder(vault: tuple[Path, X25519Identity], tmp_path: Path) -> None:
    home, _ = vault
    wallet = tmp_path / "wallet.dat"
    wallet.write_bytes(b"w")
    folder = tmp_path / "keystore"
    folder.mkdir()
    item = add_path_item(home, wallet)
    assert (item.name, item.kind, item.path) == ("wallet.dat", "file", str(wallet))
    named = add_path_item(home, folder, "eth keys")
    assert (named.name, named.kind) == ("eth keys", "folder")
    assert [i.name for i in list_items(home)] == ["wallet.dat", "eth keys"]
    with pytest.raises(AlreadyExistsError, match="already protected"):
        add_path_item(home, wallet, "again")
    with pytest.raises(AlreadyExistsError, match="already exists"):
        add_path_item(home, folder, "wallet.dat")
    with pytest.raises(NotFoundError):
        add_path_item(home, tmp_path / "missing")
    os.mkfifo(tmp_path / "fifo")
    with pytest.raises(ConfigError, match="neither"):
        add_path_item(home, tmp_path / "fifo")
    with pytest.raises(ConfigError, match="config folder"):
        add_path_item(home, home)
    assert remove_item(home, "eth keys").name == "eth keys"
    assert [i.name for i in list_items(home)] == ["wallet.dat"]
    with pytest.raises(NotFoundError):
        remove_item(home, "eth keys")


def test_needs_a_vault(kv_home: Path, tmp_path: Path) -> None:
    (tmp_path / "f").write_bytes(b"")
    with pytest.raises(VaultNotInitializedError):
        add_path_item(kv_home, tmp_path / "f")
    with pytest.raises(VaultNotInitializedError):
        add_phrase_item(kv_home, "p", Secret(PHRASE))


@pytest.mark.parametrize("bad", ["", "   ", "-x", "a\nb", "tab\there", "x" * 201, "vault-key"])
def test_bad_names(bad: str) -> None:
    with pytest.raises(ConfigError):
        check_item_name(bad)


def test_phrase_is_stored_only_encrypted(vault: tuple[Path, X25519Identity]) -> None:
    home, identity = vault
    item = add_phrase_item(
        home,
        "ledger seed",
        Secret("  LEGAL winner thank year wave sausage worth useful legal winner thank yellow "),
    )
    assert (item.kind, item.phrase_kind) == ("phrase", "bip39")
    everything = _all_bytes_under(home)
    for word in ("legal winner", "sausage", "LEGAL"):
        assert word.encode() not in everything
    record_path = phrase_record_path(home, item)
    assert stat.S_IMODE(record_path.stat().st_mode) == 0o600
    plaintext = decrypt_bytes(record_path.read_bytes(), [identity])
    document = json.loads(plaintext)
    assert document["format"] == "keyvault phrase record"
    assert (document["kind"], document["name"], document["language"]) == (
        "bip39",
        "ledger seed",
        "english",
    )
    assert document["phrase"] == PHRASE
    digest = phrase_digest(home, item)
    assert digest.sha256 == hashlib.sha256(plaintext).hexdigest()
    assert digest.size == len(plaintext)
    assert digest.recipient == str(identity.recipient)
    record = read_phrase_record(home, item, [identity])
    assert record.phrase.reveal_text() == PHRASE
    assert "legal" not in repr(record)
    # The config holds no phrase either.
    assert b"legal" not in (home / "config.toml").read_bytes()


def test_stock_age_reads_the_record(vault: tuple[Path, X25519Identity], tmp_path: Path) -> None:
    home, identity = vault
    item = add_phrase_item(home, "electrum", Secret("a b  c\nd"), kind="other")
    key = tmp_path / "key.txt"
    key.write_text(identity.to_secret().reveal_text() + "\n")
    out = subprocess.run(
        ["age", "-d", "-i", str(key), str(phrase_record_path(home, item))],
        capture_output=True,
        check=True,
    ).stdout
    document = json.loads(out)
    assert (document["phrase"], document["kind"], document["language"]) == (
        "a b c d",
        "other",
        None,
    )


def test_bad_phrases(vault: tuple[Path, X25519Identity]) -> None:
    home, _ = vault
    with pytest.raises(InvalidMnemonicError) as info:
        add_phrase_item(home, "p", Secret(PHRASE.replace("sausage", "sausagex")))
    assert info.value.position == 6
    with pytest.raises(InvalidMnemonicError):
        add_phrase_item(home, "p", Secret(PHRASE.replace("yellow", "wave")))
    with pytest.raises(InvalidMnemonicError):
        add_phrase_item(home, "p", Secret("   "), kind="other")
    with pytest.raises(ValueError):
        add_phrase_item(home, "p", Secret(PHRASE), kind="slip39")
    with pytest.raises(TypeError):
        add_phrase_item(home, "p", PHRASE)  # type: ignore[arg-type]
    assert list_items(home) == []
    assert not (home / "phrases").exists() or not any((home / "phrases").iterdir())
    add_phrase_item(home, "p", Secret(PHRASE))
    with pytest.raises(AlreadyExistsError):
        add_phrase_item(home, "p", Secret(PHRASE))


def test_remove_phrase_deletes_its_record(vault: tuple[Path, X25519Identity]) -> None:
    home, _ = vault
    item = add_phrase_item(home, "p", Secret(PHRASE))
    path = phrase_record_path(home, item)
    remove_item(home, "p")
    assert not path.exists() and not path.with_suffix(".json").exists()


def test_reencrypt_after_rotation(vault: tuple[Path, X25519Identity]) -> None:
    home, old = vault
    item = add_phrase_item(home, "p", Secret(PHRASE))
    new = X25519Identity.generate()
    assert reencrypt_phrases(home, [old], new.recipient) == 1
    assert phrase_digest(home, item).recipient == str(new.recipient)
    assert read_phrase_record(home, item, [new]).phrase.reveal_text() == PHRASE
    with pytest.raises(NoMatchingIdentityError):
        read_phrase_record(home, item, [old])


def test_tampered_record_paths_are_refused(vault: tuple[Path, X25519Identity]) -> None:
    home, _ = vault
    item = add_phrase_item(home, "p", Secret(PHRASE))
    for bad in ("../key.age", "/etc/passwd", "phrases/xyz.age", "phrases/" + "a" * 32 + ".txt"):
        item.path = bad
        with pytest.raises(ConfigError):
            phrase_record_path(home, item)
    config = load_config(home)
    assert config.items[0].path.startswith("phrases/")  # type: ignore[union-attr]

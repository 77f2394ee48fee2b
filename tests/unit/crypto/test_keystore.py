"""The vault key store: key.age, mac.key and the config's vault section."""

from __future__ import annotations

import re
import stat
from pathlib import Path

import pytest

from keyvault.crypto import (
    ScryptIdentity,
    X25519Identity,
    decrypt_bytes,
    encrypt_bytes,
)
from keyvault.crypto.vaultkey import derive_manifest_mac_key
from keyvault.errors import (
    AlreadyExistsError,
    ConfigError,
    NotFoundError,
    VaultNotInitializedError,
    WrongPassphraseError,
)
from keyvault.secret import Secret
from keyvault.vault import keystore
from keyvault.vault.config import load_config, save_config

PASS = Secret("velvet orbit canyon lemon drift")
WF = 16  # the lowest work factor keyvault writes: keeps these tests fast


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_create_vault_writes_key_mac_and_config(kv_home: Path) -> None:
    assert not keystore.has_vault_key(kv_home)
    section, identity = keystore.create_vault(kv_home, PASS, work_factor=WF)
    assert keystore.has_vault_key(kv_home)
    assert keystore.key_path(kv_home) == kv_home / "key.age"
    assert _mode(kv_home / "key.age") == 0o600
    assert _mode(kv_home / "mac.key") == 0o600
    assert re.fullmatch(r"[0-9a-f]{32}", section.id)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", section.created)
    assert section.recipient == str(identity.recipient)
    assert load_config(kv_home).vault == section
    assert keystore.vault_recipient(kv_home) == identity.recipient
    assert keystore.manifest_mac_key(kv_home).equals(derive_manifest_mac_key(identity))
    # key.age is a standard scrypt age file of the identity text and a newline.
    data = keystore.encrypted_key_bytes(kv_home)
    assert data.startswith(b"age-encryption.org/v1\n-> scrypt ")
    assert f" {WF}\n".encode() in data.split(b"\n---")[0]
    plaintext = decrypt_bytes(data, [ScryptIdentity(PASS)])
    assert plaintext == identity.to_secret().reveal() + b"\n"
    assert b"AGE-SECRET-KEY" not in (kv_home / "config.toml").read_bytes()


def test_unlock(kv_home: Path) -> None:
    _, identity = keystore.create_vault(kv_home, PASS, work_factor=WF)
    assert keystore.unlock_vault_key(kv_home, PASS).to_secret().equals(identity.to_secret())
    with pytest.raises(WrongPassphraseError):
        keystore.unlock_vault_key(kv_home, Secret("wrong passphrase entirely"))
    data = keystore.encrypted_key_bytes(kv_home)
    assert keystore.unlock_encrypted_key(data, PASS).recipient == identity.recipient


def test_never_replaces_an_existing_key(kv_home: Path) -> None:
    keystore.create_vault(kv_home, PASS, work_factor=WF)
    before = keystore.encrypted_key_bytes(kv_home)
    with pytest.raises(AlreadyExistsError):
        keystore.create_vault(kv_home, PASS, work_factor=WF)
    with pytest.raises(AlreadyExistsError):
        keystore.install_vault_key(kv_home, X25519Identity.generate(), PASS, work_factor=WF)
    assert keystore.encrypted_key_bytes(kv_home) == before


def test_not_initialized(kv_home: Path) -> None:
    with pytest.raises(VaultNotInitializedError):
        keystore.unlock_vault_key(kv_home, PASS)
    with pytest.raises(VaultNotInitializedError):
        keystore.encrypted_key_bytes(kv_home)
    with pytest.raises(VaultNotInitializedError):
        keystore.vault_recipient(kv_home)
    with pytest.raises(VaultNotInitializedError):
        keystore.manifest_mac_key(kv_home)


def test_missing_or_damaged_mac_cache(kv_home: Path) -> None:
    keystore.create_vault(kv_home, PASS, work_factor=WF)
    (kv_home / "mac.key").write_bytes(b"short")
    with pytest.raises(ConfigError):
        keystore.manifest_mac_key(kv_home)
    (kv_home / "mac.key").unlink()
    with pytest.raises(NotFoundError):
        keystore.manifest_mac_key(kv_home)
    # key passwd (same passphrase) rebuilds it
    keystore.change_passphrase(kv_home, PASS, PASS, work_factor=WF)
    assert len(keystore.manifest_mac_key(kv_home)) == 32


def test_key_and_config_mismatch_is_reported(kv_home: Path, tmp_path: Path) -> None:
    keystore.create_vault(kv_home, PASS, work_factor=WF)
    config = load_config(kv_home)
    assert config.vault is not None
    config.vault.recipient = str(X25519Identity.generate().recipient)
    save_config(kv_home, config)
    with pytest.raises(ConfigError, match="does not match"):
        keystore.unlock_vault_key(kv_home, PASS)


def test_install_on_a_new_machine_from_key_age(kv_home: Path, tmp_path: Path) -> None:
    section, identity = keystore.create_vault(kv_home, PASS, work_factor=WF)
    data = keystore.encrypted_key_bytes(kv_home)
    other = tmp_path / "new-machine"
    with pytest.raises(WrongPassphraseError):
        keystore.install_encrypted_key(other, data, Secret("not the passphrase"))
    assert not keystore.has_vault_key(other)
    new_section, opened = keystore.install_encrypted_key(
        other, data, PASS, vault_id=section.id, created=section.created
    )
    assert new_section == section
    assert keystore.encrypted_key_bytes(other) == data
    assert opened.recipient == identity.recipient
    assert keystore.manifest_mac_key(other).equals(keystore.manifest_mac_key(kv_home))


def test_install_from_identity_checks_configured_recipient(kv_home: Path, tmp_path: Path) -> None:
    section, identity = keystore.create_vault(kv_home, PASS, work_factor=WF)
    other = tmp_path / "other"
    other.mkdir()
    save_config(other, load_config(kv_home))  # a config restored without its key
    with pytest.raises(ConfigError, match="does not belong"):
        keystore.install_vault_key(other, X25519Identity.generate(), PASS, work_factor=WF)
    assert not keystore.has_vault_key(other)
    assert keystore.install_vault_key(other, identity, PASS, work_factor=WF) == section
    assert keystore.unlock_vault_key(other, PASS).recipient == identity.recipient


def test_change_passphrase_keeps_the_key(kv_home: Path) -> None:
    _, identity = keystore.create_vault(kv_home, PASS, work_factor=WF)
    new = Secret("another long passphrase for tests")
    with pytest.raises(WrongPassphraseError):
        keystore.change_passphrase(kv_home, Secret("wrong one"), new, work_factor=WF)
    keystore.change_passphrase(kv_home, PASS, new, work_factor=WF)
    with pytest.raises(WrongPassphraseError):
        keystore.unlock_vault_key(kv_home, PASS)
    assert keystore.unlock_vault_key(kv_home, new).recipient == identity.recipient


def test_rotate_keeps_old_key_readable(kv_home: Path) -> None:
    _, first = keystore.create_vault(kv_home, PASS, work_factor=WF)
    old_backup = encrypt_bytes(b"made before rotation", [first.recipient])
    new, old = keystore.rotate_vault_key(kv_home, PASS, work_factor=WF)
    assert old.recipient == first.recipient
    assert new.recipient != first.recipient
    vault = load_config(kv_home).require_vault()
    assert vault.recipient == str(new.recipient)
    assert vault.previous_recipients == [str(first.recipient)]
    assert keystore.previous_key_paths(kv_home) == [kv_home / "key-1.age"]
    assert _mode(kv_home / "key-1.age") == 0o600
    assert keystore.unlock_vault_key(kv_home, PASS).recipient == new.recipient
    assert keystore.manifest_mac_key(kv_home).equals(derive_manifest_mac_key(new))
    previous = keystore.previous_identities(kv_home, PASS)
    assert [p.recipient for p in previous] == [first.recipient]
    assert decrypt_bytes(old_backup, previous) == b"made before rotation"
    # a second rotation appends; passwd re-protects every old key too
    third, _ = keystore.rotate_vault_key(kv_home, PASS, work_factor=WF)
    assert keystore.previous_key_paths(kv_home) == [kv_home / "key-1.age", kv_home / "key-2.age"]
    assert load_config(kv_home).require_vault().previous_recipients == [
        str(first.recipient),
        str(new.recipient),
    ]
    changed = Secret("a different passphrase after rotating")
    keystore.change_passphrase(kv_home, PASS, changed, work_factor=WF)
    assert [p.recipient for p in keystore.previous_identities(kv_home, changed)] == [
        first.recipient,
        new.recipient,
    ]
    assert keystore.unlock_vault_key(kv_home, changed).recipient == third.recipient

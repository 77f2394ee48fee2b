"""The vault key on this machine: ``key.age`` in the config dir, and what derives from it.

Files in the config dir (all 0600, written atomically):

- ``key.age``: the vault's X25519 identity, stored only as an age file encrypted with the
  vault passphrase (one scrypt stanza; the plaintext is ``AGE-SECRET-KEY-1...`` and a
  newline). It is copied as-is to every destination, so an heir with the passphrase opens
  it with the stock ``age -d``.
- ``mac.key``: the 32-byte manifest MAC key
  (:func:`keyvault.crypto.vaultkey.derive_manifest_mac_key`), cached so unattended backups
  can sign manifests without the passphrase.
- ``key-<n>.age``: after ``key rotate``, earlier vault keys (n = 1, 2, ...), encrypted
  with the same passphrase, so backups made before the rotation stay readable.

The config's ``[vault]`` section holds the public facts: a random id, the recipient, the
creation time and the recipients of earlier keys. Recipients are only ever taken from the
config, never from a destination.

This module does not judge passphrase strength: faces call
:func:`keyvault.vault.passphrase_strength.check_passphrase` before :func:`create_vault`,
:func:`change_passphrase` or :func:`install_vault_key`.
"""

from __future__ import annotations

import re
import secrets
from datetime import datetime, timezone
from pathlib import Path

from keyvault.atomic import atomic_write
from keyvault.crypto import (
    ScryptIdentity,
    ScryptRecipient,
    X25519Identity,
    X25519Recipient,
    decrypt_bytes,
    encrypt_bytes,
)
from keyvault.crypto.keys import parse_identity_file
from keyvault.crypto.scrypt import DEFAULT_WORK_FACTOR
from keyvault.crypto.seal import seal_public
from keyvault.crypto.vaultkey import derive_manifest_mac_key
from keyvault.errors import (
    AlreadyExistsError,
    ConfigError,
    InvalidKeyError,
    NotFoundError,
    VaultNotInitializedError,
)
from keyvault.secret import Secret

from .config import VaultSection, load_config, save_config

__all__ = [
    "KEY_FILE",
    "MAC_KEY_FILE",
    "change_passphrase",
    "create_vault",
    "encrypted_key_bytes",
    "has_vault_key",
    "install_encrypted_key",
    "install_vault_key",
    "key_path",
    "mac_key_path",
    "manifest_mac_key",
    "previous_identities",
    "previous_key_paths",
    "remember_seal_public",
    "rotate_vault_key",
    "unlock_encrypted_key",
    "unlock_vault_key",
    "vault_recipient",
]

KEY_FILE = "key.age"
MAC_KEY_FILE = "mac.key"
_PREVIOUS = re.compile(r"key-([1-9][0-9]*)\.age")


def key_path(home: Path) -> Path:
    """Where the encrypted vault key lives: ``home/key.age``."""
    return home / KEY_FILE


def mac_key_path(home: Path) -> Path:
    """Where the cached manifest MAC key lives: ``home/mac.key``."""
    return home / MAC_KEY_FILE


def has_vault_key(home: Path) -> bool:
    """True when ``home`` holds an encrypted vault key."""
    return key_path(home).is_file()


def _now() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def _seal_key(identity: X25519Identity, passphrase: Secret, work_factor: int) -> bytes:
    plaintext = identity.to_secret().reveal() + b"\n"
    return encrypt_bytes(plaintext, [ScryptRecipient(passphrase, work_factor)])


def unlock_encrypted_key(data: bytes, passphrase: Secret) -> X25519Identity:
    """Open a ``key.age`` (e.g. fetched from a destination) with its passphrase.

    Raises :class:`WrongPassphraseError`, the age format errors for a damaged file, or
    :class:`InvalidKeyError` when it decrypts to something that is not one age identity.
    """
    plaintext = decrypt_bytes(data, [ScryptIdentity(passphrase)])
    try:
        identities = parse_identity_file(Secret(plaintext, label="vault key"))
    except UnicodeDecodeError:
        raise InvalidKeyError("the encrypted vault key does not contain an age identity") from None
    if len(identities) != 1:
        raise InvalidKeyError("the encrypted vault key holds more than one identity")
    return identities[0]


def encrypted_key_bytes(home: Path) -> bytes:
    """The content of ``key.age``, to copy to destinations."""
    try:
        return key_path(home).read_bytes()
    except FileNotFoundError:
        raise VaultNotInitializedError() from None


def unlock_vault_key(home: Path, passphrase: Secret) -> X25519Identity:
    """The vault key, decrypted with the vault passphrase.

    Raises :class:`VaultNotInitializedError`, :class:`WrongPassphraseError`, or
    :class:`ConfigError` when the key does not match the recipient in the config.
    """
    identity = unlock_encrypted_key(encrypted_key_bytes(home), passphrase)
    vault = load_config(home).vault
    if vault is not None and str(identity.recipient) != vault.recipient:
        raise ConfigError(
            "the vault key in key.age does not match the vault recipient in the config",
            hint="restore the matching key with 'keyvault key import'",
        )
    return identity


def vault_recipient(home: Path) -> X25519Recipient:
    """The vault's public recipient, from the local config (never from a destination)."""
    return X25519Recipient.parse(load_config(home).require_vault().recipient)


def manifest_mac_key(home: Path) -> Secret:
    """The cached 32-byte manifest MAC key (no passphrase needed)."""
    try:
        data = mac_key_path(home).read_bytes()
    except FileNotFoundError:
        if not has_vault_key(home):
            raise VaultNotInitializedError() from None
        raise NotFoundError(
            "the manifest key cache (mac.key) is missing",
            hint="run 'keyvault key passwd' to rebuild it from the vault key",
        ) from None
    if len(data) != 32:
        raise ConfigError("the manifest key cache (mac.key) is damaged")
    return Secret(data, label="manifest MAC key")


def _write_mac_key(home: Path, identity: X25519Identity) -> None:
    atomic_write(mac_key_path(home), derive_manifest_mac_key(identity).reveal())


def _refuse_existing(home: Path) -> None:
    if has_vault_key(home):
        raise AlreadyExistsError(
            "a vault key already exists here; it is never replaced",
            hint="use 'keyvault key rotate' for a new key or 'keyvault key passwd' "
            "for a new passphrase",
        )


def _write_vault(
    home: Path,
    identity: X25519Identity,
    sealed: bytes,
    vault_id: str | None,
    created: str | None,
) -> VaultSection:
    config = load_config(home)
    existing = config.vault
    recipient = str(identity.recipient)
    if existing is not None and existing.recipient != recipient:
        raise ConfigError(
            "this key does not belong to the vault configured here (its recipient differs)"
        )
    home.mkdir(mode=0o700, parents=True, exist_ok=True)
    atomic_write(key_path(home), sealed, overwrite=False)
    _write_mac_key(home, identity)
    if existing is not None:
        return existing
    config.vault = VaultSection(
        id=vault_id or secrets.token_hex(16),
        recipient=recipient,
        created=created or _now(),
        seal_public=seal_public(identity),
    )
    save_config(home, config)
    return config.vault


def remember_seal_public(home: Path, identity: X25519Identity) -> str:
    """Store the seal's public half of the vault key ``identity`` in the config (when it
    is not there yet, or names an earlier key); returns it. Called wherever the vault
    key is used to seal, so configs of earlier releases gain it."""
    public = seal_public(identity)
    config = load_config(home)
    vault = config.require_vault()
    if vault.recipient == str(identity.recipient) and vault.seal_public != public:
        vault.seal_public = public
        save_config(home, config)
    return public


def create_vault(
    home: Path, passphrase: Secret, *, work_factor: int = DEFAULT_WORK_FACTOR
) -> tuple[VaultSection, X25519Identity]:
    """Generate the vault key and store it: key.age, mac.key and the config's vault section.

    Raises :class:`AlreadyExistsError` when a vault key or a vault section exists.
    """
    _refuse_existing(home)
    if load_config(home).vault is not None:
        raise AlreadyExistsError(
            "a vault is already configured here",
            hint="restore its key with 'keyvault key import'",
        )
    identity = X25519Identity.generate()
    section = _write_vault(home, identity, _seal_key(identity, passphrase, work_factor), None, None)
    return section, identity


def install_vault_key(
    home: Path,
    identity: X25519Identity,
    passphrase: Secret,
    *,
    work_factor: int = DEFAULT_WORK_FACTOR,
    vault_id: str | None = None,
    created: str | None = None,
) -> VaultSection:
    """Store an existing vault key (from its 24 words or an age key file) on this machine.

    If the config already has a vault section, the key must match its recipient; else a
    section is created (with ``vault_id``/``created`` when known, e.g. from a destination).
    """
    _refuse_existing(home)
    return _write_vault(
        home, identity, _seal_key(identity, passphrase, work_factor), vault_id, created
    )


def install_encrypted_key(
    home: Path,
    data: bytes,
    passphrase: Secret,
    *,
    vault_id: str | None = None,
    created: str | None = None,
) -> tuple[VaultSection, X25519Identity]:
    """Store a ``key.age`` fetched from a destination, byte for byte, after opening it."""
    _refuse_existing(home)
    identity = unlock_encrypted_key(data, passphrase)
    return _write_vault(home, identity, data, vault_id, created), identity


def previous_key_paths(home: Path) -> list[Path]:
    """The ``key-<n>.age`` files of earlier vault keys, oldest first."""
    found = []
    for path in home.glob("key-*.age"):
        match = _PREVIOUS.fullmatch(path.name)
        if match:
            found.append((int(match.group(1)), path))
    return [path for _, path in sorted(found)]


def previous_identities(home: Path, passphrase: Secret) -> list[X25519Identity]:
    """Earlier vault keys (after rotations), oldest first, opened with the vault passphrase."""
    return [unlock_encrypted_key(p.read_bytes(), passphrase) for p in previous_key_paths(home)]


def change_passphrase(
    home: Path, old: Secret, new: Secret, *, work_factor: int = DEFAULT_WORK_FACTOR
) -> None:
    """Re-encrypt the vault key (and earlier keys) with a new passphrase; the key is unchanged.

    Rebuilds mac.key as well. Destinations still hold the old key.age until the next backup.
    """
    identity = unlock_vault_key(home, old)
    previous = [(p, unlock_encrypted_key(p.read_bytes(), old)) for p in previous_key_paths(home)]
    for path, old_identity in previous:
        atomic_write(path, _seal_key(old_identity, new, work_factor))
    atomic_write(key_path(home), _seal_key(identity, new, work_factor))
    _write_mac_key(home, identity)


def rotate_vault_key(
    home: Path, passphrase: Secret, *, work_factor: int = DEFAULT_WORK_FACTOR
) -> tuple[X25519Identity, X25519Identity]:
    """Replace the vault key with a new one; returns ``(new, old)``.

    The old key is kept as ``key-<n>.age`` (same passphrase) and its recipient appended to
    ``vault.previous_recipients``, so older backups stay readable; re-encrypting them to
    the new key is the backup engine's job. Write order keeps every state recoverable:
    the old key's copy first, then the new key.age, then mac.key and the config.
    """
    old = unlock_vault_key(home, passphrase)
    config = load_config(home)
    vault = config.require_vault()
    number = len(previous_key_paths(home)) + 1
    while (home / f"key-{number}.age").exists():
        number += 1
    atomic_write(home / f"key-{number}.age", encrypted_key_bytes(home), overwrite=False)
    new = X25519Identity.generate()
    atomic_write(key_path(home), _seal_key(new, passphrase, work_factor))
    _write_mac_key(home, new)
    vault.previous_recipients = [*vault.previous_recipients, vault.recipient]
    vault.recipient = str(new.recipient)
    vault.seal_public = seal_public(new)
    save_config(home, config)
    return new, old

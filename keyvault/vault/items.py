"""Protected items: files, folders and seed phrases, kept in the config.

A file or folder item is its absolute path (the original stays where it is). A phrase
item has no original on disk: its plaintext exists nowhere unencrypted. It is stored as
``phrases/<id>.age`` in the config dir, an age file encrypted to the vault recipient
whose plaintext is the *phrase record*, a small JSON document an heir can read after
``age -d``::

    {
      "format": "keyvault phrase record",
      "version": 1,
      "kind": "bip39",            # or "other" (Electrum, Monero, ... seeds)
      "name": "my ledger",        # the item's name
      "phrase": "abandon ...",    # the words (BIP39: checked and normalised)
      "language": "english",      # BIP39 wordlist language; null for "other"
      "seed_type": "electrum-segwit",  # only for "other" words that are an Electrum seed
      "created": "2026-11-28T03:00:00Z",
      "nonce": "<random hex>",    # makes the record's hash unguessable
      "bip39_passphrase": "..."   # only when the owner asked to store it
    }

The BIP39 passphrase is stored only on request (``--store-bip39-passphrase``); records
written without the key stay valid. Adding a phrase (or first reading its record with
the vault key) records its public identity (:mod:`keyvault.vault.identities`).

Beside it, ``phrases/<id>.json`` holds public facts only: the record's size and sha256
(what backups and verification compare against) and the recipient it is encrypted to.
The ``nonce`` keeps that hash from confirming guesses of a weak phrase.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import secrets
import stat
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from keyvault.atomic import atomic_write
from keyvault.crypto import X25519Identity, X25519Recipient, decrypt_bytes, encrypt_bytes
from keyvault.errors import (
    AlreadyExistsError,
    ConfigError,
    InvalidMnemonicError,
    InvalidValueError,
    KeyvaultError,
    NotFoundError,
)
from keyvault.secret import Secret
from keyvault.seedphrase import bip39, electrum
from keyvault.wallets.identity import Identity, file_identity, phrase_identity, words_identity

from . import identities as _identities
from .config import ItemConfig, load_config, save_config
from .keystore import vault_recipient
from .state import format_time, utc_now

__all__ = [
    "CONFIG_KIND",
    "PHRASES_DIR",
    "PHRASE_KINDS",
    "RECORD_FORMAT",
    "RESERVED_NAMES",
    "PhraseDigest",
    "PhraseRecord",
    "add_path_item",
    "add_phrase_item",
    "add_record_item",
    "check_item_name",
    "list_items",
    "parse_phrase_record",
    "phrase_digest",
    "phrase_record_path",
    "read_phrase_record",
    "read_record",
    "reencrypt_phrases",
    "remove_item",
    "rewrite_record",
]

PHRASES_DIR = "phrases"
RECORD_FORMAT = "keyvault phrase record"
PHRASE_KINDS = ("bip39", "other")
#: The ``phrase_kind`` of a wallet configuration item (its record is not a phrase).
CONFIG_KIND = "descriptor"
#: Names with a meaning of their own (``vault-key`` is the vault key as an item of status).
RESERVED_NAMES = ("vault-key",)
_MAX_NAME = 200
_ID = re.compile(r"^[0-9a-f]{32}$")


@dataclass(frozen=True)
class PhraseDigest:
    """Public facts about a phrase record: its plaintext size and sha256, and the
    recipient its ``.age`` file is encrypted to."""

    size: int
    sha256: str
    recipient: str | None = None


@dataclass(frozen=True, eq=False)
class PhraseRecord:
    """A decrypted phrase record (see the module docstring)."""

    kind: str
    name: str
    phrase: Secret
    language: str | None
    created: str

    #: The BIP39 passphrase, when the owner stored it with the phrase.
    bip39_passphrase: Secret | None = None

    def __repr__(self) -> str:
        return f"PhraseRecord(kind={self.kind!r}, name={self.name!r}, phrase=**redacted**)"

    def identity(self) -> Identity:
        """The public identity of the wallet this record opens (with the stored passphrase)."""
        if self.kind == "bip39":
            return phrase_identity(self.phrase, self.bip39_passphrase)
        return words_identity(self.phrase)


def check_item_name(name: str) -> str:
    """Return ``name`` if it can name an item, else raise :class:`ConfigError`.

    Names are shown in tables and used on the command line: 1 to 200 printable
    characters, not only spaces, no leading ``-``, and not a reserved name.
    """
    if not isinstance(name, str):
        raise TypeError("an item name is a str")
    if not name.strip() or len(name) > _MAX_NAME:
        raise ConfigError(f"an item name has 1 to {_MAX_NAME} characters")
    if any(unicodedata.category(ch).startswith("C") for ch in name):
        raise ConfigError("an item name cannot contain control characters")
    if name.startswith("-"):
        raise ConfigError("an item name cannot start with '-'")
    if name in RESERVED_NAMES:
        raise ConfigError(f"{name!r} is reserved")
    return name


def list_items(home: Path) -> list[ItemConfig]:
    """Every protected item, in the config's order."""
    return list(load_config(home).items)


def _refuse_duplicate_name(items: list[ItemConfig], name: str) -> None:
    if any(i.name == name for i in items):
        raise AlreadyExistsError(
            f"an item called {name!r} already exists", hint="choose another --name"
        )


def add_path_item(
    home: Path,
    path: Path | str,
    name: str | None = None,
    *,
    wallet: str | None = None,
    live_copy_safe: bool | None = None,
) -> ItemConfig:
    """Protect the file or folder at ``path`` (stored as its absolute path).

    The name defaults to the file's or folder's own name. Raises :class:`NotFoundError`
    when nothing is there, :class:`ConfigError` for other kinds of files or bad names,
    :class:`AlreadyExistsError` for a name or path already protected. ``wallet`` and
    ``live_copy_safe`` record a discovered wallet (``keyvault add --discovered``).
    """
    config = load_config(home)
    config.require_vault()
    target = Path(path).expanduser().absolute()
    try:
        info = target.stat()
    except FileNotFoundError:
        raise NotFoundError(f"{target} does not exist") from None
    except OSError as exc:
        raise ConfigError(f"cannot read {target}: {exc.strerror}") from None
    if stat.S_ISREG(info.st_mode):
        kind = "file"
    elif stat.S_ISDIR(info.st_mode):
        kind = "folder"
    else:
        raise ConfigError(f"{target} is neither a file nor a folder")
    home_abs = Path(home).absolute()
    if target == home_abs or home_abs in target.parents or target in home_abs.parents:
        raise ConfigError("keyvault's own config folder cannot be an item")
    item_name = check_item_name(name if name is not None else target.name)
    _refuse_duplicate_name(config.items, item_name)
    for existing in config.items:
        if existing.kind in ("file", "folder") and existing.path == str(target):
            raise AlreadyExistsError(f"{target} is already protected as {existing.name!r}")
    item = ItemConfig(
        name=item_name,
        kind=kind,
        added=format_time(utc_now()),
        path=str(target),
        wallet=wallet,
        live_copy_safe=live_copy_safe,
    )
    config.items.append(item)
    save_config(home, config)
    if kind == "file":
        # A wallet file's public identity (Core descriptors, Electrum xpubs), for drills to
        # compare copies with; a file without one is proven by its manifest hash instead.
        with contextlib.suppress(KeyvaultError):
            identity = file_identity(target)
            if identity.kind != "sha256":
                _identities.record(home, item_name, identity)
    return item


def phrase_record_path(home: Path, item: ItemConfig) -> Path:
    """The encrypted record of a phrase item (``home/phrases/<id>.age``)."""
    if item.kind != "phrase" or not item.path:
        raise ValueError(f"item {item.name!r} is not a phrase")
    relative = Path(item.path)
    if (
        relative.is_absolute()
        or relative.parent != Path(PHRASES_DIR)
        or not _ID.match(relative.stem)
        or relative.suffix != ".age"
    ):
        raise ConfigError(f"the phrase item {item.name!r} has an invalid record path")
    return Path(home) / relative


def _digest_path(record: Path) -> Path:
    return record.with_suffix(".json")


def _record_bytes(
    kind: str,
    name: str,
    phrase_text: str,
    language: str | None,
    created: str,
    seed_type: str | None = None,
    bip39_passphrase: str | None = None,
) -> Secret:
    document: dict[str, object] = {
        "format": RECORD_FORMAT,
        "version": 1,
        "kind": kind,
        "name": name,
        "phrase": phrase_text,
        "language": language,
        "created": created,
        "nonce": secrets.token_hex(16),
    }
    if seed_type is not None:
        document["seed_type"] = seed_type
    if bip39_passphrase is not None:
        document["bip39_passphrase"] = bip39_passphrase
    return Secret(
        (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode("utf-8"),
        label="phrase record",
    )


def _write_record(record_path: Path, plaintext: Secret, recipient: X25519Recipient) -> None:
    data = plaintext.reveal()
    digest = {
        "size": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
        "recipient": str(recipient),
    }
    record_path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    # The digest first: a crash between the two writes leaves a digest without a record
    # (ignored) rather than a record whose digest describes another record.
    atomic_write(_digest_path(record_path), (json.dumps(digest) + "\n").encode("utf-8"))
    atomic_write(record_path, encrypt_bytes(data, [recipient]))


def add_phrase_item(
    home: Path,
    name: str,
    phrase: Secret,
    *,
    kind: str = "bip39",
    language: str | None = None,
    bip39_passphrase: Secret | None = None,
    store_bip39_passphrase: bool = False,
) -> ItemConfig:
    """Protect a seed phrase: encrypt its record to the vault recipient into the config dir.

    ``kind`` ``bip39`` checks the phrase (:class:`InvalidMnemonicError` with the
    position of a bad word) and stores it normalised; ``other`` accepts any words (an
    Electrum or Monero seed) with whitespace normalised, and records an Electrum seed's
    type (``seed_type``) in the record. No vault passphrase is needed.

    The wallet's identity is recorded: for BIP39, the fingerprint and addresses the
    phrase opens with ``bip39_passphrase`` (the optional "25th word"). The passphrase
    itself goes into the encrypted record only with ``store_bip39_passphrase``.
    """
    if kind not in PHRASE_KINDS:
        raise ValueError(f"unknown phrase kind {kind!r}")
    if kind != "bip39" and bip39_passphrase is not None:
        raise InvalidValueError("a BIP39 passphrase goes with a bip39 phrase")
    if store_bip39_passphrase and bip39_passphrase is None:
        raise InvalidValueError("there is no BIP39 passphrase to store")
    if not isinstance(phrase, Secret):
        raise TypeError("the phrase must be a Secret")
    config = load_config(home)
    config.require_vault()
    check_item_name(name)
    _refuse_duplicate_name(config.items, name)
    seed_type: str | None = None
    if kind == "bip39":
        checked = bip39.check(phrase, language)
        text, used_language = checked.words.reveal_text(), checked.language
        identity = phrase_identity(checked, bip39_passphrase)
    else:
        words = phrase.reveal_text().split()
        if not words:
            raise InvalidMnemonicError("the phrase is empty")
        text, used_language = " ".join(words), None
        identity = words_identity(phrase)
        electrum_type = electrum.kind(text)
        seed_type = f"electrum-{electrum_type}" if electrum_type else None
    created = format_time(utc_now())
    stored = bip39_passphrase.reveal_text() if store_bip39_passphrase and bip39_passphrase else None
    record = _record_bytes(kind, name, text, used_language, created, seed_type, stored)
    try:
        item = add_record_item(home, name, record, phrase_kind=kind, added=created)
    finally:
        record.wipe()
    _identities.record(home, name, identity)
    return item


def add_record_item(
    home: Path, name: str, plaintext: Secret, *, phrase_kind: str, added: str | None = None
) -> ItemConfig:
    """Protect an encrypted record: ``plaintext`` encrypted to the vault recipient.

    The item is a ``phrase`` item, so backups, verification, status and recovery treat
    it as one (an encrypted record in the config dir). ``phrase_kind`` says what the
    record holds: a phrase (:data:`PHRASE_KINDS`) or a wallet configuration
    (:data:`CONFIG_KIND`, whose record is :mod:`keyvault.configs.record`'s).
    """
    config = load_config(home)
    config.require_vault()
    check_item_name(name)
    _refuse_duplicate_name(config.items, name)
    recipient = vault_recipient(home)
    relative = f"{PHRASES_DIR}/{secrets.token_hex(16)}.age"
    record_path = Path(home) / relative
    _write_record(record_path, plaintext, recipient)
    created = added or format_time(utc_now())
    item = ItemConfig(
        name=name, kind="phrase", added=created, path=relative, phrase_kind=phrase_kind
    )
    config.items.append(item)
    try:
        save_config(home, config)
    except BaseException:
        for path in (record_path, _digest_path(record_path)):
            with contextlib.suppress(OSError):
                os.unlink(path)
        raise
    return item


def read_record(home: Path, item: ItemConfig, identities: list[X25519Identity]) -> Secret:
    """The decrypted record of a phrase or configuration item."""
    path = phrase_record_path(home, item)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise NotFoundError(f"the record of {item.name!r} is missing") from None
    return Secret(decrypt_bytes(data, identities), label="record")


def rewrite_record(home: Path, item: ItemConfig, plaintext: Secret) -> None:
    """Replace the record of ``item`` with ``plaintext``, encrypted to the vault key."""
    _write_record(phrase_record_path(home, item), plaintext, vault_recipient(home))


def phrase_digest(home: Path, item: ItemConfig) -> PhraseDigest:
    """The size and sha256 of a phrase item's plaintext record (no key needed)."""
    path = _digest_path(phrase_record_path(home, item))
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        recipient = document.get("recipient")
        return PhraseDigest(
            int(document["size"]),
            str(document["sha256"]),
            recipient if isinstance(recipient, str) else None,
        )
    except FileNotFoundError:
        raise NotFoundError(f"the record of phrase {item.name!r} is missing") from None
    except (OSError, ValueError, KeyError, TypeError):
        raise ConfigError(f"the record digest of phrase {item.name!r} is damaged") from None


def read_phrase_record(
    home: Path, item: ItemConfig, identities: list[X25519Identity]
) -> PhraseRecord:
    """Decrypt a phrase item's record with the vault key (or an earlier one).

    The first time a phrase item is read with the key, its identity is recorded (items
    added before identity records existed); a damaged identity file does not stop the read.
    """
    record = parse_phrase_record(read_record(home, item, identities))
    with contextlib.suppress(KeyvaultError):
        if item.name not in _identities.load(home):
            _identities.record(home, item.name, record.identity())
    return record


def parse_phrase_record(plaintext: Secret) -> PhraseRecord:
    """Read a decrypted phrase record; :class:`ConfigError` when it is not one."""
    try:
        document = json.loads(plaintext.reveal_text())
    except (UnicodeDecodeError, ValueError):
        raise ConfigError("this is not a keyvault phrase record") from None
    if not isinstance(document, dict) or document.get("format") != RECORD_FORMAT:
        raise ConfigError("this is not a keyvault phrase record")
    phrase, name = document.get("phrase"), document.get("name")
    if not isinstance(phrase, str) or not isinstance(name, str):
        raise ConfigError("this is not a keyvault phrase record")
    language = document.get("language")
    passphrase = document.get("bip39_passphrase")
    return PhraseRecord(
        kind=str(document.get("kind", "other")),
        name=name,
        phrase=Secret(phrase, label="phrase"),
        language=language if isinstance(language, str) else None,
        created=str(document.get("created", "")),
        bip39_passphrase=(
            Secret(passphrase, label="BIP39 passphrase") if isinstance(passphrase, str) else None
        ),
    )


def reencrypt_phrases(
    home: Path, identities: list[X25519Identity], recipient: X25519Recipient | None = None
) -> int:
    """Re-encrypt every phrase record to ``recipient`` (default: the config's, after a
    key rotation), opening them with ``identities`` (the old and new keys). Returns how
    many records were rewritten; records already readable only by others are refused
    with the decryption error.
    """
    target = recipient or vault_recipient(home)
    count = 0
    for item in load_config(home).items:
        if item.kind != "phrase":
            continue
        path = phrase_record_path(home, item)
        plaintext = Secret(decrypt_bytes(path.read_bytes(), identities), label="phrase record")
        try:
            _write_record(path, plaintext, target)
        finally:
            plaintext.wipe()
        count += 1
    return count


def remove_item(home: Path, name: str) -> ItemConfig:
    """Stop protecting ``name``; a phrase item's local encrypted record is deleted too.

    Copies at destinations leave with the next backups' pruning (after its grace period).
    """
    config = load_config(home)
    item = config.item(name)
    if item is None:
        raise NotFoundError(f"no item called {name!r}", hint="see 'keyvault list'")
    config.items = [i for i in config.items if i.name != name]
    save_config(home, config)
    _identities.forget(home, name)
    if item.kind == "phrase":
        record = phrase_record_path(home, item)
        for path in (record, _digest_path(record)):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(path)
    return item

"""Wallet configuration items: a descriptor (with labels and key locations) kept encrypted.

A configuration item is a ``phrase`` item whose ``phrase_kind`` is
:data:`~keyvault.vault.items.CONFIG_KIND`: its record (:mod:`keyvault.configs.record`)
is encrypted to the vault recipient like a phrase record, so backups, verification,
3-2-1 status and recovery carry it with no code of their own. A descriptor is not a
secret that spends, but it shows every address and balance of the wallet: it is never
stored or sent in plaintext.

Reading a configuration needs the vault key (``identities``). The cosigner map matches
each key's master fingerprint with the phrase items' recorded identities, opening a
phrase record (with that key) only for an item that has none.
"""

from __future__ import annotations

from pathlib import Path

from keyvault.configs import ConfigRecord, Imported, parse_record, record_bytes
from keyvault.crypto import X25519Identity
from keyvault.errors import NotFoundError
from keyvault.secret import Secret
from keyvault.seedphrase.wallet import phrase_fingerprint

from . import identities as _identities
from .config import ItemConfig, load_config
from .items import CONFIG_KIND, add_record_item, read_phrase_record, read_record, rewrite_record
from .state import format_time, utc_now

__all__ = [
    "add_configuration_item",
    "configuration_items",
    "held_fingerprints",
    "read_configuration_item",
    "update_configuration_item",
]


def configuration_items(home: Path) -> list[ItemConfig]:
    """Every wallet configuration item, in the config's order."""
    return [i for i in load_config(home).items if i.phrase_kind == CONFIG_KIND]


def _item(home: Path, name: str) -> ItemConfig:
    item = load_config(home).item(name)
    if item is None or item.phrase_kind != CONFIG_KIND:
        raise NotFoundError(f"no wallet configuration called {name!r}", hint="see 'keyvault list'")
    return item


def add_configuration_item(
    home: Path, name: str, imported: Imported, source: str, labels: str | None = None
) -> tuple[ItemConfig, ConfigRecord]:
    """Protect a configuration read from a file (``source`` is that file's text)."""
    created = format_time(utc_now())
    record = ConfigRecord(
        name=name,
        config=imported.config,
        source_format=imported.format,
        source=source,
        label=imported.label,
        blockheight=imported.blockheight,
        labels=labels,
        created=created,
    )
    plaintext = Secret(record_bytes(record), label="configuration record")
    try:
        item = add_record_item(home, name, plaintext, phrase_kind=CONFIG_KIND, added=created)
    finally:
        plaintext.wipe()
    return item, record


def read_configuration_item(
    home: Path, name: str, identities: list[X25519Identity]
) -> ConfigRecord:
    """The decrypted, re-checked record of the configuration ``name``."""
    plaintext = read_record(home, _item(home, name), identities)
    try:
        return parse_record(plaintext.reveal())
    finally:
        plaintext.wipe()


def update_configuration_item(home: Path, record: ConfigRecord) -> None:
    """Store ``record`` (a changed copy of the one read) as its item's new record."""
    plaintext = Secret(record_bytes(record), label="configuration record")
    try:
        rewrite_record(home, _item(home, record.name), plaintext)
    finally:
        plaintext.wipe()


def held_fingerprints(home: Path, identities: list[X25519Identity]) -> dict[str, str]:
    """Master fingerprint -> name of the BIP39 phrase item of this vault that opens it.

    A phrase item's recorded identity (:mod:`keyvault.vault.identities`: its fingerprint
    with the BIP39 passphrase it was added with) is used when there is one; otherwise the
    record is opened and the fingerprint computed, with the BIP39 passphrase stored in
    it, if any. A wallet behind a passphrase that was neither given nor stored shows as
    held elsewhere.
    """
    recorded = _identities.load(home)
    held: dict[str, str] = {}
    for item in load_config(home).items:
        if item.kind != "phrase" or item.phrase_kind != "bip39":
            continue
        identity = recorded.get(item.name)
        if identity is not None and identity.fingerprint:
            held.setdefault(identity.fingerprint, item.name)
            continue
        record = read_phrase_record(home, item, identities)
        try:
            fingerprint = phrase_fingerprint(record.phrase, record.bip39_passphrase)
        finally:
            record.phrase.wipe()
            if record.bip39_passphrase is not None:
                record.bip39_passphrase.wipe()
        held.setdefault(fingerprint, item.name)
    return held

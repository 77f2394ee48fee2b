"""The identity records of the protected items, kept locally (public facts only).

``identities.json`` in the config dir maps each item's name to its
:class:`~keyvault.wallets.identity.Identity` (master fingerprint and first addresses,
public descriptors, xpubs or a hash). Nothing in it can spend or restore a wallet; a
phrase's fingerprint is already printed on its sheets. It lets keyvault tell, wherever
a phrase is typed, whether it opens one of the owner's wallets (:func:`match_phrase`),
and lets a drill check that a restored copy is the wallet the owner protected::

    {"format": "keyvault identities", "version": 1,
     "items": {"my ledger": {"kind": "bip39", "fingerprint": "73c5da0a", ...}}}

Written atomically, 0600; read without following a symlink, at most 4 MiB, every
record checked (a damaged file is a :class:`~keyvault.errors.ConfigError`).
"""

from __future__ import annotations

import errno
import json
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from keyvault.atomic import atomic_write
from keyvault.errors import ConfigError, IdentityRecordError
from keyvault.secret import Secret
from keyvault.seedphrase import bip39, wallet
from keyvault.wallets.identity import Identity

__all__ = [
    "IDENTITIES_FILE",
    "NO_MATCH",
    "PhraseMatch",
    "check_phrase",
    "forget",
    "load",
    "match_phrase",
    "record",
]

IDENTITIES_FILE = "identities.json"
_FORMAT = "keyvault identities"
_MAX_BYTES = 4 << 20
_MAX_ITEMS = 10_000
_MAX_NAME = 200


def _damaged(detail: str) -> ConfigError:
    return ConfigError(
        f"the wallet identity records ({IDENTITIES_FILE}) are damaged: {detail}",
        hint=f"move {IDENTITIES_FILE} away; keyvault records identities again as items are "
        "added, read with the vault key or drilled",
    )


def _read(path: Path) -> bytes | None:
    """The file's bytes (bounded, no symlink, no blocking), or None when it is absent."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags | getattr(os, "O_BINARY", 0))
    except FileNotFoundError:
        return None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise _damaged("it is a symbolic link") from None
        raise ConfigError(f"cannot read {path}: {exc.strerror}") from None
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            raise _damaged("it is not a regular file")
        data = handle.read(_MAX_BYTES + 1)
    if len(data) > _MAX_BYTES:
        raise _damaged(f"it is larger than {_MAX_BYTES >> 20} MiB")
    return data


def load(home: Path) -> dict[str, Identity]:
    """Every recorded identity by item name; empty when none was recorded yet."""
    data = _read(Path(home) / IDENTITIES_FILE)
    if data is None:
        return {}
    try:
        document = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise _damaged("it is not JSON") from None
    if (
        not isinstance(document, dict)
        or document.get("format") != _FORMAT
        or document.get("version") != 1
        or not isinstance(document.get("items"), dict)
    ):
        raise _damaged("it is not an identity record file")
    items = document["items"]
    if len(items) > _MAX_ITEMS:
        raise _damaged("it holds too many records")
    out: dict[str, Identity] = {}
    for name, entry in items.items():
        if not 0 < len(name) <= _MAX_NAME:
            raise _damaged("an item name is invalid")
        try:
            out[name] = Identity.from_json(entry)
        except IdentityRecordError:
            raise _damaged(f"the record of {name!r} is invalid") from None
    return out


def _save(home: Path, identities: dict[str, Identity]) -> None:
    document = {
        "format": _FORMAT,
        "version": 1,
        "items": {name: identity.to_json() for name, identity in identities.items()},
    }
    text = json.dumps(document, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
    atomic_write(Path(home) / IDENTITIES_FILE, text.encode("utf-8"), mode=0o600)


def record(home: Path, item_name: str, identity: Identity) -> None:
    """Record (or replace) the identity of the item ``item_name``."""
    identities = load(home)
    if identities.get(item_name) == identity:
        return
    identities[item_name] = identity
    _save(home, identities)


def forget(home: Path, item_name: str) -> None:
    """Drop the record of an item that is no longer protected (no error when absent)."""
    identities = load(home)
    if identities.pop(item_name, None) is not None:
        _save(home, identities)


def match_phrase(
    home: Path, phrase: bip39.Phrase | Secret | str, bip39_passphrase: Secret | None = None
) -> str | None:
    """The name of the recorded wallet this phrase (and BIP39 passphrase) opens, or None.

    Compares master fingerprints only: a mistyped passphrase opens a valid wallet with
    another fingerprint, which matches none of the records.
    """
    identities = load(home)
    candidates = {name: i for name, i in identities.items() if i.kind == "bip39"}
    if not candidates:
        return None
    fingerprint = wallet.phrase_fingerprint(phrase, bip39_passphrase)
    for name, identity in candidates.items():
        if identity.fingerprint == fingerprint:
            return name
    return None


#: What the guard says of a phrase that opens none of the recorded wallets.
NO_MATCH = (
    "matches none of your recorded wallets: a mistyped passphrase opens a different, empty wallet"
)


@dataclass(frozen=True)
class PhraseMatch:
    """The phrase guard's verdict on one phrase (shared by the CLI and the GUI)."""

    #: The item whose recorded wallet the phrase opens, or None.
    matches_item: str | None
    #: Whether any BIP39 wallet is recorded at all (else there is nothing to say).
    recorded: bool

    @property
    def line(self) -> str | None:
        """ "matches item 'NAME'", :data:`NO_MATCH`, or None when no wallet is recorded."""
        if self.matches_item is not None:
            return f"matches item {self.matches_item!r}"
        return NO_MATCH if self.recorded else None


def check_phrase(
    home: Path, phrase: bip39.Phrase | Secret | str, bip39_passphrase: Secret | None = None
) -> PhraseMatch:
    """Does this phrase (and BIP39 passphrase) open one of the recorded wallets?

    Only fingerprints are compared; nothing secret is stored for it. Raises
    :class:`~keyvault.errors.ConfigError` when the records are damaged.
    """
    recorded = any(i.kind == "bip39" for i in load(home).values())
    matched = match_phrase(home, phrase, bip39_passphrase) if recorded else None
    return PhraseMatch(matched, recorded)

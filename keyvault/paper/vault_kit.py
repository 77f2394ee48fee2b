"""One owner's recovery kit, gathered from the vault in a config dir.

:func:`vault_kit` is what ``keyvault paper kit`` and the GUI's Print screen both call, so
that both print the same pages. It reads what :func:`~keyvault.paper.kit.recovery_kit`
takes as values: the config, where keyvault comes from
(:func:`~keyvault.release.release_source`), every wallet configuration with its cosigner
map, each item's recorded identity (the line an heir compares, e.g. "fingerprint
1a2b3c4d"), the owner's seal key (derived from the vault key, so it is the key's own and
not whatever a config says), and, on request, a new read-only key for B2 destinations.

The order is part of the contract. Everything that can fail without the vault key (the
release setting, the config, the B2 destination names) is checked before ``unlock`` is
called, so nobody types the passphrase in vain; B2 keys are created only once the vault
key is open, so a mistyped passphrase leaves no stray keys at B2. A split kit is checked
before it is returned: its first T shares must give the vault key back.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Literal

from keyvault.configs import ConfigRecord, CosignerEntry, cosigner_map
from keyvault.crypto import X25519Identity
from keyvault.crypto.seal import seal_public
from keyvault.errors import InvalidShareError, NotFoundError
from keyvault.release import release_source
from keyvault.secret import Secret
from keyvault.vault import identities
from keyvault.vault.config import Config, DestinationConfig, load_config
from keyvault.vault.configurations import (
    configuration_items,
    held_fingerprints,
    read_configuration_item,
)

from .kit import identity_from_shares, recovery_kit, split_vault_key
from .kit_secret import B2ReadKey
from .sheets import Document, PaperSize

__all__ = ["VaultKit", "vault_kit"]


@dataclass(frozen=True)
class VaultKit:
    """A kit built by :func:`vault_kit`, and the read-only B2 keys made for it.

    The keys are secret and printed only in the document: wipe them
    (``key.application_key.wipe()``) once it is rendered. Their IDs are not secret and
    let the owner delete a key in B2 if the kit is lost.
    """

    document: Document
    read_keys: tuple[B2ReadKey, ...]


def vault_kit(
    home: Path,
    unlock: Callable[[], X25519Identity],
    *,
    day: date,
    split: tuple[int, int] | None = None,
    holders: Sequence[str] = (),
    b2_read_keys: Sequence[str] | Literal["all"] = (),
    paper: PaperSize = "a4",
) -> VaultKit:
    """The recovery kit of the vault in ``home``, with the vault key that ``unlock``
    returns (e.g. from the passphrase; called once, after the checks that need no key).

    ``split`` = (T, N) prints N SLIP-39 shares of the key, any T of which recover it, one
    page per share (``holders`` names each share's holder, in order), and never the key
    itself; None prints the key. ``b2_read_keys`` names the B2 destinations that get a new
    read-only key on a 'Cloud access' page, or ``"all"`` for every B2 destination.

    Raises :class:`~keyvault.errors.VaultNotInitializedError` without a vault,
    :class:`~keyvault.errors.InvalidValueError` for a bad release setting,
    :class:`~keyvault.errors.NotFoundError` for a name that is not a B2 destination (or
    ``"all"`` without one), what ``unlock`` raises, the B2 errors of creating a key, and
    ``ValueError`` for impossible split numbers or holders.
    """
    if holders and (split is None or len(holders) != split[1]):
        raise ValueError("name one holder per share of a split kit")
    release = release_source()
    config = load_config(home)
    config.require_vault()
    entries = _b2_entries(config, b2_read_keys)
    identity = unlock()
    wallets = _wallet_configurations(home, identity)
    item_identities = {name: record.proof for name, record in identities.load(home).items()}
    seal_key = seal_public(identity)
    shares: list[Secret] = []
    threshold = 0
    if split is not None:
        threshold, count = split
        shares = split_vault_key(identity, threshold, count)
        # Never print shares that do not give the key back.
        restored = identity_from_shares(shares[:threshold]).secret_bytes()
        if not restored.equals(identity.secret_bytes()):
            raise InvalidShareError("internal check failed: the shares do not restore the key")
    read_keys = _create_read_keys(entries, home)
    document = recovery_kit(
        config,
        day=day,
        # A split kit prints the shares and never the key itself.
        identity=None if shares else identity,
        shares=shares,
        threshold=threshold,
        holders=holders,
        b2_read_keys=read_keys,
        paper=paper,
        release=release,
        wallets=wallets,
        item_identities=item_identities,
        seal_public=seal_key,
    )
    return VaultKit(document, tuple(read_keys))


def _b2_entries(config: Config, names: Sequence[str] | Literal["all"]) -> list[DestinationConfig]:
    """The B2 destinations ``names`` (each once), or every one for ``"all"``."""
    if names == "all":
        entries = [entry for entry in config.destinations if entry.type == "b2"]
        if not entries:
            raise NotFoundError("there is no B2 destination to make a read-only key for")
        return entries
    entries = []
    for name in dict.fromkeys(names):
        entry = config.destination(name)
        if entry is None or entry.type != "b2":
            raise NotFoundError(f"no B2 destination called {name!r}")
        entries.append(entry)
    return entries


def _create_read_keys(entries: list[DestinationConfig], home: Path) -> list[B2ReadKey]:
    """A new read-only key for each B2 destination, made with its stored key."""
    if not entries:
        return []
    # B2 support (b2sdk) is imported only for a kit that asks for it.
    from keyvault.destinations.b2 import open_b2_destination

    keys = []
    for entry in entries:
        key_id, key = open_b2_destination(entry, home).create_read_key()
        keys.append(B2ReadKey(entry.name, key_id, key))
    return keys


def _wallet_configurations(
    home: Path, identity: X25519Identity
) -> list[tuple[ConfigRecord, list[CosignerEntry]]]:
    """Every wallet configuration of the vault with its cosigner map."""
    items = configuration_items(home)
    if not items:
        return []
    held = held_fingerprints(home, [identity])
    records = [read_configuration_item(home, item.name, [identity]) for item in items]
    return [(record, cosigner_map(record, held)) for record in records]

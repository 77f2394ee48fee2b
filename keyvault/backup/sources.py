"""A backup source seen by a machine that holds only the vault key: each vault folder at
it, the authentic manifest of one, and what that vault holds.

:func:`list_source` is what an heir's preview shows before anything is restored (the
GUI's Restore screen calls it): each item with its kind, its newest version's date and
size, the wallet identity recorded with it, and whether the owner's seal covers it.
:func:`open_manifest` and :func:`each_vault` serve it and ``recover``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from keyvault import layout
from keyvault.crypto import X25519Identity
from keyvault.crypto.vaultkey import derive_manifest_mac_key
from keyvault.destinations.base import Destination
from keyvault.destinations.factory import open_recovery_sources
from keyvault.destinations.wrappers import CheckedDestination, wrap
from keyvault.errors import (
    ConfigError,
    DestinationError,
    KeyvaultError,
    NoMatchingIdentityError,
    NotFoundError,
    ObjectNotFoundError,
    RollbackError,
)
from keyvault.secret import Secret
from keyvault.vault.keystore import unlock_encrypted_key
from keyvault.vault.state import open_state
from keyvault.wallets.identity import Identity

from .manifest import Manifest, decrypt_manifest
from .sealcheck import check_seal, sealed_differences
from .transfer import get_bytes

if TYPE_CHECKING:  # B2 support is imported only for a b2:// source
    from keyvault.destinations.b2.credentials import B2Credentials

__all__ = [
    "Attempt",
    "Holding",
    "OpenedManifest",
    "SourceListing",
    "each_vault",
    "list_source",
    "open_manifest",
]

T = TypeVar("T")


@dataclass(frozen=True)
class Holding:
    """One item a source holds, as its manifest records it (nothing restored)."""

    name: str
    #: ``file``, ``folder`` or ``phrase`` (``phrase_kind`` says which phrase).
    kind: str
    phrase_kind: str | None
    #: The newest version's number, date (ISO 8601 UTC) and plaintext size.
    version: int
    created: str
    size: int
    #: The wallet recorded with that version (None: written by an earlier release).
    identity: Identity | None
    #: Whether the owner's seal covers that version (the owner proved it with the key).
    sealed: bool

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "name": self.name,
            "kind": self.kind,
            "phrase_kind": self.phrase_kind,
            "version": self.version,
            "created": self.created,
            "size": self.size,
            "identity": self.identity.to_json() if self.identity else None,
            "proof": self.identity.proof if self.identity else None,
            "sealed": self.sealed,
        }


@dataclass(frozen=True)
class SourceListing:
    """What :func:`list_source` found: one vault, its items, the folders it skipped."""

    vault_id: str
    generation: int
    #: The owner's seal there: "sealed", "older", "none" or "invalid" (:mod:`.sealcheck`).
    seal: str
    items: tuple[Holding, ...]
    skipped: tuple[tuple[str, str], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "vault_id": self.vault_id,
            "generation": self.generation,
            "seal": self.seal,
            "items": [h.to_dict() for h in self.items],
            "skipped": [{"vault_id": v, "reason": r} for v, r in self.skipped],
        }


def list_source(
    source: str,
    *,
    home: Path,
    identities: Sequence[X25519Identity] = (),
    passphrase: Secret | None = None,
    b2_credentials: B2Credentials | None = None,
) -> SourceListing:
    """What the backup at ``source`` (a folder or drive holding a ``keyvault`` folder, or
    ``b2://bucket/prefix``) holds, read with the vault key (``identities``, e.g. from the
    24 words) or the vault ``passphrase`` (which opens the ``key.age`` there).

    Reads only the marker, ``key.age``, the manifest and the seal (small, bounded); writes
    nothing, not even the generation seen (a preview must not make a later recover refuse
    what it showed). Each vault folder is tried as ``recover`` tries them
    (:func:`each_vault`); errors are those of ``recover``.
    """

    def attempt(
        candidate: Destination,
        identity: X25519Identity | None,
        secret: Secret | None,
        vault_id: str | None,
    ) -> SourceListing:
        wrapped = wrap(candidate)
        opened = open_manifest(
            wrapped,
            home=home,
            identity=identity,
            passphrase=secret,
            vault_id=vault_id,
            note_seen=False,
        )
        mac_key = derive_manifest_mac_key(opened.identity)
        seal = check_seal(
            wrapped, opened.vault_id, opened.identity, mac_key, opened.manifest, opened.sha256
        )
        if seal.status == "sealed":
            unsealed = set()
        elif seal.manifest is not None:
            differing = sealed_differences(seal.manifest, opened.manifest)
            sealed_names = {e.name for e in seal.manifest.items}
            unsealed = {entry.name for entry, _, _ in differing}
            unsealed |= {e.name for e in opened.manifest.items if e.name not in sealed_names}
        else:
            unsealed = {e.name for e in opened.manifest.items}
        items = tuple(
            Holding(
                entry.name,
                entry.kind,
                entry.phrase_kind,
                newest.version,
                newest.created,
                newest.size,
                newest.identity,
                entry.name not in unsealed,
            )
            for entry in opened.manifest.items
            if (newest := entry.newest()) is not None
        )
        return SourceListing(opened.vault_id, opened.manifest.generation, seal.status, items)

    listing, skipped = each_vault(
        source,
        attempt,
        home=home,
        identities=identities,
        passphrase=passphrase,
        b2_credentials=b2_credentials,
    )
    mine = tuple(s for s in skipped if s[0] != listing.vault_id)
    return SourceListing(listing.vault_id, listing.generation, listing.seal, listing.items, mine)


def _find_vault_ids(source: Destination) -> list[str]:
    ids = set()
    for info in source.list(layout.ROOT):
        vault_id = layout.vault_id_of(info.key)
        if vault_id is not None:
            ids.add(vault_id)
    return sorted(ids)


@dataclass(frozen=True)
class OpenedManifest:
    """The authentic manifest of one vault at a source, and the key that opened it."""

    vault_id: str
    identity: X25519Identity
    manifest: Manifest
    #: sha256 (hex) of the stored manifest bytes (what a seal names).
    sha256: str


def open_manifest(
    source: CheckedDestination,
    *,
    home: Path,
    identity: X25519Identity | None = None,
    passphrase: Secret | None = None,
    vault_id: str | None = None,
    note_seen: bool = True,
) -> OpenedManifest:
    """Open the authentic manifest of the vault at ``source`` (``vault_id``, else the
    only one there) with the vault key ``identity``, or with ``passphrase``, which opens
    the ``key.age`` stored there.

    Never one older than a generation this config dir has seen for the vault
    (:class:`~keyvault.errors.RollbackError`); with ``note_seen`` the generation read is
    remembered (recover), without it nothing is written (a preview).
    """
    if identity is None and passphrase is None:
        raise ValueError("recover needs the vault key or the vault passphrase")
    ids = [vault_id] if vault_id else _find_vault_ids(source)
    if not ids:
        raise NotFoundError("no keyvault backup found there (no manifest.age)")
    if len(ids) > 1 and identity is None:
        raise ConfigError(f"{len(ids)} vaults are stored there", hint="name one with its vault id")
    chosen = ids[0]
    if identity is None:
        assert passphrase is not None
        try:
            key_data = get_bytes(source, layout.key_key(chosen))
        except ObjectNotFoundError:
            raise NotFoundError("the destination holds no key.age to open") from None
        identity = unlock_encrypted_key(key_data, passphrase)
    mac_key = derive_manifest_mac_key(identity)
    errors: list[KeyvaultError] = []
    with open_state(home) as state:
        for candidate in ids:
            try:
                data = get_bytes(source, layout.manifest_key(candidate))
                manifest = decrypt_manifest(
                    data,
                    [identity],
                    mac_key,
                    vault_id=candidate,
                    min_generation=state.seen_generation(candidate),
                )
            except KeyvaultError as exc:
                errors.append(exc)
                continue
            if note_seen:
                state.note_seen_generation(candidate, manifest.generation)
            return OpenedManifest(candidate, identity, manifest, hashlib.sha256(data).hexdigest())
    rollback = next((e for e in errors if isinstance(e, RollbackError)), None)
    if rollback is not None:
        raise rollback
    if all(isinstance(e, NoMatchingIdentityError) for e in errors):
        # A key that opens none of them is the wrong key, not a forgery: say so, with the
        # hint a person (often an heir) can act on.
        raise errors[-1]
    raise RollbackError(
        f"no authentic manifest opens with this key ({errors[-1].message})"
    ) from None


#: One try at one vault folder of a source: (source, vault key or None, passphrase or
#: None, vault id) -> what the caller makes of it.
Attempt = Callable[[Destination, X25519Identity | None, Secret | None, str | None], T]


def each_vault(
    source: str,
    attempt: Attempt[T],
    *,
    home: Path,
    identities: Sequence[X25519Identity] = (),
    passphrase: Secret | None = None,
    b2_credentials: B2Credentials | None = None,
) -> tuple[T, list[tuple[str, str]]]:
    """``attempt`` on each vault folder at ``source`` (a folder or ``b2://``) with each
    of ``identities`` (or, when none is given, with ``passphrase``) until one succeeds;
    returns its result and the (vault id, reason) of each folder skipped on the way
    (another vault's, one without ``key.age``, a damaged one). When none succeeds, a
    :class:`~keyvault.errors.RollbackError` met on the way is raised (a forged or
    rolled-back manifest matters more than a key that did not fit), else a key that did
    not fit, else the first error met."""
    if not identities and passphrase is None:
        raise ValueError("recover needs the vault key or the vault passphrase")
    keys: list[X25519Identity | None] = list(identities) or [None]
    errors: list[KeyvaultError] = []
    skipped: list[tuple[str, str]] = []
    for candidate in open_recovery_sources(source, home, b2_credentials):
        vault_id = getattr(candidate, "vault_id", None)
        for identity in keys:
            try:
                result = attempt(
                    candidate, identity, None if identity is not None else passphrase, vault_id
                )
            except (NoMatchingIdentityError, RollbackError, NotFoundError, DestinationError) as exc:
                errors.append(exc)
                skipped.append((vault_id or candidate.name, exc.message))
                continue
            return result, skipped
    rollback = next((e for e in errors if isinstance(e, RollbackError)), None)
    wrong_key = next((e for e in errors if isinstance(e, NoMatchingIdentityError)), None)
    raise rollback or wrong_key or errors[0]

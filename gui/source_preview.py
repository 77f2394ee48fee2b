"""What a backup holds, listed for an heir before anything is restored.

:func:`list_source` opens the manifest of a backup folder or ``b2://`` location with the
vault key (from the kit, the 24 words, or the passphrase that opens the ``key.age``
stored there) and lists each item's newest version: name, kind, date, size, whether the
owner's seal covers it, and its identity where the backup records one. It makes recover's
checks: only an authentic manifest (its MAC, keyed by the vault key) of a vault found
there is read, and a vault the key does not open is skipped. Nothing is written (not even
the generation seen: the restore that follows records it). Runs on the task pool.

A stand-in: helper "trust" is adding to :mod:`keyvault.backup` one public function that
lists what a source holds, with each item's identity from the encrypted manifest. When it
lands, :func:`list_source` becomes a call to it. Until then the manifest records no
identity, so :attr:`HeldItem.identity` is None: the one line to change is in
:func:`_held`, marked ``IDENTITY``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from keyvault import layout
from keyvault.backup.manifest import ItemEntry, Manifest, decrypt_manifest
from keyvault.backup.sealcheck import SealCheck, SealStatus, check_seal
from keyvault.backup.transfer import get_bytes
from keyvault.crypto import X25519Identity
from keyvault.crypto.vaultkey import derive_manifest_mac_key
from keyvault.destinations.b2.credentials import B2Credentials
from keyvault.destinations.factory import open_recovery_sources
from keyvault.destinations.wrappers import CheckedDestination, wrap
from keyvault.errors import (
    KeyvaultError,
    NoMatchingIdentityError,
    NotFoundError,
    ObjectNotFoundError,
    RollbackError,
)
from keyvault.secret import Secret
from keyvault.vault.keystore import unlock_encrypted_key

__all__ = ["HeldItem", "SourceContents", "list_source"]


@dataclass(frozen=True)
class HeldItem:
    """One item a backup holds, as it would be restored (its newest version)."""

    name: str
    #: ``file``, ``folder`` or ``phrase`` (with the phrase's kind: ``phrase (bip39)``).
    kind: str
    #: When that version was backed up (ISO 8601 UTC).
    created: str
    size: int
    #: Whether the owner's seal covers this version (False where there is no valid seal).
    sealed: bool
    #: The wallet's identity (a fingerprint) where the backup records one, else None.
    identity: str | None = None


@dataclass(frozen=True)
class SourceContents:
    """What one vault at a source holds."""

    vault_id: str
    generation: int
    #: The owner's seal there: ``sealed``, ``older``, ``none`` or ``invalid``.
    seal: SealStatus
    items: tuple[HeldItem, ...]


def _vault_ids(source: CheckedDestination, known: str | None) -> list[str]:
    if known:
        return [known]
    return sorted(
        {v for info in source.list(layout.ROOT) if (v := layout.vault_id_of(info.key)) is not None}
    )


def _open(
    source: CheckedDestination,
    vault_id: str,
    identity: X25519Identity | None,
    passphrase: Secret | None,
) -> tuple[Manifest, SealCheck]:
    """The authentic manifest of ``vault_id`` and the owner's seal on it."""
    if identity is None:
        assert passphrase is not None
        try:
            key_data = get_bytes(source, layout.key_key(vault_id))
        except ObjectNotFoundError:
            raise NotFoundError("the backup holds no key.age to open") from None
        identity = unlock_encrypted_key(key_data, passphrase)
    mac_key = derive_manifest_mac_key(identity)
    data = get_bytes(source, layout.manifest_key(vault_id))
    manifest = decrypt_manifest(data, [identity], mac_key, vault_id=vault_id)
    sha256 = hashlib.sha256(data).hexdigest()
    return manifest, check_seal(source, vault_id, identity, mac_key, manifest, sha256)


def _sealed_content(seal: SealCheck, manifest: Manifest) -> dict[str, str]:
    """Item name -> the sha256 of its version the owner's seal covers."""
    covered = manifest if seal.status == "sealed" else seal.manifest
    if covered is None:  # no seal, or one that does not verify
        return {}
    return {e.name: v.sha256 for e in covered.items if (v := e.newest()) is not None}


def _held(entry: ItemEntry, sealed: dict[str, str]) -> HeldItem | None:
    newest = entry.newest()
    if newest is None:
        return None
    kind = f"phrase ({entry.phrase_kind})" if entry.phrase_kind else entry.kind
    return HeldItem(
        entry.name,
        kind,
        newest.created,
        newest.size,
        sealed.get(entry.name) == newest.sha256,
        identity=None,  # IDENTITY: the manifest's record of it, once keyvault/backup lists one
    )


def list_source(
    source: str,
    home: Path,
    *,
    identity: X25519Identity | None = None,
    passphrase: Secret | None = None,
    b2_credentials: B2Credentials | None = None,
) -> SourceContents:
    """What the backup at ``source`` holds, for the vault key ``identity`` (or the vault
    that ``passphrase`` opens). When no vault there opens, raises what recover would:
    a :class:`~keyvault.errors.RollbackError` met (a forged or damaged manifest), else
    the wrong key's error, else the first error met."""
    if identity is None and passphrase is None:
        raise ValueError("the vault key or the vault passphrase is needed")
    errors: list[KeyvaultError] = []
    for candidate in open_recovery_sources(source, home, b2_credentials):
        checked = wrap(candidate)
        for vault_id in _vault_ids(checked, getattr(candidate, "vault_id", None)):
            try:
                manifest, seal = _open(checked, vault_id, identity, passphrase)
            except KeyvaultError as exc:  # another vault's folder, or not authentic
                errors.append(exc)
                continue
            sealed = _sealed_content(seal, manifest)
            items = (_held(entry, sealed) for entry in manifest.items)
            return SourceContents(
                vault_id,
                manifest.generation,
                seal.status,
                tuple(item for item in items if item is not None),
            )
    # As recover: a forged or rolled-back manifest matters most, then a key that did not fit.
    for kind in (RollbackError, NoMatchingIdentityError, KeyvaultError):
        found = next((e for e in errors if isinstance(e, kind)), None)
        if found is not None:
            raise found
    raise NotFoundError(f"no keyvault backup in {source}")

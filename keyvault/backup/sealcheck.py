"""What recover learns from the owner's seal at a destination.

A seal (:mod:`keyvault.crypto.seal`) sits beside the manifest as ``seal.json``, with a
copy of the manifest it covers as ``sealed-manifest.age``. Recover checks it with the
seal key derived from the vault key it was given (never the key the document names):

============  ===============================================================
status        meaning
============  ===============================================================
``sealed``    the seal covers the current manifest: everything is what the
              owner proved
``older``     the seal covers an older generation, whose manifest is readable:
              items whose newest version differs from the sealed one are also
              restored in their sealed version, labelled
``none``      no owner's seal at the destination
``invalid``   the seal does not verify with the owner's key, names another vault
              or a newer generation, or the manifest it covers cannot be read
============  ===============================================================

Everything read here is untrusted: the seal document and the sealed manifest are read
within the destination's small-object cap and parsed with limits; the sealed manifest
must have the digest the verified seal names and pass the manifest MAC.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from keyvault import layout
from keyvault.crypto import X25519Identity
from keyvault.crypto.seal import parse_seal_document, seal_public, verify_seal
from keyvault.destinations.wrappers import CheckedDestination
from keyvault.errors import KeyvaultError, ObjectNotFoundError
from keyvault.secret import Secret
from keyvault.vault.items import PHRASE_KINDS, parse_phrase_record
from keyvault.wallets.identity import Identity, file_identity, wallet_identity

from .manifest import ItemEntry, Manifest, VersionEntry, decrypt_manifest
from .transfer import get_bytes

__all__ = ["SealCheck", "check_seal", "restored_identity", "sealed_differences"]

SealStatus = Literal["sealed", "older", "none", "invalid"]
_MAX_RECORD = 64 << 10


@dataclass(frozen=True)
class SealCheck:
    """The seal's verdict on one destination (see the module docstring)."""

    status: SealStatus
    #: The owner's seal key, as derived from the vault key recover was given.
    public: str
    #: The generation the seal covers (None unless it verified).
    generation: int | None = None
    #: The sealed manifest (``older`` only).
    manifest: Manifest | None = None

    @property
    def message(self) -> str:
        """One line for the report."""
        if self.status == "sealed":
            return f"the owner's seal covers this generation ({self.generation})"
        if self.status == "older":
            return f"the owner's seal covers an older generation ({self.generation})"
        if self.status == "none":
            return "no owner's seal at this destination"
        return "the seal does not verify"


def check_seal(
    source: CheckedDestination,
    vault_id: str,
    identity: X25519Identity,
    mac_key: Secret,
    current: Manifest,
    current_sha256: str,
) -> SealCheck:
    """Check ``seal.json`` at ``source`` against the current manifest (``current``, whose
    stored bytes have sha256 ``current_sha256``) with the seal key of ``identity``."""
    public = seal_public(identity)
    try:
        document = get_bytes(source, layout.seal_key(vault_id))
    except ObjectNotFoundError:
        return SealCheck("none", public)
    except KeyvaultError:
        return SealCheck("invalid", public)
    try:
        _, statement, signature = parse_seal_document(document)
    except KeyvaultError:
        return SealCheck("invalid", public)
    if (
        not verify_seal(public, statement, signature)
        or statement.vault_id != vault_id
        or statement.generation > current.generation
    ):
        return SealCheck("invalid", public)
    if statement.manifest_sha256 == current_sha256:
        return SealCheck("sealed", public, statement.generation)
    try:
        data = get_bytes(source, layout.sealed_manifest_key(vault_id))
        if hashlib.sha256(data).hexdigest() != statement.manifest_sha256:
            return SealCheck("invalid", public)
        sealed = decrypt_manifest(data, [identity], mac_key, vault_id=vault_id)
    except KeyvaultError:
        return SealCheck("invalid", public)
    if sealed.generation != statement.generation:
        return SealCheck("invalid", public)
    return SealCheck("older", public, statement.generation, sealed)


def sealed_differences(
    sealed: Manifest, current: Manifest
) -> list[tuple[ItemEntry, VersionEntry, VersionEntry | None]]:
    """(sealed item, its newest sealed version, the current newest version or None) for
    each item whose current newest version has other content than the sealed one, or
    that the current manifest no longer holds."""
    now = {entry.name: entry.newest() for entry in current.items}
    found: list[tuple[ItemEntry, VersionEntry, VersionEntry | None]] = []
    for entry in sealed.items:
        version = entry.newest()
        if version is None:
            continue
        latest = now.get(entry.name)
        if latest is None or latest.sha256 != version.sha256:
            found.append((entry, version, latest))
    return found


def restored_identity(kind: str, phrase_kind: str | None, path: Path, sha256: str) -> Identity:
    """The wallet identity of a restored copy at ``path`` (a file or folder just written,
    of item kind ``kind``; ``sha256`` its plaintext hash)."""
    if kind == "folder":
        return Identity(kind="sha256", format="folder", sha256=sha256)
    if kind == "phrase":
        with path.open("rb") as handle:
            data = handle.read(_MAX_RECORD + 1)
        if phrase_kind in PHRASE_KINDS and len(data) <= _MAX_RECORD:
            return parse_phrase_record(Secret(data, label="phrase record")).identity()
        return wallet_identity(data)
    return file_identity(path)

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

:func:`check_seal` uses the seal key derived from the vault key (recover);
:func:`check_seal_public` the public half recorded in the config (``verify``, which has
no vault key). Everything read here is untrusted: the seal document and the sealed manifest are read
within the destination's small-object cap and parsed with limits; the sealed manifest
must have the digest the verified seal names and pass the manifest MAC.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Literal

from keyvault import layout
from keyvault.crypto import X25519Identity
from keyvault.crypto.seal import SealStatement, parse_seal_document, seal_public, verify_seal
from keyvault.destinations.wrappers import CheckedDestination
from keyvault.errors import KeyvaultError, ObjectNotFoundError
from keyvault.secret import Secret

from .manifest import ItemEntry, Manifest, VersionEntry, decrypt_manifest
from .transfer import get_bytes

__all__ = ["SealCheck", "check_seal", "check_seal_public", "sealed_differences"]

SealStatus = Literal["sealed", "older", "none", "invalid"]


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


def _statement(
    source: CheckedDestination, vault_id: str, public: str, newest: int
) -> SealStatement | SealStatus:
    """The verified statement of ``seal.json`` at ``source`` under the seal key
    ``public`` (never the key the document names), or the status when there is none or
    it does not verify (another vault, a generation above ``newest``)."""
    try:
        document = get_bytes(source, layout.seal_key(vault_id))
    except ObjectNotFoundError:
        return "none"
    except KeyvaultError:
        return "invalid"
    try:
        _, statement, signature = parse_seal_document(document)
    except KeyvaultError:
        return "invalid"
    if (
        not verify_seal(public, statement, signature)
        or statement.vault_id != vault_id
        or statement.generation > newest
    ):
        return "invalid"
    return statement


def _sealed_manifest_bytes(
    source: CheckedDestination, vault_id: str, statement: SealStatement
) -> bytes | None:
    """``sealed-manifest.age`` when it is the manifest the statement names, else None."""
    try:
        data = get_bytes(source, layout.sealed_manifest_key(vault_id))
    except KeyvaultError:
        return None
    return data if hashlib.sha256(data).hexdigest() == statement.manifest_sha256 else None


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
    statement = _statement(source, vault_id, public, current.generation)
    if not isinstance(statement, SealStatement):
        return SealCheck(statement, public)
    if statement.manifest_sha256 == current_sha256:
        return SealCheck("sealed", public, statement.generation)
    data = _sealed_manifest_bytes(source, vault_id, statement)
    if data is None:
        return SealCheck("invalid", public)
    try:
        sealed = decrypt_manifest(data, [identity], mac_key, vault_id=vault_id)
    except KeyvaultError:
        return SealCheck("invalid", public)
    if sealed.generation != statement.generation:
        return SealCheck("invalid", public)
    return SealCheck("older", public, statement.generation, sealed)


def check_seal_public(
    source: CheckedDestination,
    vault_id: str,
    public: str,
    current_generation: int,
    current_sha256: str,
) -> SealCheck:
    """Check ``seal.json`` at ``source`` without the vault key, with the seal's public
    half from the config (``verify``): ``sealed`` when it covers the manifest whose
    stored bytes have sha256 ``current_sha256``; ``older`` when it covers an earlier
    generation whose manifest is kept beside it byte for byte (not decrypted here)."""
    statement = _statement(source, vault_id, public, current_generation)
    if not isinstance(statement, SealStatement):
        return SealCheck(statement, public)
    if statement.manifest_sha256 == current_sha256:
        return SealCheck("sealed", public, statement.generation)
    if _sealed_manifest_bytes(source, vault_id, statement) is None:
        return SealCheck("invalid", public)
    return SealCheck("older", public, statement.generation)


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

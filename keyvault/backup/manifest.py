"""The manifest: what one destination holds, authenticated and encrypted.

``keyvault/<vault-id>/manifest.age`` is a JSON document (UTF-8, indented for a human
reader), age-encrypted. It lists the vault id, a generation number that grows with every
manifest the vault writes, the items with their versions (random object ids, sizes,
sha256 of plaintext and of the stored ciphertext, times, the recipient each version was
encrypted to, optionally the wallet identity it holds) and the sha256 of the ``key.age``
stored beside it. Its ``mac`` field is
HMAC-SHA256, under the manifest MAC key (derived from the vault key, see
:func:`keyvault.crypto.vaultkey.derive_manifest_mac_key`), of the canonical JSON of every
other field (keys sorted, no spaces, UTF-8).

The file is encrypted to two recipients: the vault key (so ``age -d -i key.txt
manifest.age`` works for an heir) and a *reader* key derived from the MAC key
(:func:`reader_identity`), which lets unattended runs, holding only the cached MAC key,
read a destination's manifest to detect damage, forgery and other writers. Someone who
holds only the public recipient can encrypt a manifest but cannot MAC it, so
:func:`decrypt_manifest` rejects it; an authentic but older manifest is rejected with
``min_generation``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from keyvault.crypto import X25519Identity, X25519Recipient, decrypt_bytes, encrypt_bytes
from keyvault.errors import ConfigError, IdentityRecordError, RollbackError
from keyvault.layout import relative_object_key
from keyvault.secret import Secret
from keyvault.vault.config import ITEM_KINDS
from keyvault.wallets.identity import Identity

__all__ = [
    "FORMAT",
    "FORMAT_VERSION",
    "ItemEntry",
    "Manifest",
    "VersionEntry",
    "content_mac",
    "decrypt_manifest",
    "encrypt_manifest",
    "reader_identity",
    "seal_manifest",
    "unseal_manifest",
]

FORMAT = "keyvault-manifest"
FORMAT_VERSION = 1
HELP = (
    "keyvault manifest. Each version of an item is the file objects/<object>.age next to "
    "this manifest, encrypted with age to the vault key: age -d -i key.txt objects/<object>.age "
    "> out. kind 'file': the file itself; 'folder': a tar archive (pipe into tar x); "
    "'phrase': a JSON record with the seed phrase. sha256 is of the decrypted bytes, "
    "stored_sha256 of the .age file."
)
_HEX32 = re.compile(r"^[0-9a-f]{32}$")
_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_READER_INFO = b"keyvault manifest reader v1"


@dataclass(frozen=True)
class VersionEntry:
    """One stored version of an item (``created`` is ISO 8601 UTC text)."""

    version: int
    object_id: str
    created: str
    size: int
    sha256: str
    stored_size: int
    stored_sha256: str
    recipient: str
    #: The file's or folder's own name when it was backed up (``None`` for phrases).
    source_name: str | None = None
    #: The wallet this version holds (:mod:`.proof`); ``None`` in manifests of earlier
    #: releases, which wrote none.
    identity: Identity | None = None

    @property
    def object_key(self) -> str:
        """The object's key relative to the vault folder: ``objects/<id>.age``."""
        return relative_object_key(self.object_id)


@dataclass(frozen=True)
class ItemEntry:
    """One item and the versions of it that this destination holds (oldest first)."""

    item_id: str
    name: str
    kind: str
    versions: tuple[VersionEntry, ...]
    phrase_kind: str | None = None

    def newest(self) -> VersionEntry | None:
        """The highest-numbered version, if any."""
        return max(self.versions, key=lambda v: v.version, default=None)


@dataclass(frozen=True)
class Manifest:
    """A manifest's content (the MAC is not part of the value; it is added by sealing)."""

    vault_id: str
    generation: int
    created: str
    items: tuple[ItemEntry, ...] = ()
    #: sha256 (hex) of the key.age stored beside the manifest, if one is.
    key_sha256: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)

    def item(self, name: str) -> ItemEntry | None:
        """The item called ``name``, if listed."""
        return next((i for i in self.items if i.name == name), None)

    def object_ids(self) -> frozenset[str]:
        """Every object id any version refers to."""
        return frozenset(v.object_id for i in self.items for v in i.versions)


# --- document <-> value ------------------------------------------------------------------


def _document(manifest: Manifest) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "help": HELP,
        "vault_id": manifest.vault_id,
        "generation": manifest.generation,
        "created": manifest.created,
        "key_sha256": manifest.key_sha256,
        "items": [
            {
                "id": item.item_id,
                "name": item.name,
                "kind": item.kind,
                "phrase_kind": item.phrase_kind,
                "versions": [_version_document(v) for v in sorted(item.versions, key=_number)],
            }
            for item in sorted(manifest.items, key=lambda i: i.name)
        ],
    }


def _number(version: VersionEntry) -> int:
    return version.version


def _version_document(v: VersionEntry) -> dict[str, Any]:
    document: dict[str, Any] = {
        "version": v.version,
        "object": v.object_id,
        "created": v.created,
        "source_name": v.source_name,
        "size": v.size,
        "sha256": v.sha256,
        "stored_size": v.stored_size,
        "stored_sha256": v.stored_sha256,
        "recipient": v.recipient,
    }
    if v.identity is not None:  # absent, not null: a version without one reads as before
        document["identity"] = v.identity.to_json()
    return document


def _identity(raw: Mapping[str, Any]) -> Identity | None:
    """A version's identity record; one this release cannot read (a newer kind) is left
    out rather than making the whole (authentic) manifest unreadable."""
    value = raw.get("identity")
    if value is None:
        return None
    try:
        return Identity.from_json(value)
    except IdentityRecordError:
        return None


def _canonical(document: Mapping[str, Any]) -> bytes:
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode(
        "utf-8"
    )


def _mac(document: Mapping[str, Any], mac_key: Secret) -> str:
    return hmac.new(mac_key.reveal(), _canonical(document), hashlib.sha256).hexdigest()


class _Bad(Exception):
    """A structural problem; reported to the user only as "not authentic / damaged"."""


def _get(obj: Mapping[str, Any], key: str, kind: type | tuple[type, ...]) -> Any:
    value = obj.get(key)
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is int):
        raise _Bad(key)
    return value


def _opt_str(obj: Mapping[str, Any], key: str) -> str | None:
    value = obj.get(key)
    if value is not None and not isinstance(value, str):
        raise _Bad(key)
    return value


def _hex(value: str, pattern: re.Pattern[str]) -> str:
    if not pattern.match(value):
        raise _Bad("hex")
    return value


def _timestamp(value: str) -> str:
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise _Bad("time") from None
    if parsed.tzinfo is None:
        raise _Bad("time")
    return value


def _count(obj: Mapping[str, Any], key: str) -> int:
    value = _get(obj, key, int)
    if value < 0:
        raise _Bad(key)
    return int(value)


def _parse(document: Mapping[str, Any]) -> Manifest:
    if document.get("format") != FORMAT:
        raise _Bad("format")
    items: list[ItemEntry] = []
    names: set[str] = set()
    for raw_item in _get(document, "items", list):
        if not isinstance(raw_item, dict):
            raise _Bad("item")
        kind = _get(raw_item, "kind", str)
        name = _get(raw_item, "name", str)
        if kind not in ITEM_KINDS or not name or name in names:
            raise _Bad("item")
        names.add(name)
        versions: list[VersionEntry] = []
        for raw in _get(raw_item, "versions", list):
            if not isinstance(raw, dict):
                raise _Bad("version")
            versions.append(
                VersionEntry(
                    version=_count(raw, "version"),
                    object_id=_hex(_get(raw, "object", str), _HEX32),
                    created=_timestamp(_get(raw, "created", str)),
                    size=_count(raw, "size"),
                    sha256=_hex(_get(raw, "sha256", str), _HEX64),
                    stored_size=_count(raw, "stored_size"),
                    stored_sha256=_hex(_get(raw, "stored_sha256", str), _HEX64),
                    recipient=_get(raw, "recipient", str),
                    source_name=_opt_str(raw, "source_name"),
                    identity=_identity(raw),
                )
            )
        if len({v.version for v in versions}) != len(versions):
            raise _Bad("versions")
        items.append(
            ItemEntry(
                item_id=_hex(_get(raw_item, "id", str), _HEX32),
                name=name,
                kind=kind,
                versions=tuple(sorted(versions, key=lambda v: v.version)),
                phrase_kind=_opt_str(raw_item, "phrase_kind"),
            )
        )
    key_sha = _opt_str(document, "key_sha256")
    known = {"format", "format_version", "help", "vault_id", "generation", "created"}
    known |= {"key_sha256", "items", "mac"}
    return Manifest(
        vault_id=_get(document, "vault_id", str),
        generation=_count(document, "generation"),
        created=_timestamp(_get(document, "created", str)),
        items=tuple(items),
        key_sha256=_hex(key_sha, _HEX64) if key_sha is not None else None,
        extra={k: v for k, v in document.items() if k not in known},
    )


# --- sealing -----------------------------------------------------------------------------


def seal_manifest(manifest: Manifest, mac_key: Secret) -> bytes:
    """The manifest as JSON bytes with its ``mac`` field."""
    if len(mac_key) != 32:
        raise ValueError("the manifest MAC key is 32 bytes")
    document = _document(manifest)
    document["mac"] = _mac(document, mac_key)
    return (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def content_mac(manifest: Manifest, mac_key: Secret) -> str:
    """The MAC of the manifest's document (hex): equal for equal content, and cheap
    (canonical compact JSON, no pretty-printing): how a run tells that a destination's
    manifest needs no rewrite."""
    if len(mac_key) != 32:
        raise ValueError("the manifest MAC key is 32 bytes")
    return _mac(_document(manifest), mac_key)


def unseal_manifest(
    data: bytes,
    mac_key: Secret,
    *,
    vault_id: str | None = None,
    min_generation: int | None = None,
) -> Manifest:
    """Parse and authenticate sealed manifest bytes.

    Raises :class:`RollbackError` when the MAC does not match (forged or damaged), the
    document is malformed, the vault id differs from ``vault_id``, or the generation is
    below ``min_generation``; :class:`ConfigError` when a newer keyvault wrote it.
    """
    # Untrusted until the MAC matches: anyone holding the public recipient can encrypt a
    # manifest (deep nesting recurses in the parser; a lone surrogate such as "\ud800"
    # parses but cannot be encoded again for the MAC).
    try:
        document = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise RollbackError("the manifest is damaged or not authentic") from None
    if not isinstance(document, dict) or not isinstance(document.get("mac"), str):
        raise RollbackError("the manifest is damaged or not authentic")
    claimed = document.pop("mac")
    try:
        expected = _mac(document, mac_key)
    except (UnicodeEncodeError, RecursionError):
        raise RollbackError("the manifest is damaged or not authentic") from None
    if not hmac.compare_digest(claimed.encode("utf-8", "replace"), expected.encode()):
        raise RollbackError("the manifest is not authentic (forged, damaged or another vault's)")
    version = document.get("format_version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise RollbackError("the manifest is damaged or not authentic")
    if version > FORMAT_VERSION:
        raise ConfigError(
            f"the manifest was written by a newer keyvault (format {version})",
            hint="upgrade keyvault",
        )
    try:
        manifest = _parse(document)
    except _Bad:
        raise RollbackError("the manifest is damaged or not authentic") from None
    if vault_id is not None and manifest.vault_id != vault_id:
        raise RollbackError("the manifest belongs to another vault")
    if min_generation is not None and manifest.generation < min_generation:
        raise RollbackError(
            f"the manifest is older (generation {manifest.generation}) than one already "
            f"seen (generation {min_generation}): rolled back",
            hint="use a destination with the newest manifest",
        )
    return manifest


# --- encryption --------------------------------------------------------------------------


def reader_identity(mac_key: Secret) -> X25519Identity:
    """The manifest reader key: X25519 from HKDF-SHA256(mac key, "keyvault manifest reader v1").

    Whoever holds the MAC key (this machine's cache, or anyone with the vault key) can read
    manifests with it; it opens no item object.
    """
    raw = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_READER_INFO).derive(
        mac_key.reveal()
    )
    return X25519Identity.from_bytes(Secret(raw, label="manifest reader key"))


def encrypt_manifest(manifest: Manifest, mac_key: Secret, recipient: X25519Recipient) -> bytes:
    """The sealed manifest, age-encrypted to the vault ``recipient`` and the reader key."""
    return encrypt_bytes(
        seal_manifest(manifest, mac_key), [recipient, reader_identity(mac_key).recipient]
    )


def decrypt_manifest(
    data: bytes,
    identities: Sequence[X25519Identity],
    mac_key: Secret,
    *,
    vault_id: str | None = None,
    min_generation: int | None = None,
) -> Manifest:
    """Decrypt ``manifest.age`` bytes and authenticate them (see :func:`unseal_manifest`).

    Decryption errors are those of :func:`keyvault.crypto.decrypt_bytes`
    (:class:`~keyvault.errors.DamagedFileError`, ``NoMatchingIdentityError``, ...).
    """
    return unseal_manifest(
        decrypt_bytes(data, identities),
        mac_key,
        vault_id=vault_id,
        min_generation=min_generation,
    )

"""Where everything lives at a destination: the one place its keys are spelled (pure).

The same layout in a folder on a drive and under a B2 bucket prefix
(ARCHITECTURE.md, "The data at a destination")::

    keyvault/<vault-id>/vault.json        the marker: public facts (format, vault id, created)
    keyvault/<vault-id>/key.age           the vault key, passphrase-encrypted
    keyvault/<vault-id>/manifest.age      what this destination holds, encrypted
    keyvault/<vault-id>/seal.json         the owner's seal over that manifest (public)
    keyvault/<vault-id>/sealed-manifest.age  a copy of the manifest the seal covers
    keyvault/<vault-id>/objects/<id>.age  one item version, age-encrypted to the vault key

Keys are ``/``-separated relative names (``destinations.base.check_key`` rules). The
marker is the one plaintext document; :func:`parse_marker` treats it as untrusted input
(size-capped, depth-limited, typed fields). No I/O here: destinations and the engine
build keys and documents with these functions and move the bytes themselves.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

__all__ = [
    "KEY_NAME",
    "MANIFEST_NAME",
    "MARKER_CAP",
    "MARKER_FORMAT",
    "MARKER_NAME",
    "OBJECTS_DIR",
    "ROOT",
    "SEALED_MANIFEST_NAME",
    "SEAL_NAME",
    "Marker",
    "key_key",
    "manifest_key",
    "marker_document",
    "marker_key",
    "object_id_of",
    "object_key",
    "objects_prefix",
    "parse_marker",
    "relative_object_key",
    "seal_key",
    "sealed_manifest_key",
    "vault_id_of",
    "vault_prefix",
]

#: The folder (key prefix) that holds every vault at a destination.
ROOT = "keyvault/"
MARKER_NAME = "vault.json"
KEY_NAME = "key.age"
MANIFEST_NAME = "manifest.age"
#: The owner's seal over the manifest beside it (keyvault.crypto.seal; public, signed).
SEAL_NAME = "seal.json"
#: A copy of the manifest that ``seal.json`` covers, kept when later generations replace it.
SEALED_MANIFEST_NAME = "sealed-manifest.age"
OBJECTS_DIR = "objects/"
_OBJECT_SUFFIX = ".age"
#: The layout version written into every marker.
MARKER_FORMAT = 1
#: A marker is a few hundred bytes; anything above this is not one.
MARKER_CAP = 64 << 10
_MAX_DEPTH = 8


def vault_prefix(vault_id: str) -> str:
    """The key prefix of everything one vault stores: ``keyvault/<vault-id>/``.

    Raises ``ValueError`` for an id that is not one plain key segment.
    """
    if (
        not isinstance(vault_id, str)
        or not vault_id
        or vault_id in (".", "..")
        or any(ch in vault_id for ch in "/\\\x00")
    ):
        raise ValueError(f"invalid vault id {vault_id!r}: a vault id is a single key segment")
    return f"{ROOT}{vault_id}/"


def marker_key(vault_id: str) -> str:
    """``keyvault/<vault-id>/vault.json``."""
    return vault_prefix(vault_id) + MARKER_NAME


def key_key(vault_id: str) -> str:
    """``keyvault/<vault-id>/key.age``."""
    return vault_prefix(vault_id) + KEY_NAME


def manifest_key(vault_id: str) -> str:
    """``keyvault/<vault-id>/manifest.age``."""
    return vault_prefix(vault_id) + MANIFEST_NAME


def seal_key(vault_id: str) -> str:
    """``keyvault/<vault-id>/seal.json``."""
    return vault_prefix(vault_id) + SEAL_NAME


def sealed_manifest_key(vault_id: str) -> str:
    """``keyvault/<vault-id>/sealed-manifest.age``."""
    return vault_prefix(vault_id) + SEALED_MANIFEST_NAME


def objects_prefix(vault_id: str) -> str:
    """``keyvault/<vault-id>/objects/`` (what pruning and verification list)."""
    return vault_prefix(vault_id) + OBJECTS_DIR


def object_key(vault_id: str, object_id: str) -> str:
    """``keyvault/<vault-id>/objects/<object-id>.age``."""
    return vault_prefix(vault_id) + relative_object_key(object_id)


def relative_object_key(object_id: str) -> str:
    """An object's key relative to its vault folder: ``objects/<object-id>.age``."""
    return OBJECTS_DIR + object_id + _OBJECT_SUFFIX


def object_id_of(vault_id: str, key: str) -> str | None:
    """The object id in an object's key, or ``None`` when ``key`` is not one of this vault's
    objects (another file a user or another tool left there)."""
    prefix = objects_prefix(vault_id)
    if not key.startswith(prefix) or not key.endswith(_OBJECT_SUFFIX):
        return None
    object_id = key[len(prefix) : -len(_OBJECT_SUFFIX)]
    return object_id if object_id and "/" not in object_id else None


def vault_id_of(key: str) -> str | None:
    """The vault id of a key ``keyvault/<vault-id>/manifest.age`` (how recovery finds the
    vaults at a source), else ``None``."""
    parts = key.split("/")
    if len(parts) == 3 and parts[0] + "/" == ROOT and parts[2] == MANIFEST_NAME and parts[1]:
        return parts[1]
    return None


@dataclass(frozen=True)
class Marker:
    """The public facts in ``vault.json``."""

    format: int
    vault_id: str
    created: str


def marker_document(vault_id: str, created: str) -> bytes:
    """The bytes of a marker: public facts only (format version, vault id, created)."""
    document = {"keyvault": "destination marker", "format": MARKER_FORMAT}
    document |= {"vault_id": vault_id, "created": created}
    return (json.dumps(document, indent=2) + "\n").encode("utf-8")


def _depth(text: str) -> int:
    """The deepest nesting of brackets in JSON text (strings skipped), without parsing it."""
    depth = deepest = 0
    in_string = escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "]}":
            depth -= 1
    return deepest


def parse_marker(data: bytes) -> Marker:
    """Read a marker; ``ValueError`` when it is not one (the caller decides what that means).

    Untrusted input: larger than :data:`MARKER_CAP`, nested deeper than a marker ever is,
    not UTF-8 or not JSON, all give ``ValueError``, never a ``RecursionError``.
    """
    if len(data) > MARKER_CAP:
        raise ValueError("not a keyvault marker")
    try:
        text = data.decode("utf-8")
        if _depth(text) > _MAX_DEPTH:
            raise ValueError("not a keyvault marker")
        document: Any = json.loads(text)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise ValueError("not a keyvault marker") from None
    if not isinstance(document, dict):
        raise ValueError("not a keyvault marker")
    version, vault_id, created = (document.get(k) for k in ("format", "vault_id", "created"))
    if not isinstance(version, int) or not isinstance(vault_id, str) or not vault_id:
        raise ValueError("not a keyvault marker")
    return Marker(version, vault_id, created if isinstance(created, str) else "")

"""The configuration record: what keyvault stores (encrypted) for a wallet configuration.

A JSON document an heir can read after ``age -d``::

    {
      "format": "keyvault wallet configuration record",
      "version": 1,
      "name": "family vault",             # the item's name
      "descriptor": "wsh(...)#checksum",   # normal form (keyvault.configs.descriptor)
      "network": "mainnet",
      "source_format": "coldcard",         # what the file read was
      "source": "...",                     # that file's text, as it was
      "label": "CC-2-of-3",                # what the file called the wallet, or null
      "blockheight": 810000,               # its birth height, or null
      "labels": "{...}\\n{...}\\n",         # BIP-329 JSON lines, or null
      "locations": {"1a2b3c4d": "with the lawyer"},   # where each key is kept
      "created": "2026-12-07T17:00:00Z",
      "nonce": "<random hex>"              # keeps the record's hash unguessable
    }

:func:`cosigner_map` says, for each key, which seed-phrase item of the vault holds it
(matched by master fingerprint) and where the others are.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field, replace
from typing import Any

from keyvault.errors import WalletConfigError

from .descriptor import NETWORKS, WalletConfig, parse_descriptor
from .labels import labels_text, parse_labels

__all__ = [
    "MAX_LOCATION",
    "RECORD_FORMAT",
    "ConfigRecord",
    "CosignerEntry",
    "cosigner_map",
    "holding_summary",
    "parse_record",
    "record_bytes",
]

RECORD_FORMAT = "keyvault wallet configuration record"
MAX_LOCATION = 200
_MAX_RECORD = 32 * 1024 * 1024


@dataclass(frozen=True)
class ConfigRecord:
    """A decrypted configuration record (see the module docstring)."""

    name: str
    config: WalletConfig
    source_format: str
    source: str
    label: str | None = None
    blockheight: int | None = None
    labels: str | None = None
    locations: dict[str, str] = field(default_factory=dict)
    created: str = ""

    def with_location(self, fingerprint: str, text: str) -> ConfigRecord:
        """A copy where the key ``fingerprint`` is kept at ``text`` ("" forgets it)."""
        if len(text) > MAX_LOCATION or any(not ch.isprintable() for ch in text):
            raise WalletConfigError(f"a location has at most {MAX_LOCATION} printable characters")
        locations = dict(self.locations)
        if text.strip():
            locations[fingerprint] = text.strip()
        else:
            locations.pop(fingerprint, None)
        return replace(self, locations=locations)


@dataclass(frozen=True)
class CosignerEntry:
    """One key of a configuration: who holds it."""

    letter: str  # "A", "B", ... in the descriptor's order
    fingerprint: str | None
    derivation: str | None
    key: str
    held_by: str | None  # the seed-phrase item of this vault that opens this key
    location: str | None  # free text: where the key is kept


def record_bytes(record: ConfigRecord) -> bytes:
    """The record as the JSON that is encrypted (a fresh nonce each time)."""
    document: dict[str, Any] = {
        "format": RECORD_FORMAT,
        "version": 1,
        "name": record.name,
        "descriptor": record.config.descriptor,
        "network": record.config.network,
        "source_format": record.source_format,
        "source": record.source,
        "label": record.label,
        "blockheight": record.blockheight,
        "labels": record.labels,
        "locations": dict(sorted(record.locations.items())),
        "created": record.created,
        "nonce": secrets.token_hex(16),
    }
    return (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def _optional(document: dict[str, Any], key: str, kind: type) -> Any:
    value = document.get(key)
    if value is not None and (not isinstance(value, kind) or isinstance(value, bool)):
        raise WalletConfigError(f"the configuration record's {key!r} is damaged")
    return value


def parse_record(data: bytes) -> ConfigRecord:
    """Read a decrypted record; the descriptor and labels are checked again."""
    if len(data) > _MAX_RECORD:
        raise WalletConfigError("this is not a keyvault wallet configuration record")
    try:
        document = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise WalletConfigError("this is not a keyvault wallet configuration record") from None
    if not isinstance(document, dict) or document.get("format") != RECORD_FORMAT:
        raise WalletConfigError("this is not a keyvault wallet configuration record")
    name, descriptor = document.get("name"), document.get("descriptor")
    network = document.get("network")
    if not isinstance(name, str) or not isinstance(descriptor, str) or network not in NETWORKS:
        raise WalletConfigError("this is not a keyvault wallet configuration record")
    labels = _optional(document, "labels", str)
    if labels is not None:
        labels = labels_text(parse_labels(labels.encode("utf-8")))
    locations = document.get("locations") or {}
    if not isinstance(locations, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in locations.items()
    ):
        raise WalletConfigError("the configuration record's 'locations' is damaged")
    return ConfigRecord(
        name=name,
        config=parse_descriptor(descriptor, network=network),
        source_format=str(document.get("source_format", "descriptor")),
        source=str(document.get("source", "")),
        label=_optional(document, "label", str),
        blockheight=_optional(document, "blockheight", int),
        labels=labels,
        locations=dict(locations),
        created=str(document.get("created", "")),
    )


def cosigner_map(record: ConfigRecord, held: dict[str, str]) -> list[CosignerEntry]:
    """Each key of ``record`` with the phrase item holding it.

    ``held`` maps a master fingerprint (8 lower-case hex digits) to the name of the
    seed-phrase item of this vault that opens it.
    """
    entries = []
    for index, cosigner in enumerate(record.config.cosigners):
        letter = chr(ord("A") + index) if index < 26 else str(index + 1)
        fingerprint = cosigner.fingerprint
        entries.append(
            CosignerEntry(
                letter=letter,
                fingerprint=fingerprint,
                derivation=cosigner.derivation,
                key=cosigner.key,
                held_by=held.get(fingerprint) if fingerprint else None,
                location=record.locations.get(fingerprint) if fingerprint else None,
            )
        )
    return entries


def holding_summary(entries: list[CosignerEntry], threshold: int | None) -> str:
    """One sentence: how many keys this vault holds, how many are needed, where the rest are.

    ``you hold 2 of the 3 keys here (2 are needed); key C is elsewhere: 'with the lawyer'``
    """
    held = [e for e in entries if e.held_by]
    needed = (
        f"{threshold} {'is' if threshold == 1 else 'are'} needed"
        if threshold
        else ("see the descriptor for which are needed")
    )
    text = f"you hold {len(held)} of the {len(entries)} keys here ({needed})"
    elsewhere = [e for e in entries if not e.held_by]
    if elsewhere:
        places = "; ".join(
            f"key {e.letter} is {repr(e.location) if e.location else 'somewhere not recorded'}"
            for e in elsewhere
        )
        text += f"; {places}"
    return text

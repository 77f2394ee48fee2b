"""What the GUI needs that the core does not offer as functions yet: the CLI commands
write it inline (``keyvault dest add local``, ``dest remove``, ``copy record|confirm|
remove``, and how ``keyvault recover SOURCE`` opens its source).

Until the core has them (requested: functions both faces call), this module composes the
same public core calls the CLI composes: the marker
(:func:`keyvault.destinations.local.create_marker`), the filesystem UUID
(:func:`keyvault.destinations.mounts.filesystem_uuid`), the config
(:func:`keyvault.vault.config.load_config` / ``save_config``) and the source openers
(``LocalDestination``, ``open_b2_source``). It holds no crypto and no policy, and it is
called only from work functions on the pool. Delete it when the core functions land.
"""

from __future__ import annotations

import re
import secrets
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from keyvault.destinations import mounts
from keyvault.destinations.base import Destination
from keyvault.destinations.local import LocalDestination, create_marker, find_vaults
from keyvault.errors import AlreadyExistsError, ConfigError, NotFoundError
from keyvault.vault.config import (
    DestinationConfig,
    PhysicalCopyConfig,
    load_config,
    save_config,
)

__all__ = [
    "LOCAL_MEDIA",
    "PHYSICAL_KINDS",
    "VAULT_KEY_ITEM",
    "add_local_destination",
    "confirm_physical_copy",
    "guess_media",
    "open_recovery_sources",
    "record_physical_copy",
    "remove_destination",
    "remove_physical_copy",
]

#: Media kinds a folder destination can be (as ``keyvault dest add local --media``).
LOCAL_MEDIA = ("internal", "external", "nas", "optical")
PHYSICAL_KINDS = ("paper", "metal")
#: The item name under which the vault key's recovery kit copies are recorded.
VAULT_KEY_ITEM = "vault-key"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
_MAX_LOCATION = 200


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def guess_media(path: Path) -> str:
    """The media kind the OS suggests for ``path`` (removable -> external, share -> nas)."""
    return str(mounts.guess_media(path))


def add_local_destination(
    home: Path, name: str, path: Path, *, media: str, offsite: bool, offline: bool
) -> DestinationConfig:
    """Mark the existing folder ``path`` for this vault and record it as destination ``name``."""
    if not _NAME.match(name):
        raise ConfigError(
            "a destination name has 1-64 letters, digits, '.', '_' or '-', "
            "starting with a letter or digit"
        )
    if media not in LOCAL_MEDIA:
        raise ValueError(f"unknown media kind {media!r}")
    config = load_config(home)
    vault = config.require_vault()
    if config.destination(name) is not None:
        raise AlreadyExistsError(f"a destination called {name!r} exists already")
    folder = Path(path).expanduser().absolute()
    if not folder.is_dir():
        raise NotFoundError(
            f"folder {folder} does not exist",
            hint="create the folder first, or connect and mount the drive",
        )
    folder = folder.resolve()
    for other in config.destinations:
        if other.type == "local" and other.options.get("path") == str(folder):
            raise AlreadyExistsError(f"destination {other.name!r} already uses {folder}")
    fs_uuid = mounts.filesystem_uuid(folder)
    create_marker(folder, vault.id, _now())
    options: dict[str, Any] = {"path": str(folder), "vault_id": vault.id}
    if fs_uuid:
        options["fs_uuid"] = fs_uuid
    entry = DestinationConfig(name, "local", media, offsite, offline, options)
    config.destinations.append(entry)
    save_config(home, config)
    return entry


def remove_destination(home: Path, name: str) -> DestinationConfig:
    """Stop backing up to ``name``; the copies already there are left in place."""
    config = load_config(home)
    entry = config.destination(name)
    if entry is None:
        raise NotFoundError(f"no destination called {name!r}")
    config.destinations.remove(entry)
    save_config(home, config)
    return entry


def record_physical_copy(
    home: Path, item: str, kind: str, location: str, *, offsite: bool, offline: bool = True
) -> PhysicalCopyConfig:
    """Record a paper or metal copy of a phrase item or of the vault key, confirmed now."""
    if kind not in PHYSICAL_KINDS:
        raise ValueError(f"unknown physical copy kind {kind!r}")
    place = " ".join(location.split())
    if not place:
        raise ConfigError("say where the copy is kept, e.g. 'home safe'")
    if len(place) > _MAX_LOCATION:
        raise ConfigError(f"keep the location under {_MAX_LOCATION} characters")
    config = load_config(home)
    if item != VAULT_KEY_ITEM:
        found = config.item(item)
        if found is None:
            raise NotFoundError(f"no item called {item!r}")
        if found.kind != "phrase":
            raise ConfigError(
                f"{item!r} is a {found.kind}: paper and metal copies count only for seed "
                "phrases and the vault key"
            )
    taken = {c.id for c in config.copies}
    copy_id = secrets.token_hex(3)
    while copy_id in taken:
        copy_id = secrets.token_hex(3)
    now = _now()
    entry = PhysicalCopyConfig(copy_id, item, kind, place, now, now, offsite, offline)
    config.copies.append(entry)
    save_config(home, config)
    return entry


def _find_copy(copies: list[PhysicalCopyConfig], copy_id: str) -> PhysicalCopyConfig:
    found = next((c for c in copies if c.id == copy_id), None)
    if found is None:
        raise NotFoundError(f"no recorded copy with id {copy_id!r}")
    return found


def confirm_physical_copy(home: Path, copy_id: str) -> PhysicalCopyConfig:
    """Confirm that a recorded copy is still where it was, and readable (dated now)."""
    config = load_config(home)
    entry = _find_copy(config.copies, copy_id)
    entry.confirmed = _now()
    save_config(home, config)
    return entry


def remove_physical_copy(home: Path, copy_id: str) -> PhysicalCopyConfig:
    """Forget a recorded copy (destroyed or lost)."""
    config = load_config(home)
    entry = _find_copy(config.copies, copy_id)
    config.copies.remove(entry)
    save_config(home, config)
    return entry


def open_recovery_sources(home: Path, source: str) -> list[Destination]:
    """The backup(s) at ``source`` (a folder holding a ``keyvault`` folder, or
    ``b2://bucket/prefix``) opened read-only for recovery, one per vault found there."""
    if source.startswith("b2://"):
        from keyvault.destinations.b2 import open_b2_source

        return [open_b2_source(source, home)]
    folder = Path(source).expanduser().absolute()
    if not folder.is_dir():
        raise NotFoundError(f"folder {folder} does not exist")
    ids = find_vaults(folder)
    if not ids:
        raise NotFoundError(
            f"no keyvault backup in {folder}",
            hint="choose the folder that holds the 'keyvault' folder",
        )
    return [LocalDestination("source", folder, vault_id=vault_id) for vault_id in ids]

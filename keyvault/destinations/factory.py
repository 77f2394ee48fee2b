"""Turn a destination's config entry into a :class:`~keyvault.destinations.base.Destination`.

Opening never touches the storage: a drive that is not mounted still opens, and its
operations raise :class:`~keyvault.errors.DestinationUnavailableError`.

The core's layers keep ``keyvault.destinations`` from importing ``keyvault.vault``, so the
entry is taken structurally (:class:`DestinationSpec`; ``keyvault.vault.config``'s
``DestinationConfig`` is one) and the vault id is read from the entry's options, else
from the config file's ``[vault]`` table.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, cast

from keyvault.errors import ConfigError, NotFoundError, VaultNotInitializedError

from .base import MEDIA_KINDS, Destination, MediaKind
from .local import LocalDestination, find_vaults

if TYPE_CHECKING:  # B2 support is imported only for a b2:// source
    from .b2.credentials import B2Credentials

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

__all__ = [
    "DESTINATION_TYPES",
    "DestinationSpec",
    "describe_location",
    "open_destination",
    "open_recovery_sources",
]

DESTINATION_TYPES = ("local", "b2")


class DestinationSpec(Protocol):
    """The fields of a destination's config entry that opening it needs."""

    name: str
    type: str
    media: str
    offsite: bool
    offline: bool
    options: dict[str, Any]


def _configured_vault_id(home: Path) -> str:
    try:
        raw: Mapping[str, Any] = tomllib.loads((home / "config.toml").read_text("utf-8"))
    except FileNotFoundError:
        raise VaultNotInitializedError() from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read the config in {home}: {exc}") from None
    vault = raw.get("vault")
    vault_id = vault.get("id") if isinstance(vault, dict) else None
    if not isinstance(vault_id, str) or not vault_id:
        raise VaultNotInitializedError()
    return vault_id


def _vault_id(cfg: DestinationSpec, home: Path, configured: str | None) -> str:
    # options["vault_id"] (written by 'dest add', or set by recovery before any vault is
    # configured) wins over the config file.
    explicit = cfg.options.get("vault_id")
    if isinstance(explicit, str) and explicit:
        return explicit
    return configured or _configured_vault_id(home)


def open_destination(
    cfg: DestinationSpec, home: Path, *, vault_id: str | None = None
) -> Destination:
    """The destination described by ``cfg`` (``home`` is the config dir; ``vault_id``,
    when the caller already loaded the config, saves reading it again).

    ``local``: options ``path`` and, when recorded, ``fs_uuid``. ``b2``: handled by
    ``keyvault.destinations.b2.open_b2_destination(cfg, home)``, imported only here.
    Raises :class:`~keyvault.errors.ConfigError` for an unknown type or a bad entry.
    """
    if cfg.media not in MEDIA_KINDS:
        raise ConfigError(f"destination {cfg.name!r} has unknown media kind {cfg.media!r}")
    if cfg.type == "local":
        path = cfg.options.get("path")
        if not isinstance(path, str) or not path:
            raise ConfigError(f"destination {cfg.name!r} has no folder path")
        fs_uuid = cfg.options.get("fs_uuid")
        return LocalDestination(
            cfg.name,
            Path(path),
            vault_id=_vault_id(cfg, home, vault_id),
            media=cast(MediaKind, cfg.media),
            offsite=cfg.offsite,
            offline=cfg.offline,
            fs_uuid=fs_uuid if isinstance(fs_uuid, str) and fs_uuid else None,
        )
    if cfg.type == "b2":
        try:
            module = importlib.import_module("keyvault.destinations.b2")
        except ModuleNotFoundError as exc:
            if exc.name not in ("keyvault.destinations.b2", "b2sdk"):
                raise
            raise ConfigError(
                f"destination {cfg.name!r} is a B2 bucket, but B2 support is not available"
            ) from None
        return cast(Destination, module.open_b2_destination(cfg, home))
    raise ConfigError(
        f"destination {cfg.name!r} has unknown type {cfg.type!r}",
        hint=f"known types: {', '.join(DESTINATION_TYPES)}",
    )


def describe_location(cfg: DestinationSpec) -> str:
    """Where a destination is, in words: its folder, or ``b2://bucket/prefix``."""
    if cfg.type == "local":
        return str(cfg.options.get("path", "?"))
    if cfg.type == "b2":
        prefix = str(cfg.options.get("prefix", "")).strip("/")
        return f"b2://{cfg.options.get('bucket', '?')}" + (f"/{prefix}" if prefix else "")
    return cfg.type


def open_recovery_sources(
    source: str, home: Path, b2_credentials: B2Credentials | None = None
) -> list[Destination]:
    """The backup(s) at ``source`` (a folder holding a ``keyvault`` folder, or
    ``b2://bucket/prefix``, read with ``b2_credentials`` when given, else the
    environment's) opened for recovery, one per vault found there.

    Raises :class:`~keyvault.errors.NotFoundError` when the folder does not exist or
    holds no keyvault backup. B2 support is imported only for a ``b2://`` source.
    """
    if source.startswith("b2://"):
        from .b2 import open_b2_source

        return [open_b2_source(source, home, b2_credentials)]
    folder = Path(source).expanduser().absolute()
    if not folder.is_dir():
        raise NotFoundError(f"folder {folder} does not exist")
    ids = find_vaults(folder)
    if not ids:
        raise NotFoundError(
            f"no keyvault backup in {folder}",
            hint="give the folder that holds the 'keyvault' folder",
        )
    return [LocalDestination("source", folder, vault_id=vault_id) for vault_id in ids]

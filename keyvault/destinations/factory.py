"""Turn a destination's config entry into a :class:`~keyvault.destinations.base.Destination`.

Opening never touches the storage: a drive that is not mounted still opens, and its
operations raise :class:`~keyvault.errors.DestinationUnavailableError`.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import cast

from keyvault.errors import ConfigError
from keyvault.vault.config import DestinationConfig, load_config

from .base import MEDIA_KINDS, Destination, MediaKind
from .local import LocalDestination

__all__ = ["DESTINATION_TYPES", "open_destination"]

DESTINATION_TYPES = ("local", "b2")


def _vault_id(cfg: DestinationConfig, home: Path) -> str:
    # options["vault_id"] lets recovery open a destination before any vault is configured.
    explicit = cfg.options.get("vault_id")
    if isinstance(explicit, str) and explicit:
        return explicit
    return load_config(home).require_vault().id


def open_destination(cfg: DestinationConfig, home: Path) -> Destination:
    """The destination described by ``cfg`` (``home`` is the config dir).

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
            vault_id=_vault_id(cfg, home),
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

"""Opening a B2 destination: from its config entry (``keyvault backup``, ``status``, ...)
or from a ``b2://bucket/prefix`` URL (``keyvault recover`` on a fresh machine).

Opening reads the key from its store and never touches B2.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

from keyvault.errors import DestinationCredentialsError

from ..base import MEDIA_KINDS, MediaKind
from .config import B2Config, B2Settings, cache_path_for, parse_b2_url, realm_from_env
from .credentials import B2Credentials, credentials_from_env, load_credentials
from .destination import B2Destination

__all__ = ["open_b2_destination", "open_b2_source"]


def open_b2_destination(cfg: Any, home: Path) -> B2Destination:
    """The B2 destination a :class:`~keyvault.vault.config.DestinationConfig` describes.

    Its options are parsed by :meth:`.config.B2Config.from_options`. Raises
    :class:`~keyvault.errors.ConfigError` for a malformed entry and
    :class:`~keyvault.errors.DestinationCredentialsError` when the key is not there.
    """
    config = B2Config.from_options(cfg.name, cfg.options)
    media = cast(MediaKind, cfg.media if cfg.media in MEDIA_KINDS else "cloud")
    return B2Destination(
        name=config.name,
        bucket=config.bucket,
        prefix=config.prefix,
        credentials=load_credentials(home, config.credential_store, config.name),
        cache_path=cache_path_for(home, config.name),
        realm=realm_from_env(),
        immutable_days=config.immutable_days,
        retention_mode=config.retention_mode,
        media=media,
        offsite=bool(cfg.offsite),
        offline=bool(cfg.offline),
        settings=B2Settings.from_env(),
    )


def open_b2_source(url: str, home: Path, credentials: B2Credentials | None = None) -> B2Destination:
    """A B2 prefix to recover from on a fresh machine (``recover b2://bucket/prefix``).

    Credentials are ``credentials`` (e.g. the read key typed from the recovery kit),
    else ``B2_APPLICATION_KEY_ID`` / ``B2_APPLICATION_KEY``. The authorization is cached
    in ``home`` like a configured destination's.
    """
    bucket, prefix = parse_b2_url(url)
    credentials = credentials or credentials_from_env()
    if credentials is None:
        raise DestinationCredentialsError(
            f"no B2 credentials to read {url}",
            hint="export B2_APPLICATION_KEY_ID and B2_APPLICATION_KEY",
        )
    return B2Destination(
        name=url,
        bucket=bucket,
        prefix=prefix,
        credentials=credentials,
        cache_path=cache_path_for(home, url),
        realm=realm_from_env(),
        settings=B2Settings.from_env(),
    )

"""Backblaze B2 as a destination: the package's front door.

Modules, one job each:

- :mod:`.config`: the destination's options parsed into :class:`B2Config`, timings in
  :class:`B2Settings`, file info names, cache location, ``b2://`` URLs.
- :mod:`.credentials`: where the application key comes from and is kept.
- :mod:`.destination`: :class:`B2Destination`, the :class:`~keyvault.destinations.base.
  Destination` itself; :mod:`.opening`: opening one from a config entry or a ``b2://``
  URL; :mod:`.downloads`: a download checked before the caller sees it.
- :mod:`.connection`: the b2sdk API over the cache, authorization, bucket id, and running
  one call (once) with its errors mapped.
- :mod:`.large_files`: the large-file upload state machine and the sweep of unfinished ones.
- :mod:`.errors`: b2sdk's failures mapped onto the destination error contract.
- :mod:`.admin`: ``probe`` (``dest add``) and ``create_read_key`` (the heir's key).
- :mod:`.progress`: a put's one hash pass, the windows b2sdk reads, transfer progress.
- :mod:`.cache` (the SQLite account-info cache) and :mod:`.http` (the tuned ``B2Http``)
  subclass b2sdk's classes; they are imported when a destination opens, so importing
  this package does not load b2sdk (``keyvault --help`` stays fast).
"""

from __future__ import annotations

from .admin import READ_ONLY_CAPABILITIES, B2Probe
from .config import (
    ENV_REALM,
    SHA256_INFO,
    B2Config,
    B2Settings,
    RetentionMode,
    cache_path_for,
    parse_b2_url,
    realm_from_env,
)
from .destination import B2Destination
from .opening import open_b2_destination, open_b2_source

__all__ = [
    "ENV_REALM",
    "READ_ONLY_CAPABILITIES",
    "SHA256_INFO",
    "B2Config",
    "B2Destination",
    "B2Probe",
    "B2Settings",
    "RetentionMode",
    "cache_path_for",
    "open_b2_destination",
    "open_b2_source",
    "parse_b2_url",
    "realm_from_env",
]

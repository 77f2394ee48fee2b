"""What a B2 destination is configured with, parsed and checked in one place.

:class:`B2Config` is a destination's config entry (bucket, prefix, retention, credential
store) as a typed frozen value; :class:`B2Settings` holds the timeouts and sizes (tests
shorten them; ``KEYVAULT_B2_TIMEOUT`` overrides the defaults).
Also here: the names B2 objects carry (file info keys), where the local cache lives,
which endpoint is used, and ``b2://bucket/prefix`` URLs. No b2sdk import.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from keyvault.errors import ConfigError

from ..base import check_key
from .credentials import CREDENTIAL_STORES, CredentialStore

__all__ = [
    "CONTENT_TYPE",
    "ENV_REALM",
    "ENV_TIMEOUT",
    "LARGE_FILE_SHA1_INFO",
    "LIST_PAGE",
    "RETENTION_MODES",
    "SHA1_AT_END",
    "SHA256_INFO",
    "SPOOL_IN_MEMORY",
    "B2Config",
    "B2Settings",
    "RetentionMode",
    "cache_path_for",
    "parse_b2_url",
    "realm_from_env",
]

ENV_REALM = "KEYVAULT_B2_REALM"
ENV_TIMEOUT = "KEYVAULT_B2_TIMEOUT"
#: File info key holding the hex sha256 of the whole object.
SHA256_INFO = "kv_sha256"
#: File info key holding the hex SHA1 of a large file's whole content (B2's convention;
#: written by releases before 2026-12, read for objects without ``kv_sha256``).
LARGE_FILE_SHA1_INFO = "large_file_sha1"
#: ``X-Bz-Content-Sha1`` value saying the SHA1 follows the bytes, as 40 hex digits at the
#: end of the request body (B2's ``hex_digits_at_end``): hashed while sending, no pre-pass.
SHA1_AT_END = "hex_digits_at_end"
CONTENT_TYPE = "application/octet-stream"
#: Names per ``b2_list_file_names`` call (B2's maximum for one Class C call).
LIST_PAGE = 1000
#: Downloads are staged here (in memory up to this size, then in a temp file).
SPOOL_IN_MEMORY = 8 * 1024 * 1024

RetentionMode = Literal["governance", "compliance"]
RETENTION_MODES: tuple[RetentionMode, ...] = ("governance", "compliance")


@dataclass(frozen=True)
class B2Settings:
    """Timeouts, part size and token age (defaults suit the real service).

    There is no retry setting: a B2 destination makes one attempt per operation and
    raises :class:`~keyvault.errors.RetryableDestinationError` for a failure that may
    pass; the engine's wrapper stack (:mod:`keyvault.destinations.wrappers`) is the one
    place that retries, within one attempt budget. b2sdk's own HTTP retries are off
    (:mod:`.http`); its one re-authorization of an expired token stays.
    """

    connect_timeout: float = 46.0
    read_timeout: float = 128.0
    #: Part size of large files; default: the account's recommended part size.
    part_size: int | None = None
    #: Re-authorize before a cached token gets this old (B2 tokens last 24 hours), so an
    #: expired token never costs a failed paid call.
    token_max_age: float = 23 * 3600
    clock: Callable[[], float] = field(default=time.time, repr=False, compare=False)

    def __post_init__(self) -> None:
        if min(self.connect_timeout, self.read_timeout) <= 0:
            raise ValueError("timeouts must be positive")
        if self.part_size is not None and self.part_size < 1:
            raise ValueError("part_size must be positive")

    @classmethod
    def from_env(cls) -> B2Settings:
        """Defaults, with ``KEYVAULT_B2_TIMEOUT`` (seconds) as both timeouts."""
        raw = os.environ.get(ENV_TIMEOUT)
        if not raw:
            return cls()
        try:
            seconds = float(raw)
        except ValueError:
            raise ValueError(f"{ENV_TIMEOUT} must be a number of seconds") from None
        return cls(connect_timeout=seconds, read_timeout=seconds)


@dataclass(frozen=True)
class B2Config:
    """A B2 destination's config entry (``options`` of its ``[[destinations]]`` table)."""

    name: str
    bucket: str
    #: Name prefix inside the bucket, without leading or trailing ``/`` ("" for none).
    prefix: str = ""
    #: Days each uploaded object stays locked (Object Lock); 0: no lock.
    immutable_days: int = 0
    retention_mode: RetentionMode = "governance"
    #: Where the application key is kept (never the key itself).
    credential_store: CredentialStore = "env"

    @classmethod
    def from_options(cls, name: str, options: Mapping[str, Any] | None) -> B2Config:
        """Parse ``options`` (``bucket``, ``prefix``, ``immutable_days``, ``retention``,
        ``credentials``); :class:`~keyvault.errors.ConfigError` for a malformed entry."""
        options = dict(options or {})
        bucket = options.get("bucket")
        if not isinstance(bucket, str) or not bucket:
            raise ConfigError(f"B2 destination {name!r} has no bucket in the config")
        days = options.get("immutable_days", 0) or 0
        mode = options.get("retention", "governance")
        if not isinstance(days, int) or days < 0 or mode not in RETENTION_MODES:
            raise ConfigError(f"B2 destination {name!r} has an invalid retention setting")
        store = str(options.get("credentials", "env"))
        if store not in CREDENTIAL_STORES:
            raise ConfigError(
                f"B2 destination {name!r} names an unknown credential store {store!r}"
            )
        return cls(
            name=name,
            bucket=bucket,
            prefix=str(options.get("prefix", "") or ""),
            immutable_days=days,
            retention_mode=mode,
            credential_store=store,  # type: ignore[arg-type]
        )


def cache_path_for(home: Path, name: str) -> Path:
    """The SQLite cache of destination ``name`` (authorization, bucket id, pending uploads)."""
    digest = hashlib.sha256(name.encode("utf-8")).hexdigest()[:20]
    return home / "b2-cache" / f"{digest}.sqlite"


def realm_from_env() -> str:
    """``KEYVAULT_B2_REALM`` (a URL, for tests or another endpoint), else B2 itself."""
    return os.environ.get(ENV_REALM) or "production"


def parse_b2_url(url: str) -> tuple[str, str]:
    """``b2://bucket/some/prefix`` -> ``("bucket", "some/prefix")``; ``ValueError`` if not one."""
    if not url.startswith("b2://"):
        raise ValueError(f"not a B2 URL (b2://bucket/prefix): {url!r}")
    bucket, _, prefix = url[len("b2://") :].partition("/")
    prefix = prefix.strip("/")
    if not bucket or not all(c.isalnum() or c == "-" for c in bucket):
        raise ValueError(f"invalid bucket name in {url!r}")
    if prefix:
        check_key(prefix)
    return bucket, prefix

"""One B2 destination's connection: the b2sdk API over the local cache, the authorization,
the bucket id, and running one call with its errors mapped onto the contract.

Network use starts with the first :meth:`B2Connection.ready` (an operation), never in the
constructor: a destination opens without touching B2. An authorization and a bucket id
found in the cache are used as they are (no paid call); a token older than
``token_max_age`` is renewed first. When the bucket id is first known in a process, large
files a previous run left unfinished are swept (:func:`.large_files.sweep_unfinished`).

Every call is made once (:meth:`B2Connection.run`): see :mod:`.errors` for what becomes
retryable. b2sdk is imported when the connection opens, not with this module.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from keyvault.errors import (
    DestinationCredentialsError,
    DestinationError,
    DestinationPermissionError,
    DestinationUnavailableError,
)

from .config import B2Settings
from .credentials import B2Credentials
from .errors import describe, is_missing_bucket, map_error

__all__ = ["B2Connection"]

_T = TypeVar("_T")


class B2Connection:
    """The b2sdk API, cache and bucket id of one destination (thread-safe setup)."""

    def __init__(
        self,
        *,
        name: str,
        bucket: str,
        credentials: B2Credentials,
        cache_path: Path,
        realm: str,
        settings: B2Settings,
        api_config: Any = None,
    ) -> None:
        """``name`` names the destination in messages; ``api_config`` (a b2sdk
        ``B2HttpApiConfig``) replaces the tuned HTTP stack (tests wire b2sdk's simulator)."""
        self.name = name
        self.bucket = bucket
        self.credentials = credentials
        self.realm = realm
        self.settings = settings
        self._cache_path = cache_path
        self._api_config = api_config
        self._api: Any = None
        self._info: Any = None
        self._bucket_id: str | None = None
        self.lock = threading.RLock()

    @property
    def api(self) -> Any:
        """The b2sdk ``B2Api`` (after :meth:`open`)."""
        return self._api

    @property
    def info(self) -> Any:
        """The cache, a :class:`~.cache.KeyvaultAccountInfo` (after :meth:`open`)."""
        return self._info

    @property
    def bucket_id(self) -> str | None:
        """The bucket's id once :meth:`ready` found it."""
        return self._bucket_id

    def open(self) -> None:
        """Create the b2sdk API object over the local cache (no network)."""
        with self.lock:
            if self._api is not None:
                return
            from b2sdk.v3 import AuthInfoCache, B2Api

            from .cache import KeyvaultAccountInfo
            from .http import api_config as tuned_api_config

            try:
                self._info = KeyvaultAccountInfo(
                    self._cache_path, self.credentials, self.settings.clock
                )
            except (OSError, sqlite3.Error) as exc:
                raise DestinationError(
                    f"cannot open the B2 cache {self._cache_path}: {describe(exc)}"
                ) from None
            api_config = self._api_config
            if api_config is None:
                api_config = tuned_api_config(self.settings)
            self._api = B2Api(
                self._info,
                cache=AuthInfoCache(self._info),
                api_config=api_config,
                # Uploads and downloads go through the session, one request each
                # (destination.py, downloads.py): b2sdk's transfer managers are unused.
                max_upload_workers=1,
                max_download_workers=1,
            )

    def ready(self) -> tuple[Any, str]:
        """The b2sdk API object and the bucket id, authorizing only when nothing is cached."""
        from .large_files import sweep_unfinished

        with self.lock:
            self.open()
            if self._bucket_id is None:
                if not self._info.has_auth_for(
                    self.credentials.key_id, self.realm, self.settings.token_max_age
                ):
                    self.authorize()
                account_id = self._info.get_account_id()
                bucket_id = self._info.cached_bucket_id(self.bucket, account_id)
                if bucket_id is None:
                    bucket_id = self._lookup_bucket_id()
                    self._info.remember_bucket_id(self.bucket, account_id, bucket_id)
                self._bucket_id = bucket_id
                sweep_unfinished(self)
            return self._api, self._bucket_id

    def authorize(self) -> None:
        """Authorize with the application key (one Class C call)."""
        from b2sdk.v3.exception import InvalidAuthToken, Unauthorized

        try:
            self._api.authorize_account(
                self.credentials.key_id, self.credentials.key.reveal_text(), self.realm
            )
        except (InvalidAuthToken, Unauthorized):
            raise DestinationCredentialsError(
                f"B2 rejected the application key {self.credentials.key_id!r} "
                "(wrong key ID or key, or the key was deleted)",
                hint="check B2_APPLICATION_KEY_ID / B2_APPLICATION_KEY or store the key again",
            ) from None

    def forget_bucket(self) -> None:
        """Drop the bucket id (here and in the cache): the next :meth:`ready` looks it up."""
        with self.lock:
            self._bucket_id = None
            if self._info is not None:
                self._info.forget_bucket_id(self.bucket)

    def _lookup_bucket_id(self) -> str:
        from b2sdk.v3.exception import NonExistentBucket, RestrictedBucket

        allowed = self._info.get_allowed()
        restricted = allowed.get("buckets") or []
        if restricted:
            for item in restricted:
                if item.get("name") == self.bucket:
                    return str(item["id"])
            names = ", ".join(str(item.get("name")) for item in restricted)
            raise DestinationPermissionError(
                f"the application key {self.credentials.key_id!r} is restricted to bucket "
                f"{names}, not {self.bucket!r}"
            )
        try:
            return str(self._api.get_bucket_by_name(self.bucket).id_)
        except NonExistentBucket:
            raise DestinationUnavailableError(
                f"there is no bucket named {self.bucket!r} in this B2 account"
            ) from None
        except RestrictedBucket:
            raise DestinationPermissionError(
                f"the application key may not use bucket {self.bucket!r}"
            ) from None

    def run(self, what: str, operation: Callable[[], _T], *, setup: bool = True) -> _T:
        """Run ``operation`` once; map every failure onto the contract.

        A failure that may pass (503, 429, a timeout, a dropped connection, a token that
        expired again right after b2sdk renewed it, a corrupted transfer) becomes
        :class:`~keyvault.errors.RetryableDestinationError`: the engine's retry wrapper
        decides whether to try again, within its one attempt budget. With ``setup`` the
        authorization and bucket id are made sure of first. ``what`` names the operation
        in messages.
        """
        try:
            if setup:
                self.ready()
            return operation()
        except (ValueError, TypeError, DestinationError):
            raise
        except Exception as exc:
            if is_missing_bucket(exc):
                self.forget_bucket()  # the cached bucket id is stale
            raise map_error(
                exc,
                what=what,
                where=f"B2 destination {self.name!r}",
                bucket=self.bucket,
                key_id=self.credentials.key_id,
            ) from None

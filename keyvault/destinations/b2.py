"""Backblaze B2 as a destination: a bucket and a name prefix, through b2sdk's v3 API.

Object keys map to B2 file names ``<prefix>/<key>``. What this module adds to b2sdk:

- **Integrity.** Every upload carries the whole-file sha256 as file info ``kv_sha256``
  (and ``large_file_sha1`` for large files). The server checks each request's SHA1; we
  check the upload's reply (name, size, hashes) and, on download, the length and sha256
  of the bytes received before the caller's sink sees any of them (b2sdk alone does not
  check large files). A mismatch is downloaded again; one that persists is damage at rest,
  and the bytes are then handed over as stored, as the contract says: the caller's own
  sha256 check (the engine's) names the damaged copy, and ``repair`` replaces it.
- **Large files** go up in parts (the account's recommended part size), one part at a
  time with progress. A failed or interrupted large file is cancelled; if even that fails
  (or the process dies), a marker in the local cache makes the next run cancel it, and
  only then is ``b2_list_unfinished_large_files`` (a paid Class C call) used.
- **Few paid calls.** The authorization and the bucket id are cached between runs in an
  SQLite file in the config dir (0600; b2sdk's ``SqliteAccountInfo`` minus the key, which
  stays in its credential store). ``list`` is one ``b2_list_file_names`` call per 1000
  names, ``stat`` a HEAD (Class B), so a backup with nothing to do costs one Class C call
  per B2 destination, two if the cached token expired.
- **Retries.** b2sdk retries each HTTP request (503, 429 with ``Retry-After``, timeouts,
  dropped connections) and re-authorizes an expired token; on top of that each operation
  is attempted :attr:`B2Settings.attempts` times with back-off. All timings live in
  :class:`B2Settings` so tests can shorten them (env: ``KEYVAULT_B2_TIMEOUT``,
  ``KEYVAULT_B2_BACKOFF_MAX``).
- **Object Lock.** With ``immutable_days`` every object is uploaded with a retention
  (governance mode unless compliance is asked for); ``delete`` then refuses and says until
  when the object stays.
- **Errors** are mapped onto the contract in :mod:`keyvault.destinations.base`; no b2sdk,
  requests or OS exception leaves a public method.

``KEYVAULT_B2_REALM`` (a URL) points b2sdk at another endpoint (tests use a local one).
"""

from __future__ import annotations

import builtins
import contextlib
import hashlib
import io
import logging
import os
import random
import sqlite3
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import IO, Any, BinaryIO, Literal, TypeVar, cast

from keyvault.errors import (
    DamagedObjectError,
    DestinationCredentialsError,
    DestinationError,
    DestinationFullError,
    DestinationPermissionError,
    DestinationUnavailableError,
    ObjectNotFoundError,
    RetryableDestinationError,
)
from keyvault.secret import Secret

from .b2_credentials import B2Credentials, credentials_from_env, load_credentials
from .base import (
    MEDIA_KINDS,
    Destination,
    DestinationTraits,
    MediaKind,
    ObjectInfo,
    ProgressCallback,
    TraitProperties,
    check_key,
    read_exactly,
)

__all__ = [
    "ENV_REALM",
    "READ_ONLY_CAPABILITIES",
    "SHA256_INFO",
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

logger = logging.getLogger(__name__)

ENV_REALM = "KEYVAULT_B2_REALM"
ENV_TIMEOUT = "KEYVAULT_B2_TIMEOUT"
ENV_BACKOFF_MAX = "KEYVAULT_B2_BACKOFF_MAX"
#: File info key holding the hex sha256 of the whole object.
SHA256_INFO = "kv_sha256"
LARGE_FILE_SHA1_INFO = "large_file_sha1"
CONTENT_TYPE = "application/octet-stream"
LIST_PAGE = 1000
#: Uploads are staged here (in memory up to this size, then in a temp file).
SPOOL_IN_MEMORY = 8 * 1024 * 1024
#: Capabilities keyvault cannot work without, and those Object Lock needs in addition.
REQUIRED_CAPABILITIES = ("listFiles", "readFiles", "writeFiles")
RETENTION_CAPABILITIES = ("writeFileRetentions",)
#: What a read-only key for the heir may do: find the bucket, list and download (all that
#: ``recover b2://bucket/prefix`` and ``b2 sync`` call), nothing else.
READ_ONLY_CAPABILITIES = ("listBuckets", "listFiles", "readFiles")

RetentionMode = Literal["governance", "compliance"]
_T = TypeVar("_T")


# --- settings ---------------------------------------------------------------------------


@dataclass(frozen=True)
class B2Settings:
    """Retry, timeout and part-size settings (defaults suit the real service).

    ``attempts`` counts whole operations (an upload, a part, a download with its checks);
    ``http_tries`` counts b2sdk's tries of one HTTP request. Waits grow from
    ``backoff_initial`` by doubling up to ``backoff_max``; a server's ``Retry-After`` is
    honoured up to ``backoff_max`` too. ``sleep`` is injectable for tests.
    """

    attempts: int = 4
    http_tries: int = 5
    backoff_initial: float = 1.0
    backoff_max: float = 64.0
    connect_timeout: float = 46.0
    read_timeout: float = 128.0
    #: Part size of large files; default: the account's recommended part size.
    part_size: int | None = None
    #: Re-authorize before a cached token gets this old (B2 tokens last 24 hours), so an
    #: expired token never costs a failed paid call.
    token_max_age: float = 23 * 3600
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False, compare=False)
    clock: Callable[[], float] = field(default=time.time, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.attempts < 1 or self.http_tries < 1:
            raise ValueError("attempts and http_tries must be at least 1")
        if min(self.backoff_initial, self.backoff_max) < 0:
            raise ValueError("back-off times must not be negative")
        if min(self.connect_timeout, self.read_timeout) <= 0:
            raise ValueError("timeouts must be positive")
        if self.part_size is not None and self.part_size < 1:
            raise ValueError("part_size must be positive")

    @classmethod
    def from_env(cls) -> B2Settings:
        """Defaults, with ``KEYVAULT_B2_TIMEOUT`` / ``KEYVAULT_B2_BACKOFF_MAX`` (seconds)."""
        values: dict[str, float] = {}
        for name, fields_ in (
            (ENV_TIMEOUT, ("connect_timeout", "read_timeout")),
            (ENV_BACKOFF_MAX, ("backoff_max",)),
        ):
            raw = os.environ.get(name)
            if raw:
                try:
                    number = float(raw)
                except ValueError:
                    raise ValueError(f"{name} must be a number of seconds") from None
                for field_name in fields_:
                    values[field_name] = number
        if "backoff_max" in values:
            values["backoff_initial"] = min(1.0, values["backoff_max"])
        return cls(**values)  # type: ignore[arg-type]

    def backoff(self, attempt: int) -> float:
        """The wait before retry number ``attempt`` (1-based), with a little jitter."""
        base = min(self.backoff_initial * (2.0 ** (attempt - 1)), self.backoff_max)
        return min(base * (1 + random.random() / 10), self.backoff_max)


def _tuned_b2http(settings: B2Settings) -> Any:
    """A b2sdk ``B2Http`` whose timeouts, tries and back-off come from ``settings``."""
    from b2sdk.v3 import B2Http, B2HttpApiConfig
    from b2sdk.v3.exception import B2Error

    class TunedB2Http(B2Http):  # type: ignore[misc]
        # b2sdk bakes its try counts into default arguments and its back-off into a
        # classmethod; both are overridden here (internal API, pinned by pyproject).
        def __init__(self) -> None:
            super().__init__(B2HttpApiConfig())
            self.CONNECTION_TIMEOUT = settings.connect_timeout
            self.TIMEOUT = settings.read_timeout
            self.TIMEOUT_FOR_UPLOAD = settings.read_timeout
            self.TIMEOUT_FOR_COPY = settings.read_timeout
            self.retries = 0

        def post_json_return_json(
            self, url: str, headers: Any, params: Any, try_count: int | None = None
        ) -> Any:
            return super().post_json_return_json(
                url, headers, params, try_count or settings.http_tries
            )

        def get_content(self, url: str, headers: Any, try_count: int | None = None) -> Any:
            return super().get_content(url, headers, try_count or settings.http_tries)

        def head_content(self, url: str, headers: Any, try_count: int | None = None) -> Any:
            return super().head_content(url, headers, try_count or settings.http_tries)

        def _translate_and_retry(
            self, fcn: Callable[[], Any], try_count: int, post_params: Any = None
        ) -> Any:
            for attempt in range(1, try_count + 1):
                try:
                    return self._translate_errors(fcn, post_params)
                except B2Error as exc:
                    if attempt == try_count or not exc.should_retry_http():
                        raise
                    wait = settings.backoff(attempt)
                    if exc.retry_after_seconds is not None:
                        with contextlib.suppress(TypeError, ValueError):
                            wait = min(float(exc.retry_after_seconds), settings.backoff_max)
                    logger.debug("B2 request failed (%s); retrying in %.2fs", exc, wait)
                    self.retries += 1
                    settings.sleep(wait)
            raise AssertionError("unreachable")  # pragma: no cover

    return TunedB2Http()


def _api_config(settings: B2Settings) -> tuple[Any, Any]:
    """A b2sdk API config over a tuned ``B2Http``, and that ``B2Http`` (it counts retries)."""
    from b2sdk.v3 import B2HttpApiConfig, B2RawHTTPApi

    http = _tuned_b2http(settings)
    return B2HttpApiConfig(_raw_api_class=lambda _default_http: B2RawHTTPApi(http)), http


# --- the local cache --------------------------------------------------------------------


def cache_path_for(home: Path, name: str) -> Path:
    """The SQLite cache of destination ``name`` (authorization, bucket id, pending uploads)."""
    digest = hashlib.sha256(name.encode("utf-8")).hexdigest()[:20]
    return home / "b2-cache" / f"{digest}.sqlite"


class _QuietMissingAccountData(logging.Filter):
    """Drops b2sdk's error-with-traceback for reading an empty cache (an expected state)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("_get_account_info_or_raise encountered")


def _account_info_class() -> Any:
    from b2sdk.v3 import SqliteAccountInfo

    noisy = logging.getLogger("b2sdk._internal.account_info.sqlite_account_info")
    if not any(isinstance(f, _QuietMissingAccountData) for f in noisy.filters):
        noisy.addFilter(_QuietMissingAccountData())

    class KeyvaultAccountInfo(SqliteAccountInfo):  # type: ignore[misc]
        """b2sdk's SQLite account info, without the application key in the file.

        The key comes from its credential store at every run; the file keeps the token,
        URLs and, in keyvault's own tables, bucket ids (which b2sdk forgets at each
        re-authorization) and large files that may be unfinished.
        """

        def __init__(
            self, path: Path, credentials: B2Credentials, clock: Callable[[], float]
        ) -> None:
            self._kv_credentials = credentials
            self._kv_clock = clock
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            super().__init__(file_name=str(path))
            os.chmod(path, 0o600)
            with self._get_connection() as conn:
                conn.execute(
                    "CREATE TABLE IF NOT EXISTS keyvault_bucket "
                    "(name TEXT, account_id TEXT, bucket_id TEXT, PRIMARY KEY (name, account_id))"
                )
                conn.execute(
                    "CREATE TABLE IF NOT EXISTS keyvault_pending "
                    "(marker INTEGER PRIMARY KEY AUTOINCREMENT, file_name TEXT, file_id TEXT)"
                )
                conn.execute("CREATE TABLE IF NOT EXISTS keyvault_auth (authorized_at REAL)")

        def set_auth_data(self, *args: Any, **kwargs: Any) -> None:
            # b2sdk passes these by keyword; the key itself is never written to the file.
            kwargs["application_key"] = ""
            super().set_auth_data(*args, **kwargs)
            with self._get_connection() as conn:
                conn.execute("DELETE FROM keyvault_auth")
                conn.execute("INSERT INTO keyvault_auth VALUES (?)", (self._kv_clock(),))

        def get_application_key(self) -> str:
            return self._kv_credentials.key.reveal_text()

        def has_auth_for(self, key_id: str, realm: str, max_age: float) -> bool:
            """True when a token for this key and realm is cached and younger than max_age."""
            # Queried directly: b2sdk's getters log an error with a traceback when empty.
            conn = self._get_connection()
            row = conn.execute(
                "SELECT account_auth_token, account_id_or_app_key_id, realm FROM account"
            ).fetchone()
            when = conn.execute("SELECT authorized_at FROM keyvault_auth").fetchone()
            return (
                row is not None
                and bool(row[0])
                and (row[1], row[2]) == (key_id, realm)
                and when is not None
                and 0 <= self._kv_clock() - float(when[0]) < max_age
            )

        def cached_bucket_id(self, name: str, account_id: str) -> str | None:
            row = (
                self._get_connection()
                .execute(
                    "SELECT bucket_id FROM keyvault_bucket WHERE name = ? AND account_id = ?",
                    (name, account_id),
                )
                .fetchone()
            )
            return None if row is None else str(row[0])

        def remember_bucket_id(self, name: str, account_id: str, bucket_id: str) -> None:
            with self._get_connection() as conn:
                conn.execute(
                    "INSERT OR REPLACE INTO keyvault_bucket VALUES (?, ?, ?)",
                    (name, account_id, bucket_id),
                )

        def forget_bucket_id(self, name: str) -> None:
            with self._get_connection() as conn:
                conn.execute("DELETE FROM keyvault_bucket WHERE name = ?", (name,))

        def pending_add(self, file_name: str) -> int:
            with self._get_connection() as conn:
                cursor = conn.execute(
                    "INSERT INTO keyvault_pending (file_name) VALUES (?)", (file_name,)
                )
                return int(cursor.lastrowid or 0)

        def pending_set_id(self, marker: int, file_id: str) -> None:
            with self._get_connection() as conn:
                conn.execute(
                    "UPDATE keyvault_pending SET file_id = ? WHERE marker = ?", (file_id, marker)
                )

        def pending_remove(self, marker: int) -> None:
            with self._get_connection() as conn:
                conn.execute("DELETE FROM keyvault_pending WHERE marker = ?", (marker,))

        def pending(self) -> list[tuple[int, str, str | None]]:
            rows = (
                self._get_connection()
                .execute("SELECT marker, file_name, file_id FROM keyvault_pending")
                .fetchall()
            )
            return [(int(m), str(n), None if i is None else str(i)) for m, n, i in rows]

    return KeyvaultAccountInfo


# --- error mapping ----------------------------------------------------------------------


class _Mismatch(Exception):
    """Downloaded bytes do not match the object's recorded hash (maybe in transit)."""


class _Truncated(Exception):
    """A download delivered fewer bytes than the object has."""


def _is_transient(exc: BaseException) -> bool:
    import requests
    from b2sdk.v3.exception import (
        B2Error,
        FileSha1Mismatch,
        MaxRetriesExceeded,
        PartSha1Mismatch,
    )

    if isinstance(exc, _Mismatch | _Truncated | requests.RequestException | FileSha1Mismatch):
        return True
    if isinstance(exc, PartSha1Mismatch | MaxRetriesExceeded):
        return True
    return isinstance(exc, B2Error) and bool(exc.should_retry_http())


def _is_connection_failure(exc: BaseException) -> bool:
    import requests
    from b2sdk.v3.exception import (
        B2ConnectionError,
        B2RequestTimeout,
        BrokenPipe,
        ConnectionReset,
        UnknownHost,
    )

    return isinstance(
        exc,
        B2ConnectionError
        | B2RequestTimeout
        | ConnectionReset
        | UnknownHost
        | BrokenPipe
        | requests.ConnectionError
        | requests.Timeout,
    )


def _resource_not_found() -> type[Exception]:
    # A 404 without a B2 error code (a HEAD of a missing file); b2sdk.v3 does not export it.
    from b2sdk._internal.exception import ResourceNotFound

    return ResourceNotFound  # type: ignore[no-any-return]


def _describe(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    name = type(exc).__name__
    return f"{name}: {text[:200]}" if text else name


# --- the destination --------------------------------------------------------------------


@dataclass(frozen=True)
class B2Probe:
    """What ``dest add`` learned about a key and a bucket (see :meth:`B2Destination.probe`)."""

    bucket_id: str
    capabilities: tuple[str, ...]
    name_prefix: str | None
    #: None when the key may not read the bucket's settings.
    file_lock_enabled: bool | None
    can_bypass_governance: bool
    warnings: tuple[str, ...]


class _Progress:
    """Turns byte counts into monotonic ``(done, total)`` progress calls."""

    def __init__(self, callback: ProgressCallback | None, total: int | None) -> None:
        self._callback = callback
        self.total = total
        self._done = -1

    def report(self, done: int) -> None:
        if self._callback is not None and done > self._done:
            self._done = done
            self._callback(done, self.total)


class _PartReader(io.BytesIO):
    """A part's bytes that report upload progress as the HTTP layer reads them."""

    def __init__(self, data: bytes, base: int, progress: _Progress) -> None:
        super().__init__(data)
        self._base = base
        self._progress = progress

    def read(self, size: int | None = -1, /) -> bytes:
        chunk = super().read(size)
        self._progress.report(self._base + self.tell())
        return chunk


def _download_listener(progress: _Progress) -> Any:
    from b2sdk.v3 import AbstractProgressListener

    class Listener(AbstractProgressListener):  # type: ignore[misc]
        def set_total_bytes(self, total_byte_count: int) -> None:
            pass

        def bytes_completed(self, byte_count: int) -> None:
            progress.report(byte_count)

    return Listener()


class B2Destination(TraitProperties):
    """A prefix in a B2 bucket (see the module docstring for integrity, costs, retries).

    Thread-safe for one operation at a time per instance (keyvault runs one queue per
    destination). Network use starts with the first operation, not in the constructor.
    """

    def __init__(
        self,
        *,
        name: str,
        bucket: str,
        credentials: B2Credentials,
        cache_path: Path,
        prefix: str = "",
        realm: str = "production",
        immutable_days: int = 0,
        retention_mode: RetentionMode = "governance",
        media: MediaKind = "cloud",
        offsite: bool = True,
        offline: bool = False,
        settings: B2Settings | None = None,
        api_config: Any = None,
    ) -> None:
        """``api_config`` (a b2sdk ``B2HttpApiConfig``) replaces the tuned HTTP stack; tests
        pass one wired to b2sdk's ``RawSimulator``."""
        if not bucket:
            raise ValueError("a bucket name is required")
        self._traits = DestinationTraits(name, media, offsite, offline)
        if immutable_days < 0:
            raise ValueError("immutable_days must not be negative")
        if retention_mode not in ("governance", "compliance"):
            raise ValueError("retention_mode must be 'governance' or 'compliance'")
        prefix = prefix.strip("/")
        if prefix:
            check_key(prefix)
        self._bucket_name = bucket
        self._prefix = prefix
        self._root = f"{prefix}/" if prefix else ""
        self._credentials = credentials
        self._realm = realm
        self._immutable_days = immutable_days
        self._retention_mode: RetentionMode = retention_mode
        self._settings = settings or B2Settings()
        self._cache_path = cache_path
        self._api_config = api_config
        self._api: Any = None
        self._info: Any = None
        self._bucket_id: str | None = None
        self._lock = threading.RLock()
        self._http: Any = None
        self._last_attempts = 0

    def __repr__(self) -> str:
        return (
            f"B2Destination(name={self.name!r}, bucket={self._bucket_name!r}, "
            f"prefix={self._prefix!r}, key_id={self._credentials.key_id!r})"
        )

    # --- properties -----------------------------------------------------------------

    @property
    def immutable(self) -> bool:
        return self._immutable_days > 0

    @property
    def bucket(self) -> str:
        """The bucket name."""
        return self._bucket_name

    @property
    def prefix(self) -> str:
        """The name prefix inside the bucket (no leading or trailing ``/``)."""
        return self._prefix

    def location_id(self) -> str:
        # Bucket names are globally unique in B2: two prefixes of one bucket are one place.
        return f"b2:{self._bucket_name}"

    def check_available(self) -> None:
        self._run("connect", lambda: None)

    # --- setup: authorization, bucket id, sweep -------------------------------------

    def _file_name(self, key: str) -> str:
        check_key(key)
        if any(ord(c) < 32 or c == "\x7f" for c in key):
            raise ValueError(f"invalid object key {key!r}: control characters")
        name = self._root + key
        if len(name.encode("utf-8")) > 1024 or any(
            len(s.encode("utf-8")) > 250 for s in name.split("/")
        ):
            raise ValueError(f"object key {key!r} is too long for B2")
        return name

    def _open(self) -> None:
        """Create the b2sdk API object over the local cache (no network)."""
        with self._lock:
            if self._api is not None:
                return
            from b2sdk.v3 import AuthInfoCache, B2Api

            try:
                self._info = _account_info_class()(
                    self._cache_path, self._credentials, self._settings.clock
                )
            except (OSError, sqlite3.Error) as exc:
                raise DestinationError(
                    f"cannot open the B2 cache {self._cache_path}: {_describe(exc)}"
                ) from None
            api_config = self._api_config
            if api_config is None:
                api_config, self._http = _api_config(self._settings)
            self._api = B2Api(
                self._info,
                cache=AuthInfoCache(self._info),
                api_config=api_config,
                max_upload_workers=1,
                max_download_workers=2,
            )

    def _ready(self) -> tuple[Any, str]:
        """The b2sdk API object and the bucket id, authorizing only when nothing is cached."""
        with self._lock:
            self._open()
            if self._bucket_id is None:
                if not self._info.has_auth_for(
                    self._credentials.key_id, self._realm, self._settings.token_max_age
                ):
                    self._authorize()
                account_id = self._info.get_account_id()
                bucket_id = self._info.cached_bucket_id(self._bucket_name, account_id)
                if bucket_id is None:
                    bucket_id = self._lookup_bucket_id()
                    self._info.remember_bucket_id(self._bucket_name, account_id, bucket_id)
                self._bucket_id = bucket_id
                self._sweep_unfinished()
            return self._api, self._bucket_id

    def _authorize(self) -> None:
        from b2sdk.v3.exception import InvalidAuthToken, Unauthorized

        try:
            self._api.authorize_account(
                self._credentials.key_id, self._credentials.key.reveal_text(), self._realm
            )
        except (InvalidAuthToken, Unauthorized):
            raise DestinationCredentialsError(
                f"B2 rejected the application key {self._credentials.key_id!r} "
                "(wrong key ID or key, or the key was deleted)",
                hint="check B2_APPLICATION_KEY_ID / B2_APPLICATION_KEY or store the key again",
            ) from None

    def _lookup_bucket_id(self) -> str:
        from b2sdk.v3.exception import NonExistentBucket, RestrictedBucket

        allowed = self._info.get_allowed()
        restricted = allowed.get("buckets") or []
        if restricted:
            for item in restricted:
                if item.get("name") == self._bucket_name:
                    return str(item["id"])
            names = ", ".join(str(item.get("name")) for item in restricted)
            raise DestinationPermissionError(
                f"the application key {self._credentials.key_id!r} is restricted to bucket "
                f"{names}, not {self._bucket_name!r}"
            )
        try:
            return str(self._api.get_bucket_by_name(self._bucket_name).id_)
        except NonExistentBucket:
            raise DestinationUnavailableError(
                f"there is no bucket named {self._bucket_name!r} in this B2 account"
            ) from None
        except RestrictedBucket:
            raise DestinationPermissionError(
                f"the application key may not use bucket {self._bucket_name!r}"
            ) from None

    def _sweep_unfinished(self) -> None:
        """Cancel large files a previous run left unfinished (only when it recorded some)."""
        pending = self._info.pending()
        if not pending:
            return
        for marker, file_name, file_id in pending:
            try:
                if file_id is not None:
                    self._cancel_large_file(file_id)
                else:
                    self._cancel_unfinished_named(file_name)
                self._info.pending_remove(marker)
            except Exception as exc:  # keep the marker; the next run tries again
                logger.warning("could not cancel an unfinished B2 upload: %s", _describe(exc))

    def _cancel_unfinished_named(self, file_name: str) -> None:
        """Cancel every unfinished large file called ``file_name`` (one Class C call)."""
        reply = self._api.session.list_unfinished_large_files(
            self._bucket_id, prefix=file_name, max_file_count=100
        )
        for entry in reply.get("files", []):
            if entry.get("fileName") == file_name:
                self._cancel_large_file(str(entry["fileId"]))

    def _http_retries(self) -> int:
        return int(getattr(self._http, "retries", 0))

    def _cancel_large_file(self, file_id: str) -> None:
        from b2sdk.v3.exception import BadRequest, FileNotPresent

        ResourceNotFound = _resource_not_found()

        try:
            self._api.session.cancel_large_file(file_id)
        except (FileNotPresent, ResourceNotFound, BadRequest):
            pass  # already finished, cancelled or gone

    # --- running an operation with retries and error mapping ------------------------

    def _run(self, what: str, operation: Callable[[], _T], *, setup: bool = True) -> _T:
        """Run ``operation`` up to ``attempts`` times; map every failure to the contract.

        With ``setup`` each attempt first makes sure of the authorization and bucket id.
        """
        attempt = 0
        while True:
            attempt += 1
            try:
                if setup:
                    self._ready()
                result = operation()
                self._last_attempts = attempt
                return result
            except (ValueError, TypeError, DestinationError):
                raise
            except Exception as exc:
                if _is_transient(exc) and attempt < self._settings.attempts:
                    wait = self._settings.backoff(attempt)
                    logger.info("B2 %s failed (%s); retrying in %.1fs", what, _describe(exc), wait)
                    self._settings.sleep(wait)
                    continue
                raise self._map_error(what, exc) from None

    def _map_error(self, what: str, exc: BaseException) -> DestinationError:
        from b2sdk.v3.exception import (
            AccessDenied,
            BucketIdNotFound,
            FileNotPresent,
            InvalidAuthToken,
            NonExistentBucket,
            NotAllowedByAppKeyError,
            RestrictedBucket,
            RetentionWriteError,
            StorageCapExceeded,
            TransactionCapExceeded,
            Unauthorized,
        )

        where = f"B2 destination {self.name!r}"
        if isinstance(exc, _Mismatch):
            return DamagedObjectError(f"{what} at {where}: {exc}")
        if isinstance(exc, NonExistentBucket | BucketIdNotFound):
            with self._lock:
                self._bucket_id = None
                if self._info is not None:
                    self._info.forget_bucket_id(self._bucket_name)
            return DestinationUnavailableError(
                f"bucket {self._bucket_name!r} of {where} does not exist (any more)"
            )
        if isinstance(exc, FileNotPresent | _resource_not_found()):
            return ObjectNotFoundError(f"{what}: the object is missing at {where}")
        if isinstance(exc, InvalidAuthToken):
            return DestinationCredentialsError(
                f"{where}: B2 no longer accepts the application key {self._credentials.key_id!r}"
            )
        if isinstance(exc, Unauthorized | NotAllowedByAppKeyError | RestrictedBucket):
            return DestinationPermissionError(
                f"{what} at {where}: the application key is not allowed to do this "
                f"({_describe(exc)})"
            )
        if isinstance(exc, AccessDenied | RetentionWriteError):
            return DestinationPermissionError(f"{what} at {where}: access denied")
        if isinstance(exc, StorageCapExceeded):
            return DestinationFullError(
                f"{where}: the account's storage cap is reached",
                hint="raise the cap in the B2 web UI (Caps & Alerts)",
            )
        if isinstance(exc, TransactionCapExceeded):
            return DestinationUnavailableError(
                f"{where}: the account's daily transaction cap is reached",
                hint="raise the cap in the B2 web UI (Caps & Alerts) or wait until tomorrow",
            )
        if _is_connection_failure(exc):
            return DestinationUnavailableError(f"{where} is unreachable ({what}: {_describe(exc)})")
        if isinstance(exc, OSError):
            return DestinationError(f"{what} at {where}: local I/O failed: {_describe(exc)}")
        if _is_transient(exc):
            return RetryableDestinationError(f"{what} at {where} kept failing: {_describe(exc)}")
        return DestinationError(f"{what} at {where} failed: {_describe(exc)}")

    # --- put ------------------------------------------------------------------------

    def put(
        self, key: str, source: BinaryIO, size: int, progress: ProgressCallback | None = None
    ) -> ObjectInfo:
        file_name = self._file_name(key)
        if size < 0:
            raise ValueError("size must not be negative")
        with self._spool(source, size) as (spool, sha1_hex, sha256_hex):
            api, _ = self._run("connect", lambda: self._ready())
            part_size = self._part_size(api)
            tracker = _Progress(progress, size)
            if size <= part_size:
                reply = self._put_small(file_name, spool, size, sha1_hex, sha256_hex, tracker)
            else:
                reply = self._put_large(
                    file_name, spool, size, part_size, sha1_hex, sha256_hex, tracker
                )
        self._check_upload_reply(key, reply, size, sha1_hex, sha256_hex)
        tracker.report(size)
        return ObjectInfo(key, size, int(reply.get("uploadTimestamp") or 0) / 1000 or None)

    @contextlib.contextmanager
    def _spool(self, source: BinaryIO, size: int) -> Iterator[tuple[BinaryIO, str, str]]:
        """Copy exactly ``size`` bytes of ``source`` aside, hashing them (retries re-read it).

        The bytes are ciphertext (or the public marker), so a temp file beyond
        :data:`SPOOL_IN_MEMORY` holds nothing secret.
        """
        sha1, sha256 = hashlib.sha1(), hashlib.sha256()  # noqa: S324 - B2's checksum
        spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY)
        try:
            for chunk in read_exactly(source.read, size):
                spool.write(chunk)
                sha1.update(chunk)
                sha256.update(chunk)
            spool.seek(0)
            yield spool, sha1.hexdigest(), sha256.hexdigest()  # type: ignore[misc]
        finally:
            spool.close()

    def _part_size(self, api: Any) -> int:
        recommended = int(api.account_info.get_recommended_part_size())
        minimum = int(api.account_info.get_absolute_minimum_part_size())
        return max(self._settings.part_size or recommended, minimum, 1)

    def _retention(self) -> Any:
        if not self._immutable_days:
            return None
        from b2sdk.v3 import FileRetentionSetting
        from b2sdk.v3 import RetentionMode as Mode

        until_ms = int((time.time() + self._immutable_days * 86400) * 1000)
        mode = Mode.COMPLIANCE if self._retention_mode == "compliance" else Mode.GOVERNANCE
        return FileRetentionSetting(mode, until_ms)

    def _put_small(
        self,
        file_name: str,
        spool: BinaryIO,
        size: int,
        sha1_hex: str,
        sha256_hex: str,
        tracker: _Progress,
    ) -> dict[str, Any]:
        spool.seek(0)
        data = spool.read()

        def upload() -> dict[str, Any]:
            _, bucket_id = self._ready()
            reply: dict[str, Any] = self._api.session.upload_file(
                bucket_id,
                file_name,
                size,
                CONTENT_TYPE,
                sha1_hex,
                {SHA256_INFO: sha256_hex},
                _PartReader(data, 0, tracker),
                None,
                file_retention=self._retention(),
            )
            return reply

        return self._run(f"upload of {file_name}", upload)

    def _put_large(
        self,
        file_name: str,
        spool: BinaryIO,
        size: int,
        part_size: int,
        sha1_hex: str,
        sha256_hex: str,
        tracker: _Progress,
    ) -> dict[str, Any]:
        file_info = {SHA256_INFO: sha256_hex, LARGE_FILE_SHA1_INFO: sha1_hex}
        info = self._info
        # The marker goes in before the start call: if its reply is lost, or this process
        # dies, the next run finds the unfinished file and cancels it.
        marker = info.pending_add(file_name)

        def start() -> dict[str, Any]:
            _, bucket_id = self._ready()
            reply: dict[str, Any] = self._api.session.start_large_file(
                bucket_id, file_name, CONTENT_TYPE, file_info, file_retention=self._retention()
            )
            return reply

        retries_before = self._http_retries()
        try:
            started = self._run(f"start of large file {file_name}", start)
        except DestinationError:
            # The server may have started it even so; look once, else the next run will.
            try:
                self._cancel_unfinished_named(file_name)
            except Exception as exc:
                logger.warning("could not check for an unfinished B2 upload: %s", _describe(exc))
            else:
                info.pending_remove(marker)
            raise
        file_id = str(started["fileId"])
        # A start call that was repeated may have created a large file whose id we never
        # saw: then the marker keeps no id, and the file name is swept once we are done.
        start_repeated = self._http_retries() != retries_before or self._last_attempts > 1
        if not start_repeated:
            info.pending_set_id(marker, file_id)
        try:
            part_sha1s: list[str] = []
            for number, offset in enumerate(range(0, size, part_size), start=1):
                spool.seek(offset)
                data = spool.read(min(part_size, size - offset))
                part_sha1 = hashlib.sha1(data).hexdigest()  # noqa: S324 - B2's checksum

                def upload_part(
                    number: int = number,
                    data: bytes = data,
                    offset: int = offset,
                    part_sha1: str = part_sha1,
                ) -> Any:
                    self._ready()
                    reply = self._api.session.upload_part(
                        file_id,
                        number,
                        len(data),
                        part_sha1,
                        _PartReader(data, offset, tracker),
                    )
                    if reply.get("contentSha1") != part_sha1:
                        raise DestinationError(f"B2 acknowledged part {number} with a bad SHA1")
                    return reply

                self._run(f"upload of part {number} of {file_name}", upload_part)
                part_sha1s.append(part_sha1)
            finished: dict[str, Any] = self._run(
                f"finish of large file {file_name}",
                lambda: self._api.session.finish_large_file(file_id, part_sha1s),
            )
        except BaseException:
            # Cancel now so no unfinished file (billed storage) stays behind; if that fails
            # too, the marker stays and the next run cancels it.
            try:
                self._cancel_large_file(file_id)
                if start_repeated:
                    self._cancel_unfinished_named(file_name)
            except Exception as exc:
                logger.warning("could not cancel unfinished B2 upload: %s", _describe(exc))
            else:
                info.pending_remove(marker)
            raise
        if start_repeated:
            try:
                self._cancel_unfinished_named(file_name)
            except Exception as exc:  # the marker stays: the next run sweeps
                logger.warning("could not cancel unfinished B2 upload: %s", _describe(exc))
                return finished
        info.pending_remove(marker)
        return finished

    def _check_upload_reply(
        self, key: str, reply: dict[str, Any], size: int, sha1_hex: str, sha256_hex: str
    ) -> None:
        """A put counts only when B2's record matches what we sent, byte count and hashes."""
        info = reply.get("fileInfo") or {}
        stored_sha1 = reply.get("contentSha1")
        problems = []
        if reply.get("fileName") != self._root + key:
            problems.append("name")
        if int(reply.get("contentLength", -1)) != size:
            problems.append("size")
        if info.get(SHA256_INFO) != sha256_hex:
            problems.append("sha256")
        if stored_sha1 not in (None, "none") and stored_sha1 != sha1_hex:
            problems.append("sha1")
        if (stored_sha1 in (None, "none")) and info.get(LARGE_FILE_SHA1_INFO) != sha1_hex:
            problems.append("large file sha1")
        if problems:
            raise DestinationError(
                f"B2 recorded the upload of {key} at {self.name!r} differently from what was "
                f"sent ({', '.join(problems)})"
            )

    # --- get, stat, list ------------------------------------------------------------

    def get(self, key: str, sink: BinaryIO, progress: ProgressCallback | None = None) -> ObjectInfo:
        """Download, check (retrying a corrupted or truncated transfer), then copy to ``sink``."""
        file_name = self._file_name(key)
        spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY)
        tracker = _Progress(progress, None)
        versions: builtins.list[Any] = []
        try:
            try:
                version = self._run(
                    f"download of {key}",
                    lambda: self._download_verified(file_name, spool, tracker, versions),
                )
            except DamagedObjectError:
                # The same mismatch at every attempt: damaged at rest, not in transit. As the
                # contract says, the bytes go to the caller as stored; its sha256 check
                # (the engine's) reports which copy is damaged, and repair replaces it.
                if not versions:
                    raise
                version = versions[-1]
                logger.warning(
                    "the copy of %s at %r does not match its recorded checksum", key, self.name
                )
            spool.seek(0)
            while chunk := spool.read(1 << 20):
                sink.write(chunk)
        finally:
            spool.close()
        size = int(version.content_length)
        tracker.report(size)
        return ObjectInfo(key, size, int(version.upload_timestamp) / 1000 or None)

    def _download_verified(
        self, file_name: str, spool: IO[bytes], tracker: _Progress, versions: builtins.list[Any]
    ) -> Any:
        """Download into ``spool`` and check length and hashes; ``versions`` gets the
        object's record once its bytes are all in the spool."""
        from b2sdk.v3.exception import ChecksumMismatch

        api, _ = self._ready()
        spool.seek(0)
        spool.truncate()
        url = api.session.get_download_url_by_name(self._bucket_name, file_name)
        downloaded = api.services.download_manager.download_file_from_url(
            url, _download_listener(tracker)
        )
        version = downloaded.download_version
        tracker.total = int(version.content_length)
        try:
            downloaded.save(spool, allow_seeking=True)
        except ChecksumMismatch:
            versions.append(version)
            raise _Mismatch("the downloaded bytes do not match the stored SHA1") from None
        finally:
            with contextlib.suppress(Exception):
                downloaded.response.close()
        spool.seek(0, io.SEEK_END)
        received = spool.tell()
        if received != int(version.content_length):
            raise _Truncated(f"received {received} of {version.content_length} bytes")
        versions.append(version)
        expected_sha256 = version.file_info.get(SHA256_INFO)
        expected_sha1 = version.file_info.get(LARGE_FILE_SHA1_INFO)
        if expected_sha256 or expected_sha1:
            spool.seek(0)
            sha256, sha1 = hashlib.sha256(), hashlib.sha1()  # noqa: S324 - B2's checksum
            while chunk := spool.read(1 << 20):
                sha256.update(chunk)
                sha1.update(chunk)
            if expected_sha256 and sha256.hexdigest() != expected_sha256:
                raise _Mismatch("the downloaded bytes do not match the stored sha256")
            if expected_sha1 and sha1.hexdigest() != expected_sha1:
                raise _Mismatch("the downloaded bytes do not match the stored SHA1")
        return version

    def stat(self, key: str) -> ObjectInfo:
        file_name = self._file_name(key)

        def head() -> ObjectInfo:
            api, _ = self._ready()
            headers = api.session.get_file_info_by_name(self._bucket_name, file_name)
            lowered = {str(k).lower(): v for k, v in dict(headers).items()}
            if lowered.get("x-bz-file-name") is None:
                raise DestinationError(f"B2 gave no file information for {key}")
            stamp = int(lowered.get("x-bz-upload-timestamp") or 0)
            return ObjectInfo(key, int(lowered.get("content-length", 0)), stamp / 1000 or None)

        return self._run(f"stat of {key}", head)

    def list(self, prefix: str) -> Iterator[ObjectInfo]:
        full = self._root + prefix

        def fetch() -> builtins.list[ObjectInfo]:
            _, bucket_id = self._ready()
            found: builtins.list[ObjectInfo] = []
            # Starting at the prefix itself saves scanning names before it.
            start: str | None = full or None
            while True:
                reply = self._api.session.list_file_names(
                    bucket_id, start_file_name=start, max_file_count=LIST_PAGE, prefix=full
                )
                for entry in reply.get("files", []):
                    name = str(entry["fileName"])
                    if entry.get("action") != "upload" or not name.startswith(full):
                        continue
                    stamp = int(entry.get("uploadTimestamp") or 0)
                    found.append(
                        ObjectInfo(
                            name[len(self._root) :],
                            int(entry.get("contentLength", 0)),
                            stamp / 1000 or None,
                        )
                    )
                start = reply.get("nextFileName")
                if not start:
                    return sorted(found, key=lambda info: info.key)

        return iter(self._run(f"listing of {prefix or 'everything'}", fetch))

    # --- delete ---------------------------------------------------------------------

    def delete(self, key: str) -> None:
        """Delete every version of ``key``; under Object Lock, say until when it stays."""
        file_name = self._file_name(key)

        def versions() -> builtins.list[dict[str, Any]]:
            _, bucket_id = self._ready()
            found: builtins.list[dict[str, Any]] = []
            start_id: str | None = None
            while True:
                reply = self._api.session.list_file_versions(
                    bucket_id,
                    start_file_name=file_name,
                    start_file_id=start_id,
                    max_file_count=100,
                    prefix=file_name,
                )
                found += [e for e in reply.get("files", []) if e.get("fileName") == file_name]
                if reply.get("nextFileName") != file_name or not reply.get("nextFileId"):
                    return found
                start_id = str(reply["nextFileId"])

        from b2sdk.v3.exception import AccessDenied, FileNotPresent, Unauthorized

        for entry in self._run(f"listing versions of {key}", versions):

            def delete_one(entry: dict[str, Any] = entry) -> None:
                self._ready()
                try:
                    self._api.session.delete_file_version(entry["fileId"], file_name, False)
                except FileNotPresent:
                    pass
                except AccessDenied:
                    raise DestinationPermissionError(self._locked_message(key, entry)) from None
                except Unauthorized as exc:
                    # Real B2 answers a delete under Object Lock with 401 "access_denied".
                    if exc.code != "access_denied":
                        raise
                    raise DestinationPermissionError(self._locked_message(key, entry)) from None

            self._run(f"delete of {key}", delete_one)

    def _locked_message(self, key: str, entry: dict[str, Any]) -> str:
        value = ((entry.get("fileRetention") or {}).get("value")) or {}
        until = value.get("retainUntilTimestamp")
        mode = value.get("mode")
        if until:
            when = datetime.fromtimestamp(int(until) / 1000, tz=timezone.utc)
            return (
                f"object {key} stays at B2 destination {self.name!r} until "
                f"{when:%Y-%m-%d %H:%M} UTC (Object Lock, {mode} mode)"
            )
        return f"object {key} is protected by Object Lock at B2 destination {self.name!r}"

    # --- dest add -------------------------------------------------------------------

    def probe(self) -> B2Probe:
        """Check the key and the bucket for ``dest add``; raise precisely what is wrong.

        Authorizes (always, ignoring the cache), resolves the bucket and checks the key's
        capabilities and name prefix against this destination's settings. Costs up to two
        Class C calls (authorization, bucket lookup) plus one to read the bucket settings.
        """
        with self._lock:
            self._open()
            self._run("authorization", self._authorize, setup=False)
            self._info.forget_bucket_id(self._bucket_name)
            self._bucket_id = None
            self._run("bucket lookup", lambda: None)
        allowed = self._info.get_allowed()
        capabilities = tuple(str(c) for c in allowed.get("capabilities") or ())
        name_prefix = allowed.get("namePrefix")
        if name_prefix and not (self._root + "keyvault/").startswith(name_prefix):
            raise DestinationPermissionError(
                f"the application key only allows names starting with {name_prefix!r}, "
                f"but keyvault would write under {self._root + 'keyvault/'!r}",
                hint=f"use --prefix {name_prefix.rstrip('/')!r} (or a longer prefix inside it)",
            )
        missing = [c for c in REQUIRED_CAPABILITIES if c not in capabilities]
        if self.immutable:
            missing += [c for c in RETENTION_CAPABILITIES if c not in capabilities]
        if missing:
            raise DestinationPermissionError(
                f"the application key {self._credentials.key_id!r} lacks "
                f"{', '.join(missing)} (it has: {', '.join(capabilities) or 'nothing'})",
                hint="create a key with read and write access to this bucket",
            )
        warnings: builtins.list[str] = []
        if "deleteFiles" not in capabilities:
            warnings.append(
                "the key cannot delete files: old versions cannot be pruned and 'remove' "
                "cannot free space at B2"
            )
        lock_enabled = self._bucket_settings(warnings)
        if self.immutable and lock_enabled is False:
            raise DestinationPermissionError(
                f"bucket {self._bucket_name!r} does not have Object Lock enabled, so "
                "--immutable-days cannot protect anything",
                hint="create a bucket with Object Lock enabled, or leave out --immutable-days",
            )
        bypass = "bypassGovernance" in capabilities
        if self.immutable and self._retention_mode == "governance" and bypass:
            warnings.append(
                "this key has the bypassGovernance capability: whoever holds it can delete "
                "the locked copies, so they are not really immutable; use --compliance or a "
                "key without bypassGovernance"
            )
        assert self._bucket_id is not None
        return B2Probe(
            bucket_id=self._bucket_id,
            capabilities=capabilities,
            name_prefix=name_prefix,
            file_lock_enabled=lock_enabled,
            can_bypass_governance=bypass,
            warnings=tuple(warnings),
        )

    def _bucket_settings(self, warnings: builtins.list[str]) -> bool | None:
        """Whether the bucket has Object Lock; warns when old versions are never pruned."""
        from b2sdk.v3.exception import B2Error

        try:
            bucket = self._api.get_bucket_by_id(self._bucket_id).get_fresh_state()
        except B2Error as exc:
            warnings.append(f"could not read the bucket's settings ({_describe(exc)})")
            return None
        rules = list(bucket.lifecycle_rules or [])
        prunes = any(
            (self._root + "keyvault/").startswith(str(rule.get("fileNamePrefix") or ""))
            and rule.get("daysFromHidingToDeleting")
            for rule in rules
        )
        if not prunes:
            warnings.append(
                "no lifecycle rule deletes old versions under this prefix: every overwritten "
                "manifest stays stored (and billed); consider the rule 'keep only the last "
                "version' (daysFromHidingToDeleting=1)"
            )
        return bool(bucket.is_file_lock_enabled)

    # --- the heir's read-only key ---------------------------------------------------

    def create_read_key(self) -> tuple[str, Secret]:
        """Create a read-only application key for this bucket and prefix; (key ID, key).

        The key has :data:`READ_ONLY_CAPABILITIES`, no expiry, and is restricted to this
        bucket and to names under this destination's prefix (``keyvault/`` when it has
        none, so it never opens the rest of the bucket). It is made with this
        destination's own key, which needs ``writeKeys`` and no bucket restriction (B2
        lets only such keys create keys): otherwise
        :class:`~keyvault.errors.DestinationPermissionError` says how to make one by hand.
        One Class C call (plus the authorization, if none is cached).
        """
        name_prefix = self._root or "keyvault/"
        cleaned = "".join(c if c.isascii() and c.isalnum() else "-" for c in self.name)
        key_name = f"keyvault-read-{cleaned}"[:100]

        def create() -> Any:
            api, bucket_id = self._ready()
            return api.create_key(
                list(READ_ONLY_CAPABILITIES),
                key_name,
                bucket_ids=[bucket_id],
                name_prefix=name_prefix,
            )

        try:
            created = self._run("creating a read-only key", create)
        except DestinationPermissionError:
            raise DestinationPermissionError(
                f"the application key {self._credentials.key_id!r} of B2 destination "
                f"{self.name!r} may not create keys (it needs writeKeys and no bucket "
                "restriction)",
                hint=f"create a read-only key in the B2 web UI (Application Keys: bucket "
                f"{self._bucket_name}, prefix {name_prefix}, Read Only), or store a key "
                "that may create keys for this destination",
            ) from None
        return str(created.id_), Secret(str(created.application_key), label="B2 key")


# --- opening ----------------------------------------------------------------------------


def realm_from_env() -> str:
    """``KEYVAULT_B2_REALM`` (a URL, for tests or another endpoint), else B2 itself."""
    return os.environ.get(ENV_REALM) or "production"


def open_b2_destination(cfg: Any, home: Path) -> B2Destination:
    """The B2 destination a :class:`~keyvault.vault.config.DestinationConfig` describes.

    Options: ``bucket`` (required), ``prefix``, ``immutable_days``, ``retention``
    (``governance``/``compliance``), ``credentials`` (``env``/``keyring``/``file``).
    Raises :class:`~keyvault.errors.ConfigError` for a malformed entry and
    :class:`~keyvault.errors.DestinationCredentialsError` when the key is not there.
    """
    from keyvault.errors import ConfigError

    options = dict(cfg.options or {})
    bucket = options.get("bucket")
    if not isinstance(bucket, str) or not bucket:
        raise ConfigError(f"B2 destination {cfg.name!r} has no bucket in the config")
    days = options.get("immutable_days", 0) or 0
    mode = options.get("retention", "governance")
    if not isinstance(days, int) or days < 0 or mode not in ("governance", "compliance"):
        raise ConfigError(f"B2 destination {cfg.name!r} has an invalid retention setting")
    store = str(options.get("credentials", "env"))
    try:
        credentials = load_credentials(home, store, cfg.name)
    except ValueError:
        raise ConfigError(
            f"B2 destination {cfg.name!r} names an unknown credential store {store!r}"
        ) from None
    media = cast(MediaKind, cfg.media if cfg.media in MEDIA_KINDS else "cloud")
    return B2Destination(
        name=cfg.name,
        bucket=bucket,
        prefix=str(options.get("prefix", "") or ""),
        credentials=credentials,
        cache_path=cache_path_for(home, cfg.name),
        realm=realm_from_env(),
        immutable_days=days,
        retention_mode=mode,
        media=media,
        offsite=bool(cfg.offsite),
        offline=bool(cfg.offline),
        settings=B2Settings.from_env(),
    )


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


def open_b2_source(url: str, home: Path) -> B2Destination:
    """A B2 prefix to recover from on a fresh machine (``recover b2://bucket/prefix``).

    Credentials come from ``B2_APPLICATION_KEY_ID`` / ``B2_APPLICATION_KEY``. The
    authorization is cached in ``home`` like a configured destination's.
    """
    bucket, prefix = parse_b2_url(url)
    credentials = credentials_from_env()
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


def _conforms(destination: B2Destination) -> Destination:
    # mypy checks here that B2Destination keeps the Destination protocol.
    return destination

"""Backblaze B2 as a destination: a bucket and a name prefix, through b2sdk's v3 API.

Object keys map to B2 file names ``<prefix>/<key>``. What this adds to b2sdk:

- **Integrity.** Every upload carries the whole-file sha256 as file info ``kv_sha256``
  (and ``large_file_sha1`` for large files). The server checks each request's SHA1; we
  check the upload's reply (name, size, hashes) and, on download, the length and sha256
  of the bytes received before the caller's sink sees any of them (b2sdk alone does not
  check large files). A mismatch is downloaded again; one that persists is damage at rest,
  and the bytes are then handed over as stored, as the contract says: the caller's own
  sha256 check (the engine's) names the damaged copy, and ``repair`` replaces it.
- **Large files** go up in parts (:mod:`.large_files`), never left unfinished behind.
- **Few paid calls.** The authorization and the bucket id are cached between runs
  (:mod:`.cache`). ``list`` is one ``b2_list_file_names`` call per 1000 names, ``stat`` a
  HEAD (Class B), so a backup with nothing to do costs one Class C call per B2
  destination, two if the cached token expired.
- **Retries.** b2sdk retries each HTTP request (503, 429 with ``Retry-After``, timeouts,
  dropped connections; :mod:`.http`) and re-authorizes an expired token; on top of that
  each operation is attempted :attr:`~.config.B2Settings.attempts` times with back-off.
- **Object Lock.** With ``immutable_days`` every object is uploaded with a retention
  (governance mode unless compliance is asked for); ``delete`` then refuses and says until
  when the object stays.
- **Errors** are mapped onto the contract in :mod:`keyvault.destinations.base`
  (:mod:`.errors`); no b2sdk, requests or OS exception leaves a public method.

b2sdk is imported when the first operation runs, not with this module.
"""

from __future__ import annotations

import builtins
import contextlib
import hashlib
import io
import logging
import sqlite3
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import IO, Any, BinaryIO, TypeVar, cast

from keyvault.errors import (
    DamagedObjectError,
    DestinationCredentialsError,
    DestinationError,
    DestinationPermissionError,
    DestinationUnavailableError,
)
from keyvault.secret import Secret

from ..base import (
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
from . import large_files
from .admin import B2Probe
from .config import (
    CONTENT_TYPE,
    LARGE_FILE_SHA1_INFO,
    LIST_PAGE,
    SHA256_INFO,
    SPOOL_IN_MEMORY,
    B2Config,
    B2Settings,
    RetentionMode,
    cache_path_for,
    parse_b2_url,
    realm_from_env,
)
from .credentials import B2Credentials, credentials_from_env, load_credentials
from .errors import (
    Mismatch,
    Truncated,
    describe,
    is_missing_bucket,
    is_transient,
    map_error,
)
from .progress import PartReader, Progress

__all__ = ["B2Destination", "open_b2_destination", "open_b2_source"]

logger = logging.getLogger(__name__)

_T = TypeVar("_T")


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
    def retention_mode(self) -> RetentionMode:
        """The Object Lock mode of uploads (when :attr:`immutable`)."""
        return self._retention_mode

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

            from .cache import KeyvaultAccountInfo
            from .http import api_config as tuned_api_config

            try:
                self._info = KeyvaultAccountInfo(
                    self._cache_path, self._credentials, self._settings.clock
                )
            except (OSError, sqlite3.Error) as exc:
                raise DestinationError(
                    f"cannot open the B2 cache {self._cache_path}: {describe(exc)}"
                ) from None
            api_config = self._api_config
            if api_config is None:
                api_config, self._http = tuned_api_config(self._settings)
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
                large_files.sweep_unfinished(self)
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
                if is_transient(exc) and attempt < self._settings.attempts:
                    wait = self._settings.backoff(attempt)
                    logger.info("B2 %s failed (%s); retrying in %.1fs", what, describe(exc), wait)
                    self._settings.sleep(wait)
                    continue
                raise self._map_error(what, exc) from None

    def _http_retries(self) -> int:
        """How many HTTP requests b2sdk repeated so far (0 with an injected API config)."""
        return int(getattr(self._http, "retries", 0))

    def _map_error(self, what: str, exc: BaseException) -> DestinationError:
        if is_missing_bucket(exc):
            # The cached bucket id is stale: look it up again next time.
            with self._lock:
                self._bucket_id = None
                if self._info is not None:
                    self._info.forget_bucket_id(self._bucket_name)
        return map_error(
            exc,
            what=what,
            where=f"B2 destination {self.name!r}",
            bucket=self._bucket_name,
            key_id=self._credentials.key_id,
        )

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
            tracker = Progress(progress, size)
            if size <= part_size:
                reply = self._put_small(file_name, spool, size, sha1_hex, sha256_hex, tracker)
            else:
                reply = large_files.put_large(
                    self, file_name, spool, size, part_size, sha1_hex, sha256_hex, tracker
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
        tracker: Progress,
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
                PartReader(data, 0, tracker),
                None,
                file_retention=self._retention(),
            )
            return reply

        return self._run(f"upload of {file_name}", upload)

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
        tracker = Progress(progress, None)
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
        self, file_name: str, spool: IO[bytes], tracker: Progress, versions: builtins.list[Any]
    ) -> Any:
        """Download into ``spool`` and check length and hashes; ``versions`` gets the
        object's record once its bytes are all in the spool."""
        from b2sdk.v3.exception import ChecksumMismatch

        from .http import DownloadListener

        api, _ = self._ready()
        spool.seek(0)
        spool.truncate()
        url = api.session.get_download_url_by_name(self._bucket_name, file_name)
        downloaded = api.services.download_manager.download_file_from_url(
            url, DownloadListener(tracker)
        )
        version = downloaded.download_version
        tracker.total = int(version.content_length)
        try:
            downloaded.save(spool, allow_seeking=True)
        except ChecksumMismatch:
            versions.append(version)
            raise Mismatch("the downloaded bytes do not match the stored SHA1") from None
        finally:
            with contextlib.suppress(Exception):
                downloaded.response.close()
        spool.seek(0, io.SEEK_END)
        received = spool.tell()
        if received != int(version.content_length):
            raise Truncated(f"received {received} of {version.content_length} bytes")
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
                raise Mismatch("the downloaded bytes do not match the stored sha256")
            if expected_sha1 and sha1.hexdigest() != expected_sha1:
                raise Mismatch("the downloaded bytes do not match the stored SHA1")
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

    # --- administration (keyvault.destinations.b2.admin) ----------------------------

    def probe(self) -> B2Probe:
        """Check the key and the bucket for ``dest add`` (see :func:`.admin.probe`)."""
        from .admin import probe

        return probe(self)

    def create_read_key(self) -> tuple[str, Secret]:
        """A new read-only key for this bucket and prefix (see :func:`.admin.create_read_key`)."""
        from .admin import create_read_key

        return create_read_key(self)


# --- opening ----------------------------------------------------------------------------


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

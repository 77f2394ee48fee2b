"""Backblaze B2 as a destination: a bucket and a name prefix, through b2sdk's v3 API.

Object keys map to B2 file names ``<prefix>/<key>``. What this adds to b2sdk:

- **Integrity.** Every upload carries the whole-file sha256 as file info ``kv_sha256``.
  The server checks each request's SHA1; we check the upload's reply (name, size,
  hashes) and, on download, the length and sha256
  of the bytes received before the caller's sink sees any of them (b2sdk alone does not
  check large files). A mismatch is downloaded again; one that persists is damage at rest,
  and the bytes are then handed over as stored, as the contract says: the caller's own
  sha256 check (the engine's) names the damaged copy, and ``repair`` replaces it.
- **One pass over a put's source**, no copy: b2sdk reads it where it is, and the SHA-1
  B2 wants of each request is computed on the way and sent after the bytes
  (:mod:`.progress`); the sha256 comes from the caller (hashed here, in a pass of its
  own, only when the caller does not know it). Large files go up in parts
  (:mod:`.large_files`), never left unfinished behind.
- **Few paid calls.** The authorization and the bucket id are cached between runs
  (:mod:`.cache`, :mod:`.connection`). ``list`` is one ``b2_list_file_names`` call per
  1000 names, ``stat`` a HEAD (Class B), so a backup with nothing to do costs one Class C
  call per B2 destination, two if the cached token expired.
- **One attempt per operation.** b2sdk's HTTP retries are off (:mod:`.http`); a failure
  that may pass raises :class:`~keyvault.errors.RetryableDestinationError`, and the
  engine's retry wrapper (:mod:`keyvault.destinations.wrappers`) is the one place that
  tries again, within one attempt budget.
- **Object Lock.** With ``immutable_days`` every object is uploaded with a retention
  (governance mode unless compliance is asked for); ``delete`` then refuses and says until
  when the object stays.
- **Errors** are mapped onto the contract in :mod:`keyvault.destinations.base`
  (:mod:`.errors`); no b2sdk, requests or OS exception leaves a public method.

b2sdk is imported when the first operation runs, not with this module.
"""

from __future__ import annotations

import builtins
import logging
import tempfile
import time
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, BinaryIO, cast

from keyvault.errors import (
    DestinationError,
    DestinationPermissionError,
)
from keyvault.secret import Secret

from ..base import (
    Destination,
    DestinationTraits,
    MediaKind,
    ObjectInfo,
    ProgressCallback,
    TraitProperties,
    check_key,
)
from . import large_files
from .admin import B2Probe
from .config import (
    CONTENT_TYPE,
    LIST_PAGE,
    SHA1_AT_END,
    SHA256_INFO,
    SPOOL_IN_MEMORY,
    B2Settings,
    RetentionMode,
)
from .connection import B2Connection
from .credentials import B2Credentials
from .downloads import download_checked
from .progress import Progress, SourceWindow, sha256_of

__all__ = ["B2Destination"]

logger = logging.getLogger(__name__)


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
        self._prefix = prefix
        self._root = f"{prefix}/" if prefix else ""
        self._immutable_days = immutable_days
        self._retention_mode: RetentionMode = retention_mode
        self._settings = settings or B2Settings()
        #: The b2sdk API, cache, authorization and bucket id (:mod:`.connection`).
        self.connection = B2Connection(
            name=name,
            bucket=bucket,
            credentials=credentials,
            cache_path=cache_path,
            realm=realm,
            settings=self._settings,
            api_config=api_config,
        )
        #: file name -> sha256 of the wrong bytes its last download gave (see :meth:`get`).
        self._mismatches: dict[str, str] = {}

    def __repr__(self) -> str:
        return (
            f"B2Destination(name={self.name!r}, bucket={self.bucket!r}, "
            f"prefix={self._prefix!r}, key_id={self.connection.credentials.key_id!r})"
        )

    # --- properties -----------------------------------------------------------------

    @property
    def immutable(self) -> bool:
        return self._immutable_days > 0

    @property
    def bucket(self) -> str:
        """The bucket name."""
        return self.connection.bucket

    @property
    def retention_mode(self) -> RetentionMode:
        """The Object Lock mode of uploads (when :attr:`immutable`)."""
        return self._retention_mode

    @property
    def prefix(self) -> str:
        """The name prefix inside the bucket (no leading or trailing ``/``)."""
        return self._prefix

    @property
    def root(self) -> str:
        """What every file name starts with: ``<prefix>/``, or "" without a prefix."""
        return self._root

    def location_id(self) -> str:
        # Bucket names are globally unique in B2: two prefixes of one bucket are one place.
        return f"b2:{self.bucket}"

    def check_available(self) -> None:
        self.connection.run("connect", lambda: None)

    # --- names and uploads' settings ------------------------------------------------

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

    # --- put ------------------------------------------------------------------------

    def put(
        self,
        key: str,
        source: BinaryIO,
        size: int,
        progress: ProgressCallback | None = None,
        *,
        sha256: str | None = None,
    ) -> ObjectInfo:
        """Upload ``size`` bytes of ``source``: seekable, at its start, the same bytes after
        a seek back (the contract in ``base``), so nothing is copied aside.

        The upload is the one pass over ``source``: each request's SHA-1 is computed as
        its bytes are sent (:class:`~.progress.SourceWindow`). Without ``sha256`` the
        source is hashed first, in a pass of its own. One attempt (:meth:`.B2Connection.run`).
        """
        file_name = self._file_name(key)
        if size < 0:
            raise ValueError("size must not be negative")
        if not source.seekable():
            raise ValueError("a B2 put needs a seekable source (see Destination.put)")
        api, _ = self.connection.run("connect", self.connection.ready)
        part_size = self._part_size(api)
        start = source.tell()
        sha256 = sha256.lower() if sha256 is not None else sha256_of(source, size)
        tracker = Progress(progress, size)
        sha1 = None
        if size <= part_size:
            window = SourceWindow(source, start, size, 0, tracker)
            reply = self._put_small(file_name, window, sha256)
            sha1 = window.sha1
        else:
            reply = large_files.put_large(
                self.connection,
                file_name,
                source,
                start,
                size,
                part_size,
                sha256,
                tracker,
                retention=self._retention(),
            )
        self._check_upload_reply(key, reply, size, sha256, sha1)
        tracker.report(size)
        return ObjectInfo(key, size, int(reply.get("uploadTimestamp") or 0) / 1000 or None)

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

    def _put_small(self, file_name: str, window: SourceWindow, sha256: str) -> dict[str, Any]:
        def upload() -> dict[str, Any]:
            _, bucket_id = self.connection.ready()
            reply: dict[str, Any] = self.connection.api.session.upload_file(
                bucket_id,
                file_name,
                window.size,
                CONTENT_TYPE,
                SHA1_AT_END,
                {SHA256_INFO: sha256},
                window,
                None,
                file_retention=self._retention(),
            )
            return reply

        return self.connection.run(f"upload of {file_name}", upload)

    def _check_upload_reply(
        self, key: str, reply: dict[str, Any], size: int, sha256: str, sha1: str | None
    ) -> None:
        """A put counts only when B2's record matches what we sent, byte count and hashes
        (``sha1``: of a small file's bytes as sent; a large file's parts were checked
        one by one, and B2 records no SHA-1 of its whole)."""
        info = reply.get("fileInfo") or {}
        problems = []
        if reply.get("fileName") != self._root + key:
            problems.append("name")
        if int(reply.get("contentLength", -1)) != size:
            problems.append("size")
        if info.get(SHA256_INFO) != sha256:
            problems.append("sha256")
        if sha1 is not None and reply.get("contentSha1") != sha1:
            problems.append("sha1")
        if problems:
            raise DestinationError(
                f"B2 recorded the upload of {key} at {self.name!r} differently from what was "
                f"sent ({', '.join(problems)})"
            )

    # --- get, stat, list ------------------------------------------------------------

    def get(
        self,
        key: str,
        sink: BinaryIO,
        progress: ProgressCallback | None = None,
        *,
        limit: int | None = None,
    ) -> ObjectInfo:
        """Download and check (size against ``limit`` first, then length, sha256, large
        files' SHA-1) into ``sink``.

        A download whose bytes do not match the object's recorded hashes raises
        :class:`~keyvault.errors.RetryableDestinationError` (the retry wrapper downloads
        again). When the next download of the same object gives the very same wrong bytes,
        the damage is at rest, not in transit: as the contract says, the bytes then go to
        the caller as stored; its sha256 check (the engine's) reports which copy is
        damaged, and ``repair`` replaces it.

        The bytes go straight into a ``sink`` that can be rewound (the retry wrapper
        rewinds it before the next attempt, so wrong bytes are overwritten); only a sink
        that cannot (a pipe into the decryptor) gets them through a spool, after the
        check, so that it never receives a byte that may be wrong in transit.
        """
        file_name = self._file_name(key)
        tracker = Progress(progress, None)

        def download(out: BinaryIO) -> Any:
            return self.connection.run(
                f"download of {key}",
                lambda: download_checked(
                    self.connection, file_name, out, tracker, self._mismatches, limit
                ),
            )

        if sink.seekable():
            version = download(sink)
        else:
            with tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY) as spool:
                version = download(cast(BinaryIO, spool))
                spool.seek(0)
                while chunk := spool.read(1 << 20):
                    sink.write(chunk)
        size = int(version.content_length)
        tracker.report(size)
        return ObjectInfo(key, size, int(version.upload_timestamp) / 1000 or None)

    def stat(self, key: str) -> ObjectInfo:
        file_name = self._file_name(key)

        def head() -> ObjectInfo:
            from b2sdk.v3 import Bucket

            api, bucket_id = self.connection.ready()
            # b2sdk's public Bucket turns the HEAD's bare 404 into FileNotPresent (no call
            # is made to build it: the id is known).
            version = Bucket(api, bucket_id, name=self.bucket).get_file_info_by_name(file_name)
            stamp = int(version.upload_timestamp or 0)
            return ObjectInfo(key, int(version.content_length), stamp / 1000 or None)

        return self.connection.run(f"stat of {key}", head)

    def list(self, prefix: str) -> Iterator[ObjectInfo]:
        full = self._root + prefix

        def fetch() -> builtins.list[ObjectInfo]:
            _, bucket_id = self.connection.ready()
            found: builtins.list[ObjectInfo] = []
            # Starting at the prefix itself saves scanning names before it.
            start: str | None = full or None
            while True:
                reply = self.connection.api.session.list_file_names(
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

        return iter(self.connection.run(f"listing of {prefix or 'everything'}", fetch))

    # --- delete ---------------------------------------------------------------------

    def delete(self, key: str) -> None:
        """Delete every version of ``key``; under Object Lock, say until when it stays."""
        file_name = self._file_name(key)

        def versions() -> builtins.list[dict[str, Any]]:
            _, bucket_id = self.connection.ready()
            found: builtins.list[dict[str, Any]] = []
            start_id: str | None = None
            while True:
                reply = self.connection.api.session.list_file_versions(
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

        for entry in self.connection.run(f"listing versions of {key}", versions):

            def delete_one(entry: dict[str, Any] = entry) -> None:
                self.connection.ready()
                try:
                    self.connection.api.session.delete_file_version(
                        entry["fileId"], file_name, False
                    )
                except FileNotPresent:
                    pass
                except AccessDenied:
                    raise DestinationPermissionError(self._locked_message(key, entry)) from None
                except Unauthorized as exc:
                    # Real B2 answers a delete under Object Lock with 401 "access_denied".
                    if exc.code != "access_denied":
                        raise
                    raise DestinationPermissionError(self._locked_message(key, entry)) from None

            self.connection.run(f"delete of {key}", delete_one)

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


def _conforms(destination: B2Destination) -> Destination:
    # mypy checks here that B2Destination keeps the Destination protocol.
    return destination

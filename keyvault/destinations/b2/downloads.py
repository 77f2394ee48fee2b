"""A B2 download, checked before the caller sees a byte: length, sha256, large files' SHA-1.

The object is downloaded into a spool (the caller's sink must not get bytes that may be
wrong in transit) and checked, in one hash pass, against the sha256 recorded at upload
(``kv_sha256``; an object without one, not written by keyvault, against its SHA-1).
b2sdk's own SHA-1 check is off (:mod:`.connection`): it would be a second pass. Wrong bytes raise
:class:`~.errors.Mismatch` (retryable: the engine's wrapper downloads again); when the
next download of the same object gives the very same wrong bytes, the damage is at rest,
and the bytes are handed over as stored: the caller's own sha256 check names the
damaged copy, and ``repair`` replaces it.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import logging
from typing import IO, TYPE_CHECKING, Any

from .config import LARGE_FILE_SHA1_INFO, SHA256_INFO
from .errors import Mismatch, Truncated
from .progress import Progress

if TYPE_CHECKING:
    from .connection import B2Connection

__all__ = ["download_checked"]

logger = logging.getLogger(__name__)


def download_checked(
    conn: B2Connection,
    file_name: str,
    spool: IO[bytes],
    tracker: Progress,
    mismatches: dict[str, str],
) -> Any:
    """Download ``file_name`` into ``spool`` (emptied first) and check it; b2sdk's record
    of the object (``content_length``, ``upload_timestamp``).

    ``mismatches`` maps file names to the sha256 of the wrong bytes their last download
    gave; it is how the same damage seen twice is told from noise in transit.
    """
    from .http import DownloadListener

    api, _ = conn.ready()
    spool.seek(0)
    spool.truncate()
    url = api.session.get_download_url_by_name(conn.bucket, file_name)
    downloaded = api.services.download_manager.download_file_from_url(
        url, DownloadListener(tracker)
    )
    version = downloaded.download_version
    tracker.total = int(version.content_length)
    try:
        downloaded.save(spool, allow_seeking=True)
    finally:
        with contextlib.suppress(Exception):
            downloaded.response.close()
    spool.seek(0, io.SEEK_END)
    received = spool.tell()
    if received != int(version.content_length):
        raise Truncated(f"received {received} of {version.content_length} bytes")
    # One hash pass: keyvault's objects carry their sha256; only an object without one
    # (not written by keyvault) is checked by its SHA-1 (B2's, or a large file's).
    expected_sha256 = version.file_info.get(SHA256_INFO)
    expected_sha1 = None
    if not expected_sha256:
        content_sha1 = version.content_sha1 if version.content_sha1 != "none" else None
        expected_sha1 = version.file_info.get(LARGE_FILE_SHA1_INFO) or content_sha1
    spool.seek(0)
    sha256, sha1 = hashlib.sha256(), hashlib.sha1()  # noqa: S324 - B2's checksum
    while chunk := spool.read(1 << 20):
        sha256.update(chunk)
        if expected_sha1:
            sha1.update(chunk)
    got = sha256.hexdigest()
    if (expected_sha256 and got != expected_sha256) or (
        expected_sha1 and sha1.hexdigest() != expected_sha1
    ):
        if mismatches.get(file_name) != got:
            mismatches[file_name] = got
            raise Mismatch("the downloaded bytes do not match the object's recorded hashes")
        logger.warning(
            "the copy of %s at %r does not match its recorded checksum", file_name, conn.name
        )
    mismatches.pop(file_name, None)
    return version

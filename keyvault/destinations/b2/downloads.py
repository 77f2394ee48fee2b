"""A B2 download, checked as it arrives: size against the caller's limit, then length and
sha256 (or SHA-1).

The reply's headers give the object's length: an object larger than the caller accepts
is refused before its body is read (a planted 8 GiB object costs one request's headers).
The body goes to ``out`` in one HTTP request, hashed as it arrives and checked against the
sha256 recorded at upload (``kv_sha256``; an object without one, not written by keyvault,
against its SHA-1). One request, not b2sdk's download manager: that one resumes a cut
download by itself (up to 5 ranged requests, hard-wired) and would stack its tries under
the wrappers' budget. A cut or wrong download raises :class:`~.errors.Truncated` or
:class:`~.errors.Mismatch` (retryable: the engine's wrapper downloads again, into ``out``
rewound); when the next download of the same object gives the very same wrong bytes, the
damage is at rest, and the bytes are handed over as stored: the caller's own sha256 check
names the damaged copy, and ``repair`` replaces it.
"""

from __future__ import annotations

import hashlib
import logging
from typing import IO, TYPE_CHECKING, Any

from ..base import HashingTarget, refuse_larger
from .config import LARGE_FILE_SHA1_INFO, SHA256_INFO
from .errors import Mismatch, Truncated
from .progress import Progress

if TYPE_CHECKING:
    from .connection import B2Connection

__all__ = ["download_checked"]

logger = logging.getLogger(__name__)

_CHUNK = 1 << 20


def download_checked(
    conn: B2Connection,
    file_name: str,
    out: IO[bytes],
    tracker: Progress,
    mismatches: dict[str, str],
    limit: int | None = None,
) -> Any:
    """Download ``file_name`` into ``out`` (from its position) and check it; b2sdk's
    record of the object (a ``DownloadVersion``: ``content_length``,
    ``upload_timestamp``). An object larger than ``limit`` raises
    :class:`~keyvault.errors.DamagedObjectError` before its body is read.

    ``mismatches`` maps file names to the sha256 of the wrong bytes their last download
    gave; it is how the same damage seen twice is told from noise in transit. The sha256
    is taken from ``out`` when it hashes what it is given (:class:`~..base.HashingTarget`,
    the wrappers' read-back and ``verify``), so those bytes are hashed once.
    """
    api, _ = conn.ready()
    url = api.session.get_download_url_by_name(conn.bucket, file_name)
    hashing_out = out if isinstance(out, HashingTarget) else None
    sha256, sha1 = hashlib.sha256(), hashlib.sha1()  # noqa: S324 - B2's checksum
    with api.session.download_file_from_url(url) as response:
        version = api.download_version_factory.from_response_headers(response.headers)
        size = int(version.content_length)
        refuse_larger(size, limit)
        tracker.total = size
        # keyvault's objects carry their sha256; only an object without one (not written
        # by keyvault) is checked by its SHA-1 (B2's, or a large file's).
        expected_sha256 = version.file_info.get(SHA256_INFO)
        expected_sha1 = None
        if not expected_sha256:
            content_sha1 = version.content_sha1 if version.content_sha1 != "none" else None
            expected_sha1 = version.file_info.get(LARGE_FILE_SHA1_INFO) or content_sha1
        received = 0
        for chunk in response.iter_content(chunk_size=_CHUNK):
            received += len(chunk)
            if received > size:
                break
            out.write(chunk)
            if hashing_out is None:
                sha256.update(chunk)
            if expected_sha1:
                sha1.update(chunk)
            tracker.report(received)
    if received != size:
        raise Truncated(f"received {received} of {size} bytes")
    got = hashing_out.sha256 if hashing_out is not None else sha256.hexdigest()
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

"""Large files at B2: uploaded in parts, and never left unfinished (billed) behind.

One upload goes through the states of :data:`UploadState`:

``starting``
    A marker is in the local cache (:meth:`~.cache.KeyvaultAccountInfo.pending_add`)
    *before* ``b2_start_large_file`` is sent: if its reply is lost or the process dies,
    the next run finds the marker and cancels what was started.
``uploading``
    The file id is known (and recorded with the marker, unless the start call may have
    been sent twice: then a second, unseen file may exist and the name is swept instead).
    Parts go up one at a time, each with its SHA1, and each reply is checked.
``finishing``
    ``b2_finish_large_file`` with the parts' SHA1s.
``done``
    Finished; the marker is removed (after sweeping the name if the start was repeated).

A failure (or an interrupt) in ``uploading`` or ``finishing`` cancels the file at once;
if even that fails, the marker stays and :func:`sweep_unfinished` cancels it at the next
run, by id (free) or, when no id was recorded, by name with
``b2_list_unfinished_large_files`` (a paid Class C call, used only then).
"""

from __future__ import annotations

import hashlib
import logging
from typing import TYPE_CHECKING, Any, BinaryIO, Literal

from keyvault.errors import DestinationError

from .config import CONTENT_TYPE, LARGE_FILE_SHA1_INFO, SHA256_INFO
from .errors import describe, resource_not_found
from .progress import PartReader, Progress

if TYPE_CHECKING:
    from .destination import B2Destination

__all__ = ["UploadState", "cancel_large_file", "put_large", "sweep_unfinished"]

logger = logging.getLogger(__name__)

UploadState = Literal["starting", "uploading", "finishing", "done"]


def cancel_large_file(dest: B2Destination, file_id: str) -> None:
    """Cancel the unfinished large file ``file_id`` (already finished or gone is fine)."""
    from b2sdk.v3.exception import BadRequest, FileNotPresent

    ResourceNotFound = resource_not_found()
    try:
        dest._api.session.cancel_large_file(file_id)
    except (FileNotPresent, ResourceNotFound, BadRequest):
        pass  # already finished, cancelled or gone


def cancel_unfinished_named(dest: B2Destination, file_name: str) -> None:
    """Cancel every unfinished large file called ``file_name`` (one Class C call)."""
    reply = dest._api.session.list_unfinished_large_files(
        dest._bucket_id, prefix=file_name, max_file_count=100
    )
    for entry in reply.get("files", []):
        if entry.get("fileName") == file_name:
            cancel_large_file(dest, str(entry["fileId"]))


def sweep_unfinished(dest: B2Destination) -> None:
    """Cancel large files a previous run left unfinished (only when it recorded some)."""
    pending = dest._info.pending()
    if not pending:
        return
    for marker, file_name, file_id in pending:
        try:
            if file_id is not None:
                cancel_large_file(dest, file_id)
            else:
                cancel_unfinished_named(dest, file_name)
            dest._info.pending_remove(marker)
        except Exception as exc:  # keep the marker; the next run tries again
            logger.warning("could not cancel an unfinished B2 upload: %s", describe(exc))


def put_large(
    dest: B2Destination,
    file_name: str,
    spool: BinaryIO,
    size: int,
    part_size: int,
    sha1_hex: str,
    sha256_hex: str,
    tracker: Progress,
) -> dict[str, Any]:
    """Upload ``size`` bytes of ``spool`` as large file ``file_name``; B2's finish reply.

    Raises the contract's errors; leaves no unfinished file behind (see the module doc).
    """
    file_info = {SHA256_INFO: sha256_hex, LARGE_FILE_SHA1_INFO: sha1_hex}
    info = dest._info
    state: UploadState = "starting"
    marker = info.pending_add(file_name)

    def start() -> dict[str, Any]:
        _, bucket_id = dest._ready()
        reply: dict[str, Any] = dest._api.session.start_large_file(
            bucket_id, file_name, CONTENT_TYPE, file_info, file_retention=dest._retention()
        )
        return reply

    retries_before = dest._http_retries()
    try:
        started = dest._run(f"start of large file {file_name}", start)
    except DestinationError:
        # The server may have started it even so; look once, else the next run will.
        try:
            cancel_unfinished_named(dest, file_name)
        except Exception as exc:
            logger.warning("could not check for an unfinished B2 upload: %s", describe(exc))
        else:
            info.pending_remove(marker)
        raise
    file_id = str(started["fileId"])
    state = "uploading"
    # A start call that was repeated may have created a large file whose id we never
    # saw: then the marker keeps no id, and the file name is swept once we are done.
    start_repeated = dest._http_retries() != retries_before or dest._last_attempts > 1
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
                sha1: str = part_sha1,
            ) -> Any:
                dest._ready()
                reply = dest._api.session.upload_part(
                    file_id, number, len(data), sha1, PartReader(data, offset, tracker)
                )
                if reply.get("contentSha1") != sha1:
                    raise DestinationError(f"B2 acknowledged part {number} with a bad SHA1")
                return reply

            dest._run(f"upload of part {number} of {file_name}", upload_part)
            part_sha1s.append(part_sha1)
        state = "finishing"
        finished: dict[str, Any] = dest._run(
            f"finish of large file {file_name}",
            lambda: dest._api.session.finish_large_file(file_id, part_sha1s),
        )
    except BaseException:
        # Cancel now so no unfinished file (billed storage) stays behind; if that fails
        # too, the marker stays and the next run cancels it.
        logger.debug("large file %s failed while %s; cancelling", file_name, state)
        try:
            cancel_large_file(dest, file_id)
            if start_repeated:
                cancel_unfinished_named(dest, file_name)
        except Exception as exc:
            logger.warning("could not cancel unfinished B2 upload: %s", describe(exc))
        else:
            info.pending_remove(marker)
        raise
    state = "done"
    if start_repeated:
        try:
            cancel_unfinished_named(dest, file_name)
        except Exception as exc:  # the marker stays: the next run sweeps
            logger.warning("could not cancel unfinished B2 upload: %s", describe(exc))
            return finished
    info.pending_remove(marker)
    return finished

"""Large files at B2: uploaded in parts, and never left unfinished (billed) behind.

One upload goes through the states of :data:`UploadState`:

``starting``
    A marker is in the local cache (:meth:`~.cache.KeyvaultAccountInfo.pending_add`)
    *before* ``b2_start_large_file`` is sent: if its reply is lost or the process dies,
    the next run finds the marker and cancels what was started.
``uploading``
    The file id is known and recorded with the marker. Parts go up one at a time, each
    read straight from the caller's source and hashed as it is sent (its SHA-1 follows
    its bytes: :class:`~.progress.SourceWindow`), and each reply is checked.
``finishing``
    ``b2_finish_large_file`` with the parts' SHA1s.
``done``
    Finished; the marker is removed.

Every call is made once (b2sdk's own retries are off): a failed start is looked for by
name and cancelled (its reply may be what was lost); a failure (or an interrupt) in
``uploading`` or ``finishing`` cancels the file at once;
if even that fails, the marker stays and :func:`sweep_unfinished` cancels it at the next
run, by id (free) or, when no id was recorded, by name with
``b2_list_unfinished_large_files`` (a paid Class C call, used only then).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, BinaryIO, Literal

from keyvault.errors import DestinationError

from .config import CONTENT_TYPE, SHA1_AT_END, SHA256_INFO
from .errors import describe
from .progress import Progress, SourceWindow

if TYPE_CHECKING:
    from .connection import B2Connection

__all__ = ["UploadState", "cancel_large_file", "put_large", "sweep_unfinished"]

logger = logging.getLogger(__name__)

#: Where a large-file upload is (see the module docstring); logged when one fails.
UploadState = Literal["starting", "uploading", "finishing"]


def cancel_large_file(conn: B2Connection, file_id: str) -> None:
    """Cancel the unfinished large file ``file_id`` (already finished or gone is fine)."""
    from b2sdk.v3.exception import BadRequest, FileNotPresent

    try:
        conn.api.session.cancel_large_file(file_id)
    except (FileNotPresent, BadRequest):
        pass  # already finished, cancelled or gone


def cancel_unfinished_named(conn: B2Connection, file_name: str) -> None:
    """Cancel every unfinished large file called ``file_name`` (one Class C call)."""
    reply = conn.api.session.list_unfinished_large_files(
        conn.bucket_id, prefix=file_name, max_file_count=100
    )
    for entry in reply.get("files", []):
        if entry.get("fileName") == file_name:
            cancel_large_file(conn, str(entry["fileId"]))


def sweep_unfinished(conn: B2Connection) -> None:
    """Cancel large files a previous run left unfinished (only when it recorded some)."""
    pending = conn.info.pending()
    if not pending:
        return
    for marker, file_name, file_id in pending:
        try:
            if file_id is not None:
                cancel_large_file(conn, file_id)
            else:
                cancel_unfinished_named(conn, file_name)
            conn.info.pending_remove(marker)
        except Exception as exc:  # keep the marker; the next run tries again
            logger.warning("could not cancel an unfinished B2 upload: %s", describe(exc))


def put_large(
    conn: B2Connection,
    file_name: str,
    source: BinaryIO,
    start: int,
    size: int,
    part_size: int,
    sha256: str,
    tracker: Progress,
    *,
    retention: Any,
) -> dict[str, Any]:
    """Upload ``size`` bytes of ``source`` (from ``start``), whose sha256 is ``sha256``, as
    large file ``file_name`` in parts of ``part_size``, under ``retention`` (a b2sdk
    ``FileRetentionSetting`` or None); B2's finish reply.

    Each call is made once; a failure cancels the file and raises the contract's error
    (retryable ones are retried by the engine's wrapper, from the start of the put).
    The whole file's SHA-1 (``large_file_sha1``) is not recorded: it would be needed at
    the start, before the one pass; ``kv_sha256`` is what reads check.
    """
    file_info = {SHA256_INFO: sha256}
    info = conn.info
    state: UploadState = "starting"
    marker = info.pending_add(file_name)

    def start_file() -> dict[str, Any]:
        _, bucket_id = conn.ready()
        reply: dict[str, Any] = conn.api.session.start_large_file(
            bucket_id, file_name, CONTENT_TYPE, file_info, file_retention=retention
        )
        return reply

    try:
        started = conn.run(f"start of large file {file_name}", start_file)
    except DestinationError:
        # The server may have started it even so (a lost reply); look once, else the
        # next run will.
        try:
            cancel_unfinished_named(conn, file_name)
        except Exception as exc:
            logger.warning("could not check for an unfinished B2 upload: %s", describe(exc))
        else:
            info.pending_remove(marker)
        raise
    file_id = str(started["fileId"])
    info.pending_set_id(marker, file_id)
    state = "uploading"
    part_sha1s: list[str] = []
    try:
        for number, offset in enumerate(range(0, size, part_size), start=1):
            window = SourceWindow(
                source, start + offset, min(part_size, size - offset), offset, tracker
            )

            def upload_part(number: int = number, window: SourceWindow = window) -> str:
                conn.ready()
                reply = conn.api.session.upload_part(
                    file_id, number, window.size, SHA1_AT_END, window
                )
                if window.sha1 is None or reply.get("contentSha1") != window.sha1:
                    raise DestinationError(f"B2 acknowledged part {number} with a bad SHA1")
                return window.sha1

            part_sha1s.append(conn.run(f"upload of part {number} of {file_name}", upload_part))
        state = "finishing"
        finished: dict[str, Any] = conn.run(
            f"finish of large file {file_name}",
            lambda: conn.api.session.finish_large_file(file_id, part_sha1s),
        )
    except BaseException:
        # Cancel now so no unfinished file (billed storage) stays behind; if that fails
        # too, the marker stays and the next run cancels it.
        logger.debug("large file %s failed while %s; cancelling", file_name, state)
        try:
            cancel_large_file(conn, file_id)
        except Exception as exc:
            logger.warning("could not cancel unfinished B2 upload: %s", describe(exc))
        else:
            info.pending_remove(marker)
        raise
    info.pending_remove(marker)
    return finished

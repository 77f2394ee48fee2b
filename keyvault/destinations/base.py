"""The seam every backup destination implements, with its error contract.

A destination is storage, not an authority: it stores opaque byte objects under keys
(``/``-separated relative names such as ``keyvault/<vault-id>/objects/<id>.age``). It
never sees plaintext or item names; everything but ``vault.json`` is age-encrypted.

Error contract (every method):

- :class:`~keyvault.errors.ObjectNotFoundError`: the key does not exist ("not found").
- :class:`~keyvault.errors.RetryableDestinationError`: a temporary failure (timeout,
  HTTP 429/503, dropped connection) that survived the implementation's own retries;
  the caller may try again later in the run.
- :class:`~keyvault.errors.DestinationUnavailableError`: the destination is not there
  (drive not mounted, marker missing, filesystem UUID changed, service unreachable);
  give up on this destination for this run, keep going with the others.
- :class:`~keyvault.errors.DestinationFullError`,
  :class:`~keyvault.errors.DestinationPermissionError`, other
  :class:`~keyvault.errors.DestinationError`: permanent; give up on this operation.

Implementations never raise bare ``OSError`` or library exceptions out of these methods.

The put contract: ``put(key, source, size, progress, sha256=...)`` receives a *seekable*
binary ``source`` positioned at 0 that the caller guarantees gives the same ``size`` bytes
again after ``seek(0)`` (the engine's ciphertext spool file, or a ``BytesIO``), and, when
the caller knows it, their ``sha256`` (the engine always does: it hashed the ciphertext
as it wrote the spool). So no backend copies the source aside to be able to retry, and
none hashes it again for a sha256 it records (B2's ``kv_sha256``).

Retries (with one attempt budget per destination and run), read-back verification,
bounded reads and dry-run happen only in the wrappers (:mod:`.wrappers`), applied once
to every destination by ``keyvault.backup.run.open_destinations``; a backend makes one
attempt per call and maps its failure to the error contract above.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import BinaryIO, Literal, Protocol, runtime_checkable

from keyvault.errors import DamagedObjectError

__all__ = [
    "MEDIA_KINDS",
    "Destination",
    "DestinationTraits",
    "HashingTarget",
    "MediaKind",
    "ObjectInfo",
    "ProgressCallback",
    "TraitProperties",
    "check_key",
    "read_exactly",
    "refuse_larger",
]

MediaKind = Literal["internal", "external", "nas", "optical", "cloud", "paper", "metal"]
MEDIA_KINDS: tuple[str, ...] = ("internal", "external", "nas", "optical", "cloud", "paper", "metal")

#: Called with (bytes done so far, total bytes or None when unknown).
ProgressCallback = Callable[[int, "int | None"], None]


@dataclass(frozen=True)
class ObjectInfo:
    """What a destination knows about one stored object."""

    key: str
    size: int
    #: Unix time of the last modification, when the destination knows it.
    modified: float | None = None


@dataclass(frozen=True)
class DestinationTraits:
    """How a destination counts for the 3-2-1 policy, fixed when it is made.

    Raises ``ValueError`` for a media kind not in :data:`MEDIA_KINDS` (a caller mistake).
    """

    name: str
    media: MediaKind
    offsite: bool
    offline: bool

    def __post_init__(self) -> None:
        if self.media not in MEDIA_KINDS:
            raise ValueError(f"unknown media kind {self.media!r}")


class TraitProperties:
    """The read-only ``name``/``media``/``offsite``/``offline`` properties of the protocol,
    read from ``self._traits``; concrete destinations inherit them instead of repeating them."""

    _traits: DestinationTraits

    @property
    def name(self) -> str:
        return self._traits.name

    @property
    def media(self) -> MediaKind:
        return self._traits.media

    @property
    def offsite(self) -> bool:
        return self._traits.offsite

    @property
    def offline(self) -> bool:
        return self._traits.offline


@runtime_checkable
class Destination(Protocol):
    """One place that holds copies: a folder on a drive, a B2 bucket prefix.

    Properties describe the place for the 3-2-1 policy; methods move opaque bytes.
    """

    @property
    def name(self) -> str:
        """The user's name for this destination (unique in the config)."""
        ...

    @property
    def media(self) -> MediaKind:
        """The kind of medium, for the "2 kinds of media" rule."""
        ...

    @property
    def offsite(self) -> bool:
        """True when this copy is kept away from the original's building."""
        ...

    @property
    def offline(self) -> bool:
        """True when the medium is normally disconnected (counts for 3-2-1-1-0)."""
        ...

    @property
    def immutable(self) -> bool:
        """True when stored objects cannot be changed or deleted for a time (Object Lock)."""
        ...

    def location_id(self) -> str:
        """An identity of the physical place (device id/UUID, bucket), for "one place, one copy".

        Raises :class:`~keyvault.errors.DestinationUnavailableError` when not present.
        """
        ...

    def check_available(self) -> None:
        """Raise :class:`~keyvault.errors.DestinationUnavailableError` unless usable now."""
        ...

    def put(
        self,
        key: str,
        source: BinaryIO,
        size: int,
        progress: ProgressCallback | None = None,
        *,
        sha256: str | None = None,
    ) -> ObjectInfo:
        """Store ``size`` bytes read from ``source`` under ``key``, replacing any old object.

        ``sha256`` (lowercase hex), when given, is the caller's promise of the bytes'
        sha256; a backend that records one takes it instead of hashing ``source``.
        Atomic: readers see the old object or the complete new one, never a part. A failed
        put leaves no partial object (and, for B2, no unfinished large file).
        """
        ...

    def get(
        self,
        key: str,
        sink: BinaryIO,
        progress: ProgressCallback | None = None,
        *,
        limit: int | None = None,
    ) -> ObjectInfo:
        """Write the object's bytes to ``sink``, in order. The caller checks integrity
        (sha256): a read that fails halfway may have written a part of them.

        ``limit`` is the most bytes the caller accepts: an object the backend knows to be
        larger raises :class:`~keyvault.errors.DamagedObjectError` before any byte is read
        (:func:`refuse_larger`), so a planted 8 GiB object costs a stat or a reply's
        headers, not a download. (The caller still counts what reaches ``sink``: an object
        may grow while it is read.)
        """
        ...

    def stat(self, key: str) -> ObjectInfo:
        """Size and time of one object; :class:`ObjectNotFoundError` when missing."""
        ...

    def list(self, prefix: str) -> Iterator[ObjectInfo]:
        """Every object whose key starts with ``prefix``, in key order."""
        ...

    def delete(self, key: str) -> None:
        """Remove an object. Deleting a missing key is not an error (idempotent).

        Immutable destinations raise :class:`~keyvault.errors.DestinationPermissionError`
        while the object's retention lasts.
        """
        ...


@runtime_checkable
class HashingTarget(Protocol):
    """A get's sink that hashes what it is given (the wrappers' bounded reads): a backend
    that checks a download's sha256 itself (B2) reads it here rather than hash the same
    bytes a second time. ``sha256`` covers every byte written since the sink's start
    (a retried get rewinds it, which starts the hash again)."""

    @property
    def sha256(self) -> str:
        """The sha256 (hex) of the bytes written since the start."""
        ...


def check_key(key: str) -> str:
    """Return ``key`` if it is a valid object key, else raise ``ValueError`` (a caller mistake).

    A key is a relative, ``/``-separated name: non-empty segments, none of them ``.`` or
    ``..``, no leading or trailing ``/``, no backslash, no NUL. Every implementation
    checks keys with this function so that a key means the same object everywhere.
    """
    if not isinstance(key, str):
        raise TypeError("an object key must be a str")
    if not key or key.startswith("/") or key.endswith("/"):
        raise ValueError(f"invalid object key {key!r}: must be a relative name")
    if "\\" in key or "\x00" in key:
        raise ValueError(f"invalid object key {key!r}: backslash or NUL")
    for segment in key.split("/"):
        if segment in ("", ".", ".."):
            raise ValueError(f"invalid object key {key!r}: empty, '.' or '..' segment")
    return key


def read_exactly(
    read: Callable[[int], bytes],
    size: int,
    progress: ProgressCallback | None = None,
    chunk_size: int = 1 << 20,
) -> Iterator[bytes]:
    """The first ``size`` bytes that ``read(n)`` gives, in chunks of at most ``chunk_size``.

    After the consumer took each chunk, ``progress(done, size)`` is called (once with
    ``(0, 0)`` for an empty object). A source that ends early is a caller mistake (the
    size was wrong): ``ValueError``. Every ``put`` reads its source through this.
    """
    done = 0
    while done < size:
        chunk = read(min(chunk_size, size - done))
        if not chunk:
            raise ValueError(f"the source ended after {done} of {size} bytes")
        done += len(chunk)
        yield chunk
        if progress is not None:
            progress(done, size)
    if progress is not None and size == 0:
        progress(0, 0)


def refuse_larger(size: int, limit: int | None) -> None:
    """Raise :class:`~keyvault.errors.DamagedObjectError` when ``size`` bytes exceed
    ``limit`` (no limit: never). The one wording for an object larger than expected."""
    if limit is not None and size > limit:
        raise DamagedObjectError(f"the stored object is larger than the {limit} bytes expected")

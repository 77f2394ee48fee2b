"""Progress of B2 transfers as keyvault's monotonic ``(done, total)`` calls. No b2sdk import."""

from __future__ import annotations

import io

from ..base import ProgressCallback

__all__ = ["PartReader", "Progress"]


class Progress:
    """Turns byte counts into monotonic ``(done, total)`` progress calls."""

    def __init__(self, callback: ProgressCallback | None, total: int | None) -> None:
        self._callback = callback
        self.total = total
        self._done = -1

    def report(self, done: int) -> None:
        if self._callback is not None and done > self._done:
            self._done = done
            self._callback(done, self.total)


class PartReader(io.BytesIO):
    """A part's bytes that report upload progress as the HTTP layer reads them.

    ``base`` is the part's offset in the whole object.
    """

    def __init__(self, data: bytes, base: int, progress: Progress) -> None:
        super().__init__(data)
        self._base = base
        self._progress = progress

    def read(self, size: int | None = -1, /) -> bytes:
        chunk = super().read(size)
        self._progress.report(self._base + self.tell())
        return chunk

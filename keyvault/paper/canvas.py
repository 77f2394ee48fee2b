"""The reportlab canvas that defers each sheet, so its footer can say "page n of N", and
fixes the PDF's dates and ``/ID`` to the document's own date (deterministic bytes).

This module imports reportlab when it is imported: :mod:`keyvault.paper.render` imports
it lazily, so that commands which print nothing never load reportlab.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import date
from typing import Any

from reportlab.lib.utils import TimeStamp
from reportlab.pdfgen.canvas import Canvas

from .sheets import Page

__all__ = ["Decorate", "PageCanvas"]

Decorate = Callable[[Any, int, int], None]
"""Draws the decorations (header, footer) of sheet ``number`` of ``total`` on a canvas."""


def _fixed_timestamp(day: date) -> Any:
    """A reportlab timestamp for ``day`` at 00:00 UTC (ignores SOURCE_DATE_EPOCH)."""
    stamp = TimeStamp(invariant=1)
    stamp.t = 0.0
    stamp.lt = (day.year, day.month, day.day, 0, 0, 0, 0, 1, 0)
    stamp.YMDhms = (day.year, day.month, day.day, 0, 0, 0)
    stamp.dhh = 0
    stamp.dmm = 0
    stamp.tzname = "UTC"
    return stamp


class PageCanvas(Canvas):  # type: ignore[misc]
    """Defers each sheet so its footer can say "page n of N"; fixes the PDF date.

    reportlab builds it with its own arguments; pass ``day`` and ``decorate`` with
    ``functools.partial``. A :class:`~keyvault.paper.flowables.PageMarker` drawn on a
    sheet sets ``_kv_page``, which ``decorate`` reads.
    """

    def __init__(self, *args: Any, day: date, decorate: Decorate, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # reportlab seeds the document's /ID digest with its own timestamp (which
        # SOURCE_DATE_EPOCH can change): start both again from the document's date.
        stamp = _fixed_timestamp(day)
        self._doc._timeStamp = stamp
        signature = hashlib.md5(usedforsecurity=False)
        signature.update(b"a reportlab document")
        signature.update(ascii(stamp.t).encode("ascii"))
        self._doc.signature = signature
        self._kv_decorate = decorate
        self._kv_sheets: list[dict[str, Any]] = []
        self._kv_page: Page | None = None

    def showPage(self) -> None:
        self._kv_sheets.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._kv_sheets)
        for number, state in enumerate(self._kv_sheets, start=1):
            self.__dict__.update(state)
            self._kv_decorate(self, number, total)
            super().showPage()
        super().save()

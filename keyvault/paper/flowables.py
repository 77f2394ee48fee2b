"""The reportlab flowables that draw keyvault's own layout blocks.

One class per block kind that reportlab has no flowable for: vector QR codes
(:class:`QRFlowable`), numbered word grids, steel-plate stamp rows, blank grids to fill
in by hand, cut lines, the printed wordlist, and the zero-size :class:`PageMarker` that
tells the page decorations which model page a sheet shows.

This module imports reportlab when it is imported: :mod:`keyvault.paper.render` imports
it lazily, so that commands which print nothing never load reportlab.
"""

from __future__ import annotations

from collections.abc import Sequence

from reportlab.lib import colors
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable

from . import qrimage
from .sheets import BlankQRGrid, BlankWordGrid, Page, QRCode, WordGrid
from .typeface import MM, MONO, MONO_BOLD, SANS, check_printable

__all__ = [
    "BlankGridFlowable",
    "CutFlowable",
    "PageMarker",
    "QRFlowable",
    "QRGridFlowable",
    "StampFlowable",
    "WordGridFlowable",
    "WordlistFlowable",
]


class PageMarker(Flowable):  # type: ignore[misc]
    """Zero-size: tells the page decorations which model page is on this sheet."""

    def __init__(self, page: Page) -> None:
        super().__init__()
        self.page = page

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        return (0, 0)

    def draw(self) -> None:
        self.canv._kv_page = self.page


class QRFlowable(Flowable):  # type: ignore[misc]
    """A QR code as one vector path, quiet zone included, centred in its width."""

    def __init__(self, block: QRCode) -> None:
        super().__init__()
        self.matrix = block.matrix()
        self.module = block.module_mm * MM
        self.side = (len(self.matrix) + 2 * qrimage.QUIET_ZONE) * self.module

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        self.avail = avail_width
        return (avail_width, self.side)

    def draw(self) -> None:
        canv = self.canv
        x0 = (self.avail - self.side) / 2 + qrimage.QUIET_ZONE * self.module
        top = self.side - qrimage.QUIET_ZONE * self.module
        path = canv.beginPath()
        for y, start, length in qrimage.dark_runs(self.matrix):
            path.rect(
                x0 + start * self.module,
                top - (y + 1) * self.module,
                length * self.module,
                self.module,
            )
        canv.setFillColor(colors.black)
        canv.drawPath(path, stroke=0, fill=1)


class WordGridFlowable(Flowable):  # type: ignore[misc]
    """Numbered words in columns, first four letters bold and underlined."""

    row_height = 6.6 * MM

    def __init__(self, block: WordGrid) -> None:
        super().__init__()
        self.block = block
        count = len(block.split())
        self.count = count
        self.rows = -(-count // block.columns)
        check_printable(block.words.reveal_text(), MONO)

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        self.avail = avail_width
        return (avail_width, self.rows * self.row_height + 2 * MM)

    def draw(self) -> None:
        canv = self.canv
        words = self.block.split()
        col_width = self.avail / self.block.columns
        size = 12.5 if self.block.columns <= 2 else 11
        for index, word in enumerate(words):
            col, row = divmod(index, self.rows)
            x = col * col_width
            y = (self.rows - row - 1) * self.row_height + 2 * MM + 1.5 * MM
            canv.setFont(SANS, 9)
            canv.setFillColor(colors.HexColor("#555555"))
            canv.drawRightString(x + 9 * MM, y + 0.5, f"{index + 1}.")
            canv.setFillColor(colors.black)
            wx = x + 11 * MM
            head, tail = (word[:4], word[4:]) if self.block.emphasise_prefix else ("", word)
            if head:
                canv.setFont(MONO_BOLD, size)
                canv.drawString(wx, y, head)
                head_width = stringWidth(head, MONO_BOLD, size)
                canv.setLineWidth(0.8)
                canv.line(wx, y - 1.6, wx + head_width, y - 1.6)
                wx += head_width
            canv.setFont(MONO, size)
            canv.drawString(wx, y, tail)
            canv.setStrokeColor(colors.HexColor("#bbbbbb"))
            canv.setLineWidth(0.3)
            canv.line(x + 10 * MM, y - 2.2 * MM, x + col_width - 4 * MM, y - 2.2 * MM)
            canv.setStrokeColor(colors.black)


class BlankGridFlowable(Flowable):  # type: ignore[misc]
    """Numbered lines to write words on by hand."""

    row_height = 9 * MM

    def __init__(self, block: BlankWordGrid) -> None:
        super().__init__()
        self.block = block
        self.rows = -(-block.count // block.columns)

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        self.avail = avail_width
        return (avail_width, self.rows * self.row_height + 2 * MM)

    def draw(self) -> None:
        canv = self.canv
        col_width = self.avail / self.block.columns
        canv.setLineWidth(0.5)
        for index in range(self.block.count):
            col, row = divmod(index, self.rows)
            x = col * col_width
            y = (self.rows - row - 1) * self.row_height + 2 * MM + 1.5 * MM
            canv.setFont(SANS, 9)
            canv.drawRightString(x + 9 * MM, y, f"{index + 1}.")
            canv.line(x + 11 * MM, y - 1, x + col_width - 5 * MM, y - 1)


class StampFlowable(Flowable):  # type: ignore[misc]
    """Numbered boxes of four letters, twelve to a row, as on a steel plate."""

    per_row = 12
    box_height = 9 * MM
    label_height = 3.5 * MM

    def __init__(self, prefixes: Sequence[str] | None, count: int) -> None:
        super().__init__()
        self.prefixes = prefixes
        self.count = count
        self.rows = -(-count // self.per_row)

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        self.avail = avail_width
        return (avail_width, self.rows * (self.box_height + self.label_height + 1.5 * MM))

    def draw(self) -> None:
        canv = self.canv
        width = self.avail / self.per_row
        line = self.box_height + self.label_height + 1.5 * MM
        canv.setLineWidth(0.7)
        for index in range(self.count):
            row, col = divmod(index, self.per_row)
            x = col * width
            y = (self.rows - row - 1) * line
            canv.rect(x + 0.6 * MM, y, width - 1.2 * MM, self.box_height)
            canv.setFont(SANS, 6.5)
            canv.drawCentredString(x + width / 2, y + self.box_height + 0.8 * MM, str(index + 1))
            if self.prefixes is not None:
                canv.setFont(MONO_BOLD, 12)
                canv.drawCentredString(x + width / 2, y + 2.8 * MM, self.prefixes[index])
            else:
                canv.setLineWidth(0.3)
                quarter = (width - 3 * MM) / 4
                for k in range(1, 4):
                    cx = x + 1.5 * MM + k * quarter
                    canv.line(cx, y + 1.5 * MM, cx, y + 3 * MM)
                canv.setLineWidth(0.7)


class QRGridFlowable(Flowable):  # type: ignore[misc]
    """An empty square grid with A.. column letters and 1.. row numbers."""

    def __init__(self, block: BlankQRGrid) -> None:
        super().__init__()
        self.size = block.size
        self.cell = 4.2 * MM

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        self.avail = avail_width
        return (avail_width, (self.size + 1) * self.cell)

    def draw(self) -> None:
        canv = self.canv
        n, cell = self.size, self.cell
        x0 = (self.avail - n * cell) / 2
        canv.setLineWidth(0.25)
        canv.setStrokeColor(colors.HexColor("#888888"))
        for i in range(n + 1):
            canv.line(x0 + i * cell, 0, x0 + i * cell, n * cell)
            canv.line(x0, i * cell, x0 + n * cell, i * cell)
        canv.setStrokeColor(colors.black)
        canv.setFont(SANS, 6)
        letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZabc"
        for i in range(n):
            canv.drawCentredString(x0 + (i + 0.5) * cell, n * cell + 1.2 * MM, letters[i])
            canv.drawRightString(x0 - 1 * MM, (n - i - 0.7) * cell, str(i + 1))
        # Finder patterns pre-printed, as on SeedSigner's templates: 7x7 rings.
        for fx, fy in ((0, 0), (n - 7, 0), (0, n - 7)):
            for ring, dark in ((7, True), (5, False), (3, True)):
                off = (7 - ring) / 2
                canv.setFillColor(colors.black if dark else colors.white)
                canv.rect(
                    x0 + (fx + off) * cell,
                    (n - fy - 7 + off) * cell,
                    ring * cell,
                    ring * cell,
                    stroke=0,
                    fill=1,
                )
        canv.setFillColor(colors.black)


class CutFlowable(Flowable):  # type: ignore[misc]
    """A dashed line across the page with scissors and a label."""

    def __init__(self, text: str) -> None:
        super().__init__()
        check_printable(text)
        self.text = text

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        self.avail = avail_width
        return (avail_width, 8 * MM)

    def draw(self) -> None:
        canv = self.canv
        y = 4 * MM
        canv.setDash(3, 2)
        canv.setLineWidth(0.6)
        canv.line(6 * MM, y, self.avail, y)
        canv.setDash()
        canv.setFont(SANS, 12)
        canv.drawString(0, y - 1.5 * MM, "\u2702")
        canv.setFont(SANS, 7)
        width = canv.stringWidth(self.text, SANS, 7) + 4 * MM
        canv.setFillColor(colors.white)
        canv.rect(self.avail / 2 - width / 2, y - 1.5 * MM, width, 3 * MM, stroke=0, fill=1)
        canv.setFillColor(colors.black)
        canv.drawCentredString(self.avail / 2, y - 0.8 * MM, self.text)


class WordlistFlowable(Flowable):  # type: ignore[misc]
    """A wordlist in index order, down the columns, split across as many sheets as needed."""

    row_height = 3.35 * MM
    columns = 8

    def __init__(self, words: Sequence[str], first: int = 0) -> None:
        super().__init__()
        self.words = list(words)
        self.first = first

    def _rows_fitting(self, height: float) -> int:
        return max(0, int(height // self.row_height))

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        self.avail = avail_width
        rows = -(-len(self.words) // self.columns)
        return (avail_width, rows * self.row_height)

    def split(self, avail_width: float, avail_height: float) -> list[Flowable]:
        rows = self._rows_fitting(avail_height)
        if rows < 4:
            return []
        per_sheet = rows * self.columns
        if per_sheet >= len(self.words):
            return [self]
        return [
            WordlistFlowable(self.words[:per_sheet], self.first),
            WordlistFlowable(self.words[per_sheet:], self.first + per_sheet),
        ]

    def draw(self) -> None:
        canv = self.canv
        rows = -(-len(self.words) // self.columns)
        width = self.avail / self.columns
        for i, word in enumerate(self.words):
            col, row = divmod(i, rows)
            x = col * width
            y = (rows - row - 1) * self.row_height + 0.8 * MM
            canv.setFont(MONO, 7.2)
            canv.setFillColor(colors.HexColor("#555555"))
            canv.drawString(x, y, f"{self.first + i:04d}")
            canv.setFillColor(colors.black)
            canv.setFont(MONO_BOLD, 7.2)
            canv.drawString(x + 7.5 * MM, y, word)

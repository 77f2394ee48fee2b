"""Render a :class:`~keyvault.paper.sheets.Document` as PDF bytes, in memory (reportlab).

- **Vector QR codes**: each code is one filled path of module runs drawn from the
  ``qrcode`` matrix, so it stays sharp at any printer resolution; modules are at least
  1 mm (see :data:`keyvault.paper.sheets.MIN_MODULE_MM`) with the 4-module quiet zone.
- **Embedded fonts**: subsets of DejaVu Sans and DejaVu Sans Mono shipped in
  ``keyvault/paper/fonts`` (see the LICENSE there); no reference to a font the printer
  might substitute. Text the fonts cannot show raises
  :class:`~keyvault.errors.UnprintableTextError` instead of printing empty boxes.
- **Deterministic bytes**: reportlab's invariant mode plus the document's own date as
  the PDF creation date, so the same document gives the same bytes, always.

Nothing is written to disk here: the caller decides where the bytes go (0600, atomic).
"""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Callable, Sequence
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from keyvault.errors import UnprintableTextError

from . import qrimage
from .sheets import (
    BlankQRGrid,
    BlankStampRow,
    BlankWordGrid,
    Block,
    Bullets,
    Checkboxes,
    Code,
    Columns,
    CutLine,
    Document,
    Fields,
    Heading,
    KeyText,
    Page,
    Paragraph,
    QRCode,
    Spacer,
    StampRow,
    Steps,
    Table,
    WordGrid,
    Wordlist,
)

__all__ = ["FONT_DIR", "count_pages", "page_size_mm", "render_pdf"]

FONT_DIR = Path(__file__).parent / "fonts"
_FONT_FILES = {
    "KVSans": "DejaVuSans.ttf",
    "KVSans-Bold": "DejaVuSans-Bold.ttf",
    "KVMono": "DejaVuSansMono.ttf",
    "KVMono-Bold": "DejaVuSansMono-Bold.ttf",
}
SANS, SANS_BOLD, MONO, MONO_BOLD = _FONT_FILES

_MM = 72 / 25.4
_MARGIN_X = 15 * _MM
_MARGIN_TOP = 20 * _MM
_MARGIN_BOTTOM = 16 * _MM
_SECRET_STRIP = (
    "SECRET \u00b7 whoever reads this page can take what it protects \u00b7 "
    "never photograph, scan or type it"
)


def page_size_mm(paper: str) -> tuple[float, float]:
    """Width and height in millimetres of ``a4`` or ``letter`` paper."""
    if paper == "a4":
        return (210.0, 297.0)
    if paper == "letter":
        return (215.9, 279.4)
    raise ValueError("paper is a4 or letter")


@cache
def _register_fonts() -> None:
    from reportlab.lib.fonts import addMapping
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    for name, filename in _FONT_FILES.items():
        pdfmetrics.registerFont(TTFont(name, str(FONT_DIR / filename)))
    for family, regular, bold in (("KVSans", SANS, SANS_BOLD), ("KVMono", MONO, MONO_BOLD)):
        addMapping(family, 0, 0, regular)
        addMapping(family, 1, 0, bold)
        addMapping(family, 0, 1, regular)
        addMapping(family, 1, 1, bold)


@cache
def _glyphs(font: str) -> frozenset[int]:
    from reportlab.pdfbase import pdfmetrics

    face = pdfmetrics.getFont(font).face
    return frozenset(face.charToGlyph)


def _check_printable(text: str, font: str = SANS) -> None:
    """Refuse text with characters the font lacks: a missing glyph prints as nothing."""
    known = _glyphs(font)
    if any(ord(c) not in known for c in text if not c.isspace()):
        raise UnprintableTextError(
            hint="phrases in Chinese, Japanese or Korean cannot be printed yet: "
            "write them by hand on the blank sheet ('keyvault paper blank')"
        )


_BOLD = re.compile(r"\*\*(.+?)\*\*")
_CODE = re.compile(r"`([^`]+)`")


def _markup(text: str) -> str:
    """Plain text with ``**bold**`` and ```code``` turned into reportlab's paragraph markup."""
    _check_printable(text.replace("*", "").replace("`", ""))
    escaped = escape(text)
    escaped = _BOLD.sub(r"<b>\1</b>", escaped)
    return _CODE.sub(rf'<font name="{MONO}">\1</font>', escaped)


class _Styles:
    """The paragraph styles, built once reportlab is imported."""

    def __init__(self) -> None:
        from reportlab.lib import colors
        from reportlab.lib.styles import ParagraphStyle

        base = ParagraphStyle(
            "body",
            fontName=SANS,
            bulletFontName=SANS,
            fontSize=9.5,
            leading=12.5,
            spaceAfter=4,
        )
        self.body = base
        self.small = ParagraphStyle("small", parent=base, fontSize=8, leading=10.5)
        self.item = ParagraphStyle("item", parent=base, leftIndent=16, bulletIndent=3)
        self.note = ParagraphStyle(
            "note", parent=base, fontSize=8, leading=10.5, textColor=colors.HexColor("#444444")
        )
        self.warning = ParagraphStyle(
            "warning",
            parent=base,
            fontName=SANS_BOLD,
            borderWidth=1.2,
            borderColor=colors.black,
            borderPadding=(5, 6, 5, 6),
            spaceBefore=6,
            spaceAfter=10,
        )
        self.title = ParagraphStyle(
            "title", parent=base, fontName=SANS_BOLD, fontSize=17, leading=21, spaceAfter=2
        )
        self.subtitle = ParagraphStyle(
            "subtitle", parent=base, fontSize=10, leading=13, spaceAfter=8
        )
        self.h1 = ParagraphStyle(
            "h1",
            parent=base,
            fontName=SANS_BOLD,
            fontSize=12.5,
            leading=16,
            spaceBefore=8,
            spaceAfter=4,
            keepWithNext=1,
        )
        self.h2 = ParagraphStyle(
            "h2",
            parent=base,
            fontName=SANS_BOLD,
            fontSize=10.5,
            leading=13.5,
            spaceBefore=6,
            spaceAfter=3,
            keepWithNext=1,
        )
        self.code = ParagraphStyle(
            "code",
            parent=base,
            fontName=MONO,
            fontSize=7.8,
            leading=9.6,
            backColor=colors.HexColor("#f2f2f2"),
            borderPadding=(4, 4, 4, 4),
            spaceBefore=4,
            spaceAfter=8,
        )
        self.cell = ParagraphStyle("cell", parent=base, fontSize=8.5, leading=10.5, spaceAfter=0)
        self.cell_bold = ParagraphStyle("cellb", parent=self.cell, fontName=SANS_BOLD)
        self.cell_mono = ParagraphStyle("cellm", parent=self.cell, fontName=MONO, fontSize=8.5)


# --- flowables ----------------------------------------------------------------------------
# Defined inside a factory so that importing this module does not import reportlab.


@cache
def _flowable_classes() -> dict[str, Any]:
    from reportlab.lib import colors
    from reportlab.platypus import Flowable

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
            self.module = block.module_mm * _MM
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

        row_height = 6.6 * _MM

        def __init__(self, block: WordGrid) -> None:
            super().__init__()
            self.block = block
            count = len(block.split())
            self.count = count
            self.rows = -(-count // block.columns)
            _check_printable(block.words.reveal_text(), MONO)

        def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
            self.avail = avail_width
            return (avail_width, self.rows * self.row_height + 2 * _MM)

        def draw(self) -> None:
            from reportlab.pdfbase.pdfmetrics import stringWidth

            canv = self.canv
            words = self.block.split()
            col_width = self.avail / self.block.columns
            size = 12.5 if self.block.columns <= 2 else 11
            for index, word in enumerate(words):
                col, row = divmod(index, self.rows)
                x = col * col_width
                y = (self.rows - row - 1) * self.row_height + 2 * _MM + 1.5 * _MM
                canv.setFont(SANS, 9)
                canv.setFillColor(colors.HexColor("#555555"))
                canv.drawRightString(x + 9 * _MM, y + 0.5, f"{index + 1}.")
                canv.setFillColor(colors.black)
                wx = x + 11 * _MM
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
                canv.line(x + 10 * _MM, y - 2.2 * _MM, x + col_width - 4 * _MM, y - 2.2 * _MM)
                canv.setStrokeColor(colors.black)

    class BlankGridFlowable(Flowable):  # type: ignore[misc]
        """Numbered lines to write words on by hand."""

        row_height = 9 * _MM

        def __init__(self, block: BlankWordGrid) -> None:
            super().__init__()
            self.block = block
            self.rows = -(-block.count // block.columns)

        def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
            self.avail = avail_width
            return (avail_width, self.rows * self.row_height + 2 * _MM)

        def draw(self) -> None:
            canv = self.canv
            col_width = self.avail / self.block.columns
            canv.setLineWidth(0.5)
            for index in range(self.block.count):
                col, row = divmod(index, self.rows)
                x = col * col_width
                y = (self.rows - row - 1) * self.row_height + 2 * _MM + 1.5 * _MM
                canv.setFont(SANS, 9)
                canv.drawRightString(x + 9 * _MM, y, f"{index + 1}.")
                canv.line(x + 11 * _MM, y - 1, x + col_width - 5 * _MM, y - 1)

    class StampFlowable(Flowable):  # type: ignore[misc]
        """Numbered boxes of four letters, twelve to a row, as on a steel plate."""

        per_row = 12
        box_height = 9 * _MM
        label_height = 3.5 * _MM

        def __init__(self, prefixes: Sequence[str] | None, count: int) -> None:
            super().__init__()
            self.prefixes = prefixes
            self.count = count
            self.rows = -(-count // self.per_row)

        def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
            self.avail = avail_width
            return (avail_width, self.rows * (self.box_height + self.label_height + 1.5 * _MM))

        def draw(self) -> None:
            canv = self.canv
            width = self.avail / self.per_row
            line = self.box_height + self.label_height + 1.5 * _MM
            canv.setLineWidth(0.7)
            for index in range(self.count):
                row, col = divmod(index, self.per_row)
                x = col * width
                y = (self.rows - row - 1) * line
                canv.rect(x + 0.6 * _MM, y, width - 1.2 * _MM, self.box_height)
                canv.setFont(SANS, 6.5)
                canv.drawCentredString(
                    x + width / 2, y + self.box_height + 0.8 * _MM, str(index + 1)
                )
                if self.prefixes is not None:
                    canv.setFont(MONO_BOLD, 12)
                    canv.drawCentredString(x + width / 2, y + 2.8 * _MM, self.prefixes[index])
                else:
                    canv.setLineWidth(0.3)
                    quarter = (width - 3 * _MM) / 4
                    for k in range(1, 4):
                        cx = x + 1.5 * _MM + k * quarter
                        canv.line(cx, y + 1.5 * _MM, cx, y + 3 * _MM)
                    canv.setLineWidth(0.7)

    class QRGridFlowable(Flowable):  # type: ignore[misc]
        """An empty square grid with A.. column letters and 1.. row numbers."""

        def __init__(self, block: BlankQRGrid) -> None:
            super().__init__()
            self.size = block.size
            self.cell = 4.2 * _MM

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
                canv.drawCentredString(x0 + (i + 0.5) * cell, n * cell + 1.2 * _MM, letters[i])
                canv.drawRightString(x0 - 1 * _MM, (n - i - 0.7) * cell, str(i + 1))
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
            _check_printable(text)
            self.text = text

        def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
            self.avail = avail_width
            return (avail_width, 8 * _MM)

        def draw(self) -> None:
            canv = self.canv
            y = 4 * _MM
            canv.setDash(3, 2)
            canv.setLineWidth(0.6)
            canv.line(6 * _MM, y, self.avail, y)
            canv.setDash()
            canv.setFont(SANS, 12)
            canv.drawString(0, y - 1.5 * _MM, "\u2702")
            canv.setFont(SANS, 7)
            width = canv.stringWidth(self.text, SANS, 7) + 4 * _MM
            canv.setFillColor(colors.white)
            canv.rect(self.avail / 2 - width / 2, y - 1.5 * _MM, width, 3 * _MM, stroke=0, fill=1)
            canv.setFillColor(colors.black)
            canv.drawCentredString(self.avail / 2, y - 0.8 * _MM, self.text)

    class WordlistFlowable(Flowable):  # type: ignore[misc]
        """A wordlist in index order, down the columns, split across as many sheets as needed."""

        row_height = 3.35 * _MM
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
                y = (rows - row - 1) * self.row_height + 0.8 * _MM
                canv.setFont(MONO, 7.2)
                canv.setFillColor(colors.HexColor("#555555"))
                canv.drawString(x, y, f"{self.first + i:04d}")
                canv.setFillColor(colors.black)
                canv.setFont(MONO_BOLD, 7.2)
                canv.drawString(x + 7.5 * _MM, y, word)

    return {
        "PageMarker": PageMarker,
        "QRFlowable": QRFlowable,
        "WordGridFlowable": WordGridFlowable,
        "BlankGridFlowable": BlankGridFlowable,
        "StampFlowable": StampFlowable,
        "QRGridFlowable": QRGridFlowable,
        "CutFlowable": CutFlowable,
        "WordlistFlowable": WordlistFlowable,
    }


# --- blocks to flowables ------------------------------------------------------------------


def _table_style(extra: Sequence[tuple[Any, ...]] = ()) -> Any:
    from reportlab.lib import colors
    from reportlab.platypus import TableStyle

    return TableStyle(
        [
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("FONTNAME", (0, 0), (-1, -1), SANS),
            ("LEFTPADDING", (0, 0), (-1, -1), 3),
            ("RIGHTPADDING", (0, 0), (-1, -1), 3),
            ("TOPPADDING", (0, 0), (-1, -1), 2),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ("LINEBELOW", (0, 0), (-1, -1), 0.3, colors.HexColor("#bbbbbb")),
            *extra,
        ]
    )


def _flowables(block: Block, styles: _Styles, width: float, *, in_cell: bool = False) -> list[Any]:
    from reportlab.lib import colors
    from reportlab.platypus import KeepTogether
    from reportlab.platypus import Paragraph as P
    from reportlab.platypus import Spacer as S
    from reportlab.platypus import Table as T

    classes = _flowable_classes()
    if isinstance(block, Heading):
        return [P(_markup(block.text), styles.h1 if block.level <= 1 else styles.h2)]
    if isinstance(block, Paragraph):
        style = getattr(styles, block.style)
        return [P(_markup(block.text), style)]
    if isinstance(block, Bullets):
        return [P(_markup(item), styles.item, bulletText="\u2022") for item in block.items]
    if isinstance(block, Steps):
        return [
            P(_markup(item), styles.item, bulletText=f"{number}.")
            for number, item in enumerate(block.items, start=block.start)
        ]
    if isinstance(block, Code):
        from reportlab.platypus import XPreformatted

        text = "\n".join(block.lines)
        _check_printable(text, MONO)
        return [XPreformatted(escape(text), styles.code)]
    if isinstance(block, Fields):
        rows = []
        blanks = []
        for index, (label, value) in enumerate(block.rows):
            _check_printable(label + value)
            cell = P(escape(value), styles.cell_mono) if value else ""
            rows.append([P(escape(label), styles.cell_bold), cell])
            if not value:
                blanks.append(("LINEBELOW", (1, index), (1, index), 0.7, colors.black))
        table = T(rows, colWidths=[width * 0.36, width * 0.64])
        table.setStyle(_table_style(blanks))
        return [table, S(1, 3 * _MM)]
    if isinstance(block, Checkboxes):
        _check_printable(block.label + "".join(block.options))
        boxes = "    ".join(
            ("\u2612 " if i == block.checked else "\u2610 ") + escape(option)
            for i, option in enumerate(block.options)
        )
        return [P(f"<b>{escape(block.label)}</b>    {boxes}", styles.body)]
    if isinstance(block, Table):
        header = [P(escape(h), styles.cell_bold) for h in block.header]
        body = []
        for row in block.rows:
            _check_printable("".join(row))
            body.append([P(escape(cell), styles.cell) for cell in row])
        weights = block.widths or tuple(1.0 for _ in block.header)
        total = sum(weights)
        # Rows left empty are for writing in by hand: give them room for a pen.
        heights = [None] + [None if any(row) else 8 * _MM for row in block.rows]
        table = T(
            [header, *body],
            colWidths=[width * w / total for w in weights],
            rowHeights=heights,
            repeatRows=1,
        )
        table.setStyle(_table_style([("LINEBELOW", (0, 0), (-1, 0), 0.8, colors.black)]))
        return [table, S(1, 3 * _MM)]
    if isinstance(block, WordGrid):
        return [classes["WordGridFlowable"](block)]
    if isinstance(block, StampRow):
        prefixes = block.prefixes()
        return [classes["StampFlowable"](prefixes, len(prefixes)), S(1, 2 * _MM)]
    if isinstance(block, BlankWordGrid):
        return [classes["BlankGridFlowable"](block)]
    if isinstance(block, BlankStampRow):
        return [classes["StampFlowable"](None, block.count), S(1, 2 * _MM)]
    if isinstance(block, BlankQRGrid):
        return [classes["QRGridFlowable"](block), S(1, 2 * _MM)]
    if isinstance(block, QRCode):
        parts: list[Any] = [classes["QRFlowable"](block)]
        if block.caption:
            caption = P(_markup(block.caption), styles.small)
            caption.style = styles.small.clone("qrcap", alignment=1)
            parts.append(caption)
        return parts if in_cell else [KeepTogether(parts)]
    if isinstance(block, KeyText):
        lines = block.lines()
        for line in lines:
            _check_printable(line, MONO)
        text_style = styles.code.clone("key", fontName=MONO_BOLD, fontSize=10.5, leading=14)
        parts = [P("<br/>".join(escape(line) for line in lines), text_style)]
        if block.caption:
            parts.insert(0, P(_markup(block.caption), styles.small))
        return parts if in_cell else [KeepTogether(parts)]
    if isinstance(block, CutLine):
        return [classes["CutFlowable"](block.text)]
    if isinstance(block, Spacer):
        return [S(1, block.mm * _MM)]
    if isinstance(block, Wordlist):
        return [classes["WordlistFlowable"](block.words)]
    if isinstance(block, Columns):
        left_width = width * block.left_width - 3 * _MM
        right_width = width * (1 - block.left_width) - 3 * _MM
        left = [f for b in block.left for f in _flowables(b, styles, left_width, in_cell=True)]
        right = [f for b in block.right for f in _flowables(b, styles, right_width, in_cell=True)]
        table = T(
            [[left, right]],
            colWidths=[width * block.left_width, width * (1 - block.left_width)],
        )
        table.setStyle(
            _table_style(
                [
                    ("LINEBELOW", (0, 0), (-1, -1), 0, colors.white),
                    ("LEFTPADDING", (0, 0), (-1, -1), 0),
                    ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ]
            )
        )
        return [table]
    raise TypeError(f"not a layout block: {type(block).__name__}")


# --- the document -------------------------------------------------------------------------


def _fixed_timestamp(day: date) -> Any:
    """A reportlab timestamp for ``day`` at 00:00 UTC (ignores SOURCE_DATE_EPOCH)."""
    from reportlab.lib.utils import TimeStamp

    stamp = TimeStamp(invariant=1)
    stamp.t = 0.0
    stamp.lt = (day.year, day.month, day.day, 0, 0, 0, 0, 1, 0)
    stamp.YMDhms = (day.year, day.month, day.day, 0, 0, 0)
    stamp.dhh = 0
    stamp.dmm = 0
    stamp.tzname = "UTC"
    return stamp


def _canvas_maker(document: Document, decorate: Callable[[Any, int, int], None]) -> Any:
    from reportlab.pdfgen.canvas import Canvas

    class KVCanvas(Canvas):  # type: ignore[misc]
        """Defers each sheet so its footer can say "page n of N"; fixes the PDF date."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            # reportlab seeds the document's /ID digest with its own timestamp (which
            # SOURCE_DATE_EPOCH can change): start both again from the document's date.
            stamp = _fixed_timestamp(document.date)
            self._doc._timeStamp = stamp
            signature = hashlib.md5(usedforsecurity=False)
            signature.update(b"a reportlab document")
            signature.update(ascii(stamp.t).encode("ascii"))
            self._doc.signature = signature
            self._kv_sheets: list[dict[str, Any]] = []
            self._kv_page: Page | None = None

        def showPage(self) -> None:
            self._kv_sheets.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._kv_sheets)
            for number, state in enumerate(self._kv_sheets, start=1):
                self.__dict__.update(state)
                decorate(self, number, total)
                super().showPage()
            super().save()

    return KVCanvas


def _decorator(document: Document, width: float, height: float) -> Callable[[Any, int, int], None]:
    from reportlab.lib import colors

    software = document.software
    reference = f"ref {document.reference}" if document.reference else ""
    day = document.date.isoformat()

    def decorate(canv: Any, number: int, total: int) -> None:
        page: Page | None = getattr(canv, "_kv_page", None)
        canv.saveState()
        top = height - 9 * _MM
        if page is not None and page.secret:
            canv.setFillColor(colors.black)
            canv.rect(_MARGIN_X, top - 2 * _MM, width - 2 * _MARGIN_X, 6.5 * _MM, stroke=0, fill=1)
            canv.setFillColor(colors.white)
            room = width - 2 * _MARGIN_X - 6 * _MM
            size = min(8.5, 8.5 * room / canv.stringWidth(_SECRET_STRIP, SANS_BOLD, 8.5))
            canv.setFont(SANS_BOLD, size)
            canv.drawCentredString(width / 2, top, _SECRET_STRIP)
            canv.setFillColor(colors.black)
        else:
            canv.setFont(SANS, 8)
            canv.drawString(_MARGIN_X, top, document.title)
            if page is not None:
                canv.drawRightString(width - _MARGIN_X, top, page.title)
        canv.setLineWidth(0.4)
        canv.line(_MARGIN_X, 11 * _MM, width - _MARGIN_X, 11 * _MM)
        canv.setFont(SANS, 7.5)
        left = " \u00b7 ".join(part for part in (software, f"printed {day}", reference) if part)
        canv.drawString(_MARGIN_X, 7 * _MM, left)
        canv.drawRightString(width - _MARGIN_X, 7 * _MM, f"page {number} of {total}")
        if document.footer:
            canv.setFont(SANS, 6.5)
            canv.drawString(_MARGIN_X, 4 * _MM, document.footer)
        canv.restoreState()

    return decorate


def render_pdf(document: Document) -> bytes:
    """The document as PDF bytes: vector QR codes, embedded fonts, deterministic output.

    Raises :class:`~keyvault.errors.UnprintableTextError` for text the fonts cannot show,
    and ``ValueError`` for a layout that cannot be drawn (e.g. a QR code wider than the
    page). The bytes may hold secrets: write them only where the user asked, mode 0600.
    """
    from reportlab.platypus import PageBreak, SimpleDocTemplate
    from reportlab.platypus import Paragraph as P

    _register_fonts()
    for text in (document.title, document.footer, document.software):
        _check_printable(text)
    width_mm, height_mm = page_size_mm(document.paper)
    width, height = width_mm * _MM, height_mm * _MM
    frame_width = width - 2 * _MARGIN_X
    styles = _Styles()
    classes = _flowable_classes()
    story: list[Any] = []
    for index, page in enumerate(document.pages):
        if index:
            story.append(PageBreak())
        story.append(classes["PageMarker"](page))
        story.append(P(_markup(page.title), styles.title))
        if page.subtitle:
            story.append(P(_markup(page.subtitle), styles.subtitle))
        for block in page.blocks:
            story.extend(_flowables(block, styles, frame_width))
    buffer = io.BytesIO()
    template = SimpleDocTemplate(
        buffer,
        pagesize=(width, height),
        leftMargin=_MARGIN_X,
        rightMargin=_MARGIN_X,
        topMargin=_MARGIN_TOP,
        bottomMargin=_MARGIN_BOTTOM,
        title=document.title,
        author="",
        subject="",
        creator=document.software or "keyvault",
        producer="keyvault (reportlab)",
        invariant=1,
        initialFontName=SANS,
        initialFontSize=9.5,
        lang="en",
    )
    for flowable in story:
        width_needed = getattr(flowable, "side", 0)
        if width_needed > frame_width:
            raise ValueError("a QR code is wider than the page")
    template.build(story, canvasmaker=_canvas_maker(document, _decorator(document, width, height)))
    return buffer.getvalue()


_PAGE_OBJECT = re.compile(rb"/Type\s*/Page(?![a-zA-Z])")


def count_pages(pdf: bytes) -> int:
    """The number of pages in a PDF this module rendered (counts its page objects)."""
    return len(_PAGE_OBJECT.findall(pdf))

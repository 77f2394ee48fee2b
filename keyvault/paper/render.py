"""Render a :class:`~keyvault.paper.sheets.Document` as PDF bytes, in memory (reportlab).

- **Vector QR codes**: each code is one filled path of module runs drawn from the
  ``qrcode`` matrix, so it stays sharp at any printer resolution; modules are at least
  1 mm (see :data:`keyvault.paper.sheets.MIN_MODULE_MM`) with the 4-module quiet zone.
- **Embedded fonts** (:mod:`keyvault.paper.typeface`): subsets of DejaVu Sans and DejaVu
  Sans Mono; no reference to a font the printer might substitute. Text the fonts cannot
  show raises :class:`~keyvault.errors.UnprintableTextError` instead of printing empty boxes.
- **Deterministic bytes**: reportlab's invariant mode plus the document's own date as
  the PDF creation date, so the same document gives the same bytes, always.

Each layout block becomes reportlab flowables here: reportlab's own (paragraphs, tables)
or keyvault's (:mod:`keyvault.paper.flowables`); :mod:`keyvault.paper.canvas` numbers and
decorates the sheets. Both import reportlab, so they are imported only when rendering.

Nothing is written to disk here: the caller decides where the bytes go (0600, atomic).
"""

from __future__ import annotations

import functools
import io
import re
from collections.abc import Callable, Sequence
from typing import Any
from xml.sax.saxutils import escape

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
    PlateGrid,
    QRCode,
    Spacer,
    StampRow,
    Steps,
    Table,
    WordGrid,
    Wordlist,
)
from .typeface import (
    FONT_DIR,
    MM,
    MONO,
    MONO_BOLD,
    SANS,
    SANS_BOLD,
    check_printable,
    register_fonts,
)

__all__ = ["FONT_DIR", "count_pages", "page_size_mm", "render_pdf"]

_MARGIN_X = 15 * MM
_MARGIN_TOP = 20 * MM
_MARGIN_BOTTOM = 16 * MM
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


_BOLD = re.compile(r"\*\*(.+?)\*\*")
_CODE = re.compile(r"`([^`]+)`")


def _markup(text: str) -> str:
    """Plain text with ``**bold**`` and ```code``` turned into reportlab's paragraph markup."""
    check_printable(text.replace("*", "").replace("`", ""))
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

    from . import flowables

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
        check_printable(text, MONO)
        return [XPreformatted(escape(text), styles.code)]
    if isinstance(block, Fields):
        rows = []
        blanks = []
        for index, (label, value) in enumerate(block.rows):
            check_printable(label + value)
            cell = P(escape(value), styles.cell_mono) if value else ""
            rows.append([P(escape(label), styles.cell_bold), cell])
            if not value:
                blanks.append(("LINEBELOW", (1, index), (1, index), 0.7, colors.black))
        table = T(rows, colWidths=[width * 0.36, width * 0.64])
        table.setStyle(_table_style(blanks))
        return [table, S(1, 3 * MM)]
    if isinstance(block, Checkboxes):
        check_printable(block.label + "".join(block.options))
        boxes = "    ".join(
            ("\u2612 " if i == block.checked else "\u2610 ") + escape(option)
            for i, option in enumerate(block.options)
        )
        return [P(f"<b>{escape(block.label)}</b>    {boxes}", styles.body)]
    if isinstance(block, Table):
        header = [P(escape(h), styles.cell_bold) for h in block.header]
        body = []
        for row in block.rows:
            check_printable("".join(row))
            body.append([P(escape(cell), styles.cell) for cell in row])
        weights = block.widths or tuple(1.0 for _ in block.header)
        total = sum(weights)
        # Rows left empty are for writing in by hand: give them room for a pen.
        heights = [None] + [None if any(row) else 8 * MM for row in block.rows]
        table = T(
            [header, *body],
            colWidths=[width * w / total for w in weights],
            rowHeights=heights,
            repeatRows=1,
        )
        table.setStyle(_table_style([("LINEBELOW", (0, 0), (-1, 0), 0.8, colors.black)]))
        return [table, S(1, 3 * MM)]
    if isinstance(block, WordGrid):
        return [flowables.WordGridFlowable(block)]
    if isinstance(block, StampRow):
        prefixes = block.prefixes()
        return [flowables.StampFlowable(prefixes, len(prefixes)), S(1, 2 * MM)]
    if isinstance(block, BlankWordGrid):
        return [flowables.BlankGridFlowable(block)]
    if isinstance(block, BlankStampRow):
        return [flowables.StampFlowable(None, block.count), S(1, 2 * MM)]
    if isinstance(block, BlankQRGrid):
        return [flowables.QRGridFlowable(block), S(1, 2 * MM)]
    if isinstance(block, QRCode):
        parts: list[Any] = [flowables.QRFlowable(block)]
        if block.caption:
            caption = P(_markup(block.caption), styles.small)
            caption.style = styles.small.clone("qrcap", alignment=1)
            parts.append(caption)
        return parts if in_cell else [KeepTogether(parts)]
    if isinstance(block, KeyText):
        lines = block.lines()
        for line in lines:
            check_printable(line, MONO)
        text_style = styles.code.clone("key", fontName=MONO_BOLD, fontSize=10.5, leading=14)
        parts = [P("<br/>".join(escape(line) for line in lines), text_style)]
        if block.caption:
            parts.insert(0, P(_markup(block.caption), styles.small))
        return parts if in_cell else [KeepTogether(parts)]
    if isinstance(block, CutLine):
        return [flowables.CutFlowable(block.text)]
    if isinstance(block, Spacer):
        return [S(1, block.mm * MM)]
    if isinstance(block, Wordlist):
        return [flowables.WordlistFlowable(block.words)]
    if isinstance(block, PlateGrid):
        from .plate_flowable import PlateFlowable

        return [PlateFlowable(block)]
    if isinstance(block, Columns):
        left_width = width * block.left_width - 3 * MM
        right_width = width * (1 - block.left_width) - 3 * MM
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


def _decorator(document: Document, width: float, height: float) -> Callable[[Any, int, int], None]:
    from reportlab.lib import colors

    software = document.software
    reference = f"ref {document.reference}" if document.reference else ""
    day = document.date.isoformat()

    def decorate(canv: Any, number: int, total: int) -> None:
        page: Page | None = getattr(canv, "_kv_page", None)
        canv.saveState()
        top = height - 9 * MM
        if page is not None and page.secret:
            canv.setFillColor(colors.black)
            canv.rect(_MARGIN_X, top - 2 * MM, width - 2 * _MARGIN_X, 6.5 * MM, stroke=0, fill=1)
            canv.setFillColor(colors.white)
            room = width - 2 * _MARGIN_X - 6 * MM
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
        canv.line(_MARGIN_X, 11 * MM, width - _MARGIN_X, 11 * MM)
        canv.setFont(SANS, 7.5)
        left = " \u00b7 ".join(part for part in (software, f"printed {day}", reference) if part)
        canv.drawString(_MARGIN_X, 7 * MM, left)
        canv.drawRightString(width - _MARGIN_X, 7 * MM, f"page {number} of {total}")
        if document.footer:
            canv.setFont(SANS, 6.5)
            canv.drawString(_MARGIN_X, 4 * MM, document.footer)
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

    from . import canvas, flowables

    register_fonts()
    for text in (document.title, document.footer, document.software):
        check_printable(text)
    width_mm, height_mm = page_size_mm(document.paper)
    width, height = width_mm * MM, height_mm * MM
    frame_width = width - 2 * _MARGIN_X
    styles = _Styles()
    story: list[Any] = []
    for index, page in enumerate(document.pages):
        if index:
            story.append(PageBreak())
        story.append(flowables.PageMarker(page))
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
    decorate = _decorator(document, width, height)
    maker = functools.partial(canvas.PageCanvas, day=document.date, decorate=decorate)
    template.build(story, canvasmaker=maker)
    return buffer.getvalue()


_PAGE_OBJECT = re.compile(rb"/Type\s*/Page(?![a-zA-Z])")


def count_pages(pdf: bytes) -> int:
    """The number of pages in a PDF this module rendered (counts its page objects)."""
    return len(_PAGE_OBJECT.findall(pdf))

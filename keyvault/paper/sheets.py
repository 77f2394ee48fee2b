"""The layout model: what goes on each printed page, as plain values (no reportlab).

A :class:`Document` is a title, a date, a paper size and a sequence of :class:`Page`\\ s;
each page is a sequence of blocks, drawn top to bottom. The renderer
(:mod:`keyvault.paper.render`) decides the geometry; a page whose blocks do not fit
continues on a new sheet under the same title.

Secrets in the model (words, keys, QR payloads) are :class:`~keyvault.secret.Secret`
values, so a model can be logged or shown in a traceback without leaking them. A page
holding a secret sets ``secret=True``: the renderer marks it as such on paper.

The builders of each document type live beside this module
(:mod:`keyvault.paper.documents`, :mod:`keyvault.paper.kit`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Literal

from keyvault.secret import Secret

from . import qrimage

__all__ = [
    "MIN_MODULE_MM",
    "PAPER_SIZES",
    "BlankQRGrid",
    "BlankStampRow",
    "BlankWordGrid",
    "Block",
    "Bullets",
    "Checkboxes",
    "Code",
    "Columns",
    "CutLine",
    "Document",
    "Fields",
    "Heading",
    "KeyText",
    "Page",
    "PaperSize",
    "Paragraph",
    "PlateGrid",
    "QRCode",
    "Spacer",
    "StampRow",
    "Steps",
    "Table",
    "WordGrid",
    "Wordlist",
    "secret_words",
]

PaperSize = Literal["a4", "letter"]
PAPER_SIZES: tuple[PaperSize, ...] = ("a4", "letter")

QRMode = Literal["numeric", "alphanumeric", "byte"]
ErrorLevel = Literal["L", "M", "Q", "H"]

#: The smallest QR module printed: below 1 mm, photos of a page stop decoding reliably.
MIN_MODULE_MM = 1.0


@dataclass(frozen=True)
class Heading:
    """A heading; level 1 is a section, level 2 a subsection."""

    text: str
    level: int = 1


@dataclass(frozen=True)
class Paragraph:
    """Flowing text. ``style``: ``body``, ``small``, ``warning`` (boxed, bold) or ``note``."""

    text: str
    style: Literal["body", "small", "warning", "note"] = "body"


@dataclass(frozen=True)
class Bullets:
    """An unnumbered list."""

    items: tuple[str, ...]


@dataclass(frozen=True)
class Steps:
    """A numbered list of instructions, starting at ``start``."""

    items: tuple[str, ...]
    start: int = 1


@dataclass(frozen=True)
class Code:
    """Lines to type exactly as printed (commands, a program), in a monospace box.

    Public text only: secrets go in :class:`KeyText`.
    """

    lines: tuple[str, ...]


@dataclass(frozen=True)
class Fields:
    """Label/value pairs, e.g. fingerprint and date. An empty value prints a blank to fill in."""

    rows: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Checkboxes:
    """A question with boxes, one ticked (``checked`` is its index) or none (tick by hand)."""

    label: str
    options: tuple[str, ...]
    checked: int | None = None

    def __post_init__(self) -> None:
        if self.checked is not None and not 0 <= self.checked < len(self.options):
            raise ValueError("checked must index one of the options")


@dataclass(frozen=True)
class Table:
    """A table with a header row; long tables continue on the next sheet."""

    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    #: Relative column widths (defaults to equal).
    widths: tuple[float, ...] = ()

    def __post_init__(self) -> None:
        if any(len(row) != len(self.header) for row in self.rows):
            raise ValueError("every row needs as many cells as the header")
        if self.widths and len(self.widths) != len(self.header):
            raise ValueError("one width per column")


@dataclass(frozen=True)
class WordGrid:
    """Numbered words (``words``: the words separated by single spaces), in columns.

    With ``emphasise_prefix`` the first four letters of each word stand out: they are
    unique in the BIP39 English and SLIP-39 wordlists, so they alone identify the word.
    """

    words: Secret
    columns: int = 2
    emphasise_prefix: bool = True

    def split(self) -> list[str]:
        """The words (secret: call only while drawing)."""
        return self.words.reveal_text().split()


@dataclass(frozen=True)
class StampRow:
    """The words cut to their first four letters, in numbered boxes, as stamped on steel."""

    words: Secret

    def prefixes(self) -> list[str]:
        """The 4-letter prefixes (secret: call only while drawing)."""
        return [word[:4].upper() for word in self.words.reveal_text().split()]


@dataclass(frozen=True)
class BlankWordGrid:
    """Numbered empty lines to write words on by hand."""

    count: int
    columns: int = 2


@dataclass(frozen=True)
class BlankStampRow:
    """Numbered empty boxes of four letters each, to plan a metal plate by hand."""

    count: int


@dataclass(frozen=True)
class BlankQRGrid:
    """An empty ``size`` x ``size`` grid with lettered/numbered axes to copy a QR by hand."""

    size: int

    def __post_init__(self) -> None:
        if self.size not in (21, 25, 29):
            raise ValueError("a hand-copy grid is 21, 25 or 29 modules (QR versions 1 to 3)")


@dataclass(frozen=True)
class QRCode:
    """A QR code drawn as vector squares, with a caption beneath.

    ``payload`` is text for ``numeric``/``alphanumeric`` mode and raw bytes for ``byte``
    mode. ``version`` None picks the smallest version that fits at ``error``.
    ``module_mm`` is the printed size of one module (at least :data:`MIN_MODULE_MM`).
    ``public`` says the payload is no secret (a public key, an address).
    """

    payload: Secret
    mode: QRMode
    caption: str = ""
    version: int | None = None
    error: ErrorLevel = "M"
    module_mm: float = 1.5
    public: bool = False

    def __post_init__(self) -> None:
        if self.module_mm < MIN_MODULE_MM:
            raise ValueError(f"QR modules are at least {MIN_MODULE_MM} mm")
        if self.mode not in ("numeric", "alphanumeric", "byte"):
            raise ValueError(f"unknown QR mode {self.mode!r}")

    def matrix(self) -> qrimage.Matrix:
        """The module matrix (secret unless ``public``: it encodes the payload)."""
        data: bytes | str = self.payload.reveal()
        if self.mode != "byte":
            data = self.payload.reveal_text()
        version = self.version
        if version is None:
            version = qrimage.smallest_version(data, mode=self.mode, error=self.error)
        return qrimage.qr_matrix(data, version=version, mode=self.mode, error=self.error)


@dataclass(frozen=True)
class KeyText:
    """A secret string (an age identity, a share) printed in monospace, broken in groups."""

    text: Secret
    caption: str = ""
    #: Characters per group and groups per line when broken for copying by hand.
    group: int = 4
    groups_per_line: int = 8
    #: A public prefix (e.g. ``AGE-SECRET-KEY-1``) printed whole on the first line.
    prefix: str = ""

    def lines(self) -> list[str]:
        """The text in groups (secret: call only while drawing)."""
        text = self.text.reveal_text()
        head: list[str] = []
        if self.prefix and text.startswith(self.prefix):
            head, text = [self.prefix], text[len(self.prefix) :]
        groups = [text[i : i + self.group] for i in range(0, len(text), self.group)]
        return head + [
            " ".join(groups[i : i + self.groups_per_line])
            for i in range(0, len(groups), self.groups_per_line)
        ]


@dataclass(frozen=True)
class CutLine:
    """A dashed line with scissors: cut here. ``text`` is printed along it."""

    text: str = "cut here"


@dataclass(frozen=True)
class Spacer:
    """Vertical space in millimetres."""

    mm: float


@dataclass(frozen=True)
class Wordlist:
    """An appendix table of a wordlist, each word after its 0-based 4-digit index.

    For BIP39 English the index is what Standard SeedQR encodes (0000 abandon ... 2047
    zoo), so the digits a phone shows decode by hand.
    """

    words: tuple[str, ...]


@dataclass(frozen=True)
class Columns:
    """Two stacks of blocks side by side (e.g. a QR code and the facts about it).

    ``left_width`` is the left column's share of the width (0 to 1).
    """

    left: tuple[Block, ...]
    right: tuple[Block, ...]
    left_width: float = 0.5

    def __post_init__(self) -> None:
        if not 0.1 <= self.left_width <= 0.9:
            raise ValueError("left_width is between 0.1 and 0.9")
        if any(isinstance(b, Columns) for b in (*self.left, *self.right)):
            raise ValueError("columns do not nest")


@dataclass(frozen=True)
class PlateGrid:
    """A phrase as metal-plate dots (:mod:`keyvault.seedphrase.plate`), one row per word.

    ``words`` is the phrase (secret: the dots are drawn from it only while drawing);
    ``None`` draws the empty grid, to mark by hand. ``plate_format`` is ``"1248"`` or
    ``"binary"``; ``count`` is the number of rows of an empty grid.
    """

    words: Secret | None
    plate_format: Literal["1248", "binary"]
    count: int = 24

    def __post_init__(self) -> None:
        if self.plate_format not in ("1248", "binary"):
            raise ValueError("plate_format is 1248 or binary")


Block = (
    Heading
    | Columns
    | Paragraph
    | Bullets
    | Steps
    | Code
    | Fields
    | Checkboxes
    | Table
    | WordGrid
    | StampRow
    | BlankWordGrid
    | BlankStampRow
    | BlankQRGrid
    | QRCode
    | KeyText
    | CutLine
    | Spacer
    | Wordlist
    | PlateGrid
)


@dataclass(frozen=True)
class Page:
    """One page of a document (continued on further sheets if its blocks do not fit).

    ``secret`` marks every sheet of the page with a "secret" strip.
    """

    title: str
    blocks: tuple[Block, ...]
    secret: bool = False
    subtitle: str = ""


_ID = re.compile(r"^[0-9A-Za-z-]{1,32}$")


@dataclass(frozen=True)
class Document:
    """A whole printable document.

    ``date`` is printed on every page and is the PDF's creation date, so the same input
    gives the same bytes. ``reference`` is a short public id printed on every page (e.g.
    the vault id's first characters) so loose sheets can be matched up.
    """

    title: str
    pages: tuple[Page, ...]
    date: date
    paper: PaperSize = "a4"
    reference: str = ""
    software: str = ""
    footer: str = ""

    def __post_init__(self) -> None:
        if self.paper not in PAPER_SIZES:
            raise ValueError(f"paper is one of {', '.join(PAPER_SIZES)}")
        if not self.pages:
            raise ValueError("a document has at least one page")
        if self.reference and not _ID.match(self.reference):
            raise ValueError("a reference is 1-32 letters, digits or dashes")

    @property
    def has_secret(self) -> bool:
        """True when any page carries a secret."""
        return any(page.secret for page in self.pages)

    def with_paper(self, paper: PaperSize) -> Document:
        """The same document on another paper size."""
        return replace(self, paper=paper)


def secret_words(words: Sequence[str]) -> Secret:
    """Words joined by single spaces, as a :class:`Secret` for :class:`WordGrid`."""
    return Secret(" ".join(words), label="words")

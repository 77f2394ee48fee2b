"""The fonts and unit every printed page uses, and the check that a font can show a text.

- Fonts: subsets of DejaVu Sans and DejaVu Sans Mono shipped in ``keyvault/paper/fonts``
  (see the LICENSE there), registered with reportlab under the names :data:`SANS`,
  :data:`SANS_BOLD`, :data:`MONO` and :data:`MONO_BOLD` by :func:`register_fonts`.
- :data:`MM`: one millimetre in PDF points.
- :func:`check_printable` raises :class:`~keyvault.errors.UnprintableTextError` for text
  with a character the font lacks (it would print as nothing).

Importing this module does not import reportlab; the functions do, when called.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from keyvault.errors import UnprintableTextError

__all__ = [
    "FONT_DIR",
    "MM",
    "MONO",
    "MONO_BOLD",
    "SANS",
    "SANS_BOLD",
    "check_printable",
    "register_fonts",
]

FONT_DIR = Path(__file__).parent / "fonts"
_FONT_FILES = {
    "KVSans": "DejaVuSans.ttf",
    "KVSans-Bold": "DejaVuSans-Bold.ttf",
    "KVMono": "DejaVuSansMono.ttf",
    "KVMono-Bold": "DejaVuSansMono-Bold.ttf",
}
SANS, SANS_BOLD, MONO, MONO_BOLD = _FONT_FILES

MM = 72 / 25.4


@cache
def register_fonts() -> None:
    """Register the four embedded fonts and their bold mappings with reportlab (once)."""
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


def check_printable(text: str, font: str = SANS) -> None:
    """Refuse text with characters the font lacks: a missing glyph prints as nothing.

    Needs :func:`register_fonts` to have run.
    """
    known = _glyphs(font)
    if any(ord(c) not in known for c in text if not c.isspace()):
        raise UnprintableTextError(
            hint="phrases in Chinese, Japanese or Korean cannot be printed yet: "
            "write them by hand on the blank sheet ('keyvault paper blank')"
        )

"""The metal-plate sheet: a phrase drawn as Stackbit 1248 columns or a TinySeed grid.

The sheet shows, for every word, its position, its number in the wordlist (from 1) and
the dots a punched plate has, so the plate can be checked against it dot by dot; with no
phrase it is an empty template to mark by hand first. Layout only: the dots come from
:mod:`keyvault.seedphrase.plate` when the page is drawn.
"""

from __future__ import annotations

from datetime import date

from keyvault.seedphrase import bip39
from keyvault.seedphrase.plate import PlateFormat

from .sheets import Bullets, Document, Page, PaperSize, Paragraph, PlateGrid

__all__ = ["plate_sheet"]

_TITLES = {"1248": "Metal plate check: 1248 columns", "binary": "Metal plate check: binary grid"}
_HOW = {
    "1248": "Each word number (0001 to 2048) is four digits; each digit is the sum of the "
    "punched dots 1, 2, 4 and 8 (7 = 1 + 2 + 4; 0 = no dot).",
    "binary": "Each word number (1 to 2048) is twelve dots worth 2048 down to 1; the number "
    "is the sum of the punched dots.",
}


def plate_sheet(
    phrase: bip39.Phrase | None,
    plate_format: str,
    *,
    day: date,
    paper: PaperSize = "a4",
    count: int = 24,
) -> Document:
    """The plate sheet for ``phrase`` (secret), or an empty template with ``count`` rows."""
    if plate_format not in _TITLES:
        raise ValueError("plate_format is 1248 or binary")
    chosen: PlateFormat = "binary" if plate_format == "binary" else "1248"
    words = phrase.words if phrase is not None else None
    grid = PlateGrid(words=words, plate_format=chosen, count=count)
    intro = (
        "Hold the punched plate beside this sheet and compare it row by row."
        if phrase is not None
        else "Mark the dots for each word here first, then punch the plate from this sheet."
    )
    blocks = (
        Paragraph(intro),
        Bullets(
            (
                "Word numbers count from 1: abandon is 0001, zoo is 2048 "
                "(the BIP39 English list; other languages use their own list).",
                _HOW[chosen],
            )
        ),
        grid,
    )
    return Document(
        title=_TITLES[chosen],
        pages=(Page(title=_TITLES[chosen], blocks=blocks, secret=phrase is not None),),
        date=day,
        paper=paper,
    )

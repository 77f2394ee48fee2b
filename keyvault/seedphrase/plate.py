"""Metal-plate encodings of a BIP39 phrase: Stackbit "1248" columns and a TinySeed grid.

Both encode each word's **number** in its wordlist, counted from 1 (``abandon`` is 1,
``zoo`` is 2048), the way the plates are sold and documented:

- **1248** (Stackbit style): the number as four decimal digits (``0001`` to ``2048``);
  each digit is punched as the sum of the dots 1, 2, 4 and 8 (7 = 1 + 2 + 4).
- **binary** (TinySeed style): the number as 12 bits, dots for 2048, 1024, ..., 2, 1.

The rows are the phrase in another form: :class:`PlateRow` has no readable repr, and
:func:`text` is for the terminal of the person checking their own plate.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from keyvault.secret import Secret

from . import bip39

__all__ = ["BINARY_WEIGHTS", "DIGIT_WEIGHTS", "FORMATS", "PlateFormat", "PlateRow", "rows", "text"]

PlateFormat = Literal["1248", "binary"]
FORMATS: tuple[PlateFormat, ...] = ("1248", "binary")

#: The dots of one decimal digit in the 1248 format, in punching order.
DIGIT_WEIGHTS: tuple[int, ...] = (1, 2, 4, 8)
#: The dots of one word in the binary format, most significant first.
BINARY_WEIGHTS: tuple[int, ...] = tuple(2**bit for bit in range(11, -1, -1))


@dataclass(frozen=True)
class PlateRow:
    """One word on a plate: its position in the phrase, its number, the dots to punch.

    ``dots`` is one tuple of booleans per column group: four digit groups of
    :data:`DIGIT_WEIGHTS` for 1248, one group of :data:`BINARY_WEIGHTS` for binary.
    """

    position: int
    number: int
    dots: tuple[tuple[bool, ...], ...]

    def __repr__(self) -> str:
        return f"PlateRow(position={self.position}, **redacted**)"


def _dots(number: int, plate_format: PlateFormat) -> tuple[tuple[bool, ...], ...]:
    if plate_format == "binary":
        return (tuple(bool(number & weight) for weight in BINARY_WEIGHTS),)
    digits = f"{number:04d}"
    return tuple(tuple(bool(int(d) & weight) for weight in DIGIT_WEIGHTS) for d in digits)


def rows(phrase: bip39.Phrase | Secret | str, plate_format: PlateFormat) -> list[PlateRow]:
    """The plate rows of a (checked) BIP39 phrase, word 1 first."""
    if plate_format not in FORMATS:
        raise ValueError(f"plate format is one of {', '.join(FORMATS)}")
    checked = phrase if isinstance(phrase, bip39.Phrase) else bip39.check(phrase)
    return [
        PlateRow(position, index + 1, _dots(index + 1, plate_format))
        for position, index in enumerate(checked.indices(), start=1)
    ]


def text(plate_rows: list[PlateRow], plate_format: PlateFormat, punched: str = "●") -> Secret:
    """The rows as a monospace grid for the terminal (``●`` punched, ``·`` not)."""
    empty = "·"
    lines: list[str] = []
    if plate_format == "binary":
        lines.append("word  number  " + " ".join(f"{w:>4}" for w in BINARY_WEIGHTS))
        for row in plate_rows:
            cells = " ".join(f"{punched if dot else empty:>4}" for dot in row.dots[0])
            lines.append(f"{row.position:>4}  {row.number:>6}  {cells}")
    else:
        groups = ["thousands", "hundreds", "tens", "units"]
        lines.append("word  number  " + " | ".join(f"{g:^9}" for g in groups))
        lines.append("              " + " | ".join(" 1 2 4 8 " for _ in groups))
        for row in plate_rows:
            cells = " | ".join(
                " " + " ".join(punched if dot else empty for dot in group) + " "
                for group in row.dots
            )
            lines.append(f"{row.position:>4}  {row.number:>6}  {cells}")
    return Secret("\n".join(lines) + "\n", label="plate")

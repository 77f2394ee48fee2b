"""Locate (and propose fixes for) wrong characters in a codex32 string, from its checksum.

BIP-93's checksum is a BCH code: it detects any error in up to 8 characters and can
*correct* up to 4 substituted characters or 8 unreadable ones (erasures). BIP-93 leaves
the method to implementations and says a correction must be shown to the user, never
used silently. This module only locates; the caller decides what to show.

The checksum residue is affine in the bits of the characters (``polymod`` is a
shift-and-xor), so the effect of changing one character is a fixed vector per
(position, 5-bit difference). That gives two exact, cheap searches:

- **erasures** (``?`` or a character outside the bech32 alphabet): the unknown bits solve a
  linear system over GF(2); up to 8 erasures have at most one solution;
- **substitutions**: one or two wrong characters are found by a table of all single-character
  effects (about 31 x length entries) and a meet-in-the-middle lookup for pairs.

Three or four substitutions are correctable in theory but need a full BCH decoder; they are
reported as "too many errors to locate". The polynomial constants come from the ``codex32``
reference package, so this module adds no checksum definition of its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from codex32.checksums import CODEX32, CODEX32_LONG, Checksum

__all__ = ["CHARSET", "MAX_ERASURES", "Correction", "locate"]

#: The bech32 alphabet (BIP-173); a character's value is its index here.
CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"

#: Erasures a codex32 checksum can always fill (BIP-93).
MAX_ERASURES = 8

_HRP = "ms"
# Strings of up to 94 characters use the 13-character checksum, 97 and more the long one.
_SHORT_MAX_LENGTH = 94
_LONG_MIN_LENGTH = 97


@dataclass(frozen=True, repr=False)
class Correction:
    """Where a codex32 string was wrong, and its corrected data values.

    ``positions`` are 1-based positions in the full string (``m`` of ``ms1`` is 1).
    ``values`` is the whole corrected data part (after ``ms1``) as 5-bit values: secret,
    so the class has no repr that shows it.
    """

    positions: tuple[int, ...]
    values: tuple[int, ...]

    def text(self, upper: bool = False) -> str:
        """The corrected string (secret: show it only to the user who typed it)."""
        body = "ms1" + "".join(CHARSET[v] for v in self.values)
        return body.upper() if upper else body

    def __repr__(self) -> str:
        return f"Correction(positions={self.positions})"


def _spec(length: int) -> Checksum | None:
    if length <= _SHORT_MAX_LENGTH:
        return CODEX32
    if length >= _LONG_MIN_LENGTH:
        return CODEX32_LONG
    return None


def _prefix_values() -> list[int]:
    # BIP-173's human-readable-part expansion for "ms".
    return [ord(c) >> 5 for c in _HRP] + [0] + [ord(c) & 31 for c in _HRP]


def _syndrome(spec: Checksum, values: Sequence[int]) -> int:
    residue: int = spec.polymod(_prefix_values() + list(values))
    return residue ^ int(spec.const)


def _effects(spec: Checksum, count: int) -> list[list[int]]:
    """``effects[p][b]``: how the residue changes when bit ``b`` of value ``p`` flips."""
    step_shift = int(spec.shift)
    mask = int(spec.mask)
    gens = [int(g) for g in spec.gen]

    def step(residue: int) -> int:
        top = residue >> step_shift
        residue = (residue & mask) << len(gens)
        for i, g in enumerate(gens):
            if (top >> i) & 1:
                residue ^= g
        return residue

    effects = [[0] * 5 for _ in range(count)]
    current = [1 << b for b in range(5)]
    for position in range(count - 1, -1, -1):
        effects[position] = list(current)
        current = [step(r) for r in current]
    return effects


def _effect(effects: list[list[int]], position: int, difference: int) -> int:
    result = 0
    for b in range(5):
        if (difference >> b) & 1:
            result ^= effects[position][b]
    return result


def _solve_erasures(
    effects: list[list[int]], erased: Sequence[int], syndrome: int
) -> list[int] | None:
    """The values at ``erased`` that zero ``syndrome``, when exactly one choice does."""
    columns = [effects[p][b] for p in erased for b in range(5)]
    unknowns = len(columns)
    # Gaussian elimination over GF(2): rows are residue bits, kept as column bitmasks.
    rows: list[tuple[int, int]] = []  # (coefficient mask over unknowns, right-hand bit)
    width = max([syndrome.bit_length(), *(c.bit_length() for c in columns)])
    for bit in range(width):
        mask = 0
        for j, column in enumerate(columns):
            if (column >> bit) & 1:
                mask |= 1 << j
        rows.append((mask, (syndrome >> bit) & 1))
    pivots: list[tuple[int, int, int]] = []  # (pivot column, mask, rhs)
    for mask, rhs in rows:
        for column, pmask, prhs in pivots:
            if (mask >> column) & 1:
                mask ^= pmask
                rhs ^= prhs
        if mask == 0:
            if rhs:
                return None  # inconsistent: more is wrong than the erasures
            continue
        column = mask.bit_length() - 1
        pivots = [(c, m ^ mask, r ^ rhs) if (m >> column) & 1 else (c, m, r) for c, m, r in pivots]
        pivots.append((column, mask, rhs))
    if len(pivots) != unknowns:
        return None  # several fillings fit: too many erasures to decide
    solution = 0
    for column, _mask, rhs in pivots:
        if rhs:
            solution |= 1 << column
    return [(solution >> (5 * i)) & 31 for i in range(len(erased))]


def locate(values: Sequence[int | None]) -> Correction | None:
    """The correction for a data part (after ``ms1``) with ``None`` for unreadable values.

    With erasures (``None``): fills up to :data:`MAX_ERASURES` of them when exactly one
    filling gives a valid checksum. Without: finds one or two substituted characters.
    Returns ``None`` when nothing (or nothing unique) can be located; the string is then
    wrong in more places than the checksum can pin down, or has the wrong length.
    """
    spec = _spec(3 + len(values))
    if spec is None or len(values) < 6 + int(spec.cs_len):
        return None
    count = len(values)
    effects = _effects(spec, count)
    erased = [i for i, v in enumerate(values) if v is None]
    known = [0 if v is None else v for v in values]
    syndrome = _syndrome(spec, known)
    if erased:
        if len(erased) > MAX_ERASURES:
            return None
        filled = _solve_erasures(effects, erased, syndrome)
        if filled is None:
            return None
        for position, value in zip(erased, filled, strict=True):
            known[position] = value
        return Correction(tuple(p + 4 for p in erased), tuple(known))
    if syndrome == 0:
        return Correction((), tuple(known))
    single: dict[int, tuple[int, int]] = {}
    for position in range(count):
        for difference in range(1, 32):
            single[_effect(effects, position, difference)] = (position, difference)
    found = single.get(syndrome)
    if found is not None:
        position, difference = found
        known[position] ^= difference
        return Correction((position + 4,), tuple(known))
    pairs: set[tuple[tuple[int, int], tuple[int, int]]] = set()
    for effect, first in single.items():
        second = single.get(syndrome ^ effect)
        if second is not None and second[0] != first[0]:
            pairs.add((min(first, second), max(first, second)))
            if len(pairs) > 1:
                return None
    if len(pairs) != 1:
        return None
    for position, difference in pairs.pop():
        known[position] ^= difference
    changed = tuple(i + 4 for i, (a, b) in enumerate(zip(values, known, strict=True)) if a != b)
    return Correction(changed, tuple(known))

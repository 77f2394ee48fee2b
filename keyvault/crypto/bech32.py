"""Bech32 (BIP173) as age uses it for key strings.

Differences from BIP173 that age makes: no 90-character length limit (a post-quantum
recipient is much longer), and nothing else. Strings are all-lowercase or all-uppercase;
the checksum is computed on the lowercase form. The classic Bech32 constant (1) is used,
not Bech32m.
"""

from __future__ import annotations

__all__ = ["decode", "encode"]

_CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
_VALUES = {c: i for i, c in enumerate(_CHARSET)}
_GENERATOR = (0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)


def _polymod(values: list[int]) -> int:
    checksum = 1
    for value in values:
        top = checksum >> 25
        checksum = (checksum & 0x1FFFFFF) << 5 ^ value
        for bit in range(5):
            if (top >> bit) & 1:
                checksum ^= _GENERATOR[bit]
    return checksum


def _expand_hrp(hrp: str) -> list[int]:
    return [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp]


def _convert_bits(data: bytes | list[int], from_bits: int, to_bits: int, pad: bool) -> list[int]:
    accumulator = 0
    bits = 0
    out: list[int] = []
    max_value = (1 << to_bits) - 1
    for value in data:
        accumulator = (accumulator << from_bits) | value
        bits += from_bits
        while bits >= to_bits:
            bits -= to_bits
            out.append((accumulator >> bits) & max_value)
    if pad:
        if bits:
            out.append((accumulator << (to_bits - bits)) & max_value)
    elif bits >= from_bits or (accumulator << (to_bits - bits)) & max_value:
        raise ValueError("bech32: invalid padding in the data part")
    return out


def encode(hrp: str, data: bytes) -> str:
    """Encode ``data`` under the human-readable part ``hrp``, in lowercase.

    Callers that need the uppercase form (age identities) call ``.upper()`` on the result.
    """
    hrp = hrp.lower()
    if not hrp or any(not 33 <= ord(c) <= 126 for c in hrp):
        raise ValueError("bech32: invalid human-readable part")
    words = _convert_bits(data, 8, 5, pad=True)
    checksum_input = _expand_hrp(hrp) + words + [0] * 6
    polymod = _polymod(checksum_input) ^ 1
    checksum = [(polymod >> 5 * (5 - i)) & 31 for i in range(6)]
    return hrp + "1" + "".join(_CHARSET[w] for w in words + checksum)


def decode(text: str) -> tuple[str, bytes]:
    """Decode a Bech32 string into (lowercase human-readable part, data bytes).

    Raises ``ValueError`` (with a message that never repeats the input) on mixed case,
    characters outside the charset, a bad checksum or bad padding.
    """
    if any(not 33 <= ord(c) <= 126 for c in text):
        raise ValueError("bech32: invalid character")
    if text.lower() != text and text.upper() != text:
        raise ValueError("bech32: mixed case")
    text = text.lower()
    separator = text.rfind("1")
    if separator < 1 or separator + 7 > len(text):
        raise ValueError("bech32: missing separator or checksum")
    hrp, data_part = text[:separator], text[separator + 1 :]
    try:
        values = [_VALUES[c] for c in data_part]
    except KeyError:
        raise ValueError("bech32: invalid character in the data part") from None
    if _polymod(_expand_hrp(hrp) + values) != 1:
        raise ValueError("bech32: invalid checksum")
    return hrp, bytes(_convert_bits(values[:-6], 5, 8, pad=False))

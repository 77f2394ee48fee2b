"""BBQr (Coinkite's "Better Bitcoin QR"): one payload split over QR codes read in any order.

Every part is QR-alphanumeric text: an 8-character header, then a slice of the encoded
payload::

    B$ Z U 03 01 <data>
    |  | |  |  +- this part's index, 2 base-36 digits
    |  | |  +---- how many parts, 2 base-36 digits (1 to 1295)
    |  | +------- file type (U: UTF-8 text, J: JSON, ...)
    |  +--------- encoding: H hex, 2 base32 (RFC 4648, no padding), Z raw-deflate
    |             (wbits 10, no header) then base32
    +------------ fixed

All parts but the last are the same length, a whole number of encoded bytes each (a
multiple of 2 characters in hex, of 8 in base32). :func:`join` accepts the parts in any
order and duplicates, and bounds what it decompresses.
"""

from __future__ import annotations

import base64
import math
import zlib
from collections.abc import Iterable

from keyvault.errors import BBQrError

__all__ = ["FILE_TYPES", "MAX_PAYLOAD", "is_part", "join", "split"]

FILE_TYPES = ("P", "T", "J", "C", "U", "B", "X")
ENCODINGS = ("H", "2", "Z")
HEADER = 8
MAX_PARTS = 1295
#: The largest payload :func:`join` returns (and :func:`split` accepts).
MAX_PAYLOAD = 1024 * 1024
_ALNUM = set("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:")
_B36 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _base36(n: int) -> str:
    return _B36[n // 36] + _B36[n % 36]


def _encode(data: bytes, encoding: str) -> tuple[str, str, int]:
    """(encoding used, encoded text, the split modulus)."""
    if encoding == "H":
        return "H", data.hex().upper(), 2
    if encoding == "Z":
        packer = zlib.compressobj(9, zlib.DEFLATED, -10)
        packed = packer.compress(data) + packer.flush()
        if len(packed) < len(data):
            return "Z", base64.b32encode(packed).decode("ascii").rstrip("="), 8
    return "2", base64.b32encode(data).decode("ascii").rstrip("="), 8


def split(data: bytes, *, file_type: str = "U", parts: int = 1, encoding: str = "Z") -> list[str]:
    """``data`` as ``parts`` BBQr texts of near-equal length (fewer if it is short).

    ``encoding`` ``Z`` falls back to base32 (``2``) when compressing does not help.
    """
    if file_type not in FILE_TYPES or encoding not in ENCODINGS:
        raise ValueError("unknown BBQr file type or encoding")
    if not 1 <= parts <= MAX_PARTS or len(data) > MAX_PAYLOAD:
        raise ValueError(f"1 to {MAX_PARTS} parts, at most {MAX_PAYLOAD} bytes")
    used, text, modulus = _encode(data, encoding)
    per_part = max(modulus, math.ceil(len(text) / parts / modulus) * modulus)
    chunks = [text[i : i + per_part] for i in range(0, len(text), per_part)] or [""]
    total = len(chunks)
    return [f"B${used}{file_type}{_base36(total)}{_base36(i)}{c}" for i, c in enumerate(chunks)]


def is_part(text: str) -> bool:
    """Whether ``text`` looks like a BBQr part (its fixed header)."""
    return text.startswith("B$") and len(text) >= HEADER


def _decode(chunks: list[str], encoding: str) -> bytes:
    if encoding == "H":
        return b"".join(bytes.fromhex(c) for c in chunks)
    raw = bytearray()
    for chunk in chunks:
        raw += base64.b32decode(chunk + "=" * (-len(chunk) % 8))
    if encoding == "2":
        return bytes(raw)
    unpacker = zlib.decompressobj(-10)
    data = unpacker.decompress(bytes(raw), MAX_PAYLOAD + 1)
    if len(data) > MAX_PAYLOAD or unpacker.unconsumed_tail:
        raise BBQrError(f"the BBQr payload is larger than {MAX_PAYLOAD} bytes")
    if not unpacker.eof:
        raise BBQrError("the BBQr payload's compressed data is cut short")
    return data


def join(parts: Iterable[str]) -> tuple[str, bytes]:
    """(file type, payload) of a complete BBQr series, its parts in any order.

    Raises :class:`BBQrError` naming the part (1-based, in the order given) that is
    malformed or disagrees with the first, or the indexes still missing.
    """
    header: str | None = None
    chunks: dict[int, str] = {}
    for number, text in enumerate(parts, start=1):
        if number > 2 * MAX_PARTS:
            raise BBQrError(f"more than {2 * MAX_PARTS} BBQr parts given")
        text = text.strip()
        if not is_part(text) or any(ch not in _ALNUM for ch in text):
            raise BBQrError(f"part {number} is not a BBQr part", position=number - 1)
        if header is None:
            header = text[:6]
            if header[2] not in ENCODINGS or header[3] not in FILE_TYPES:
                raise BBQrError(f"part {number}: unknown BBQr encoding or file type")
        elif text[:6] != header:
            raise BBQrError(
                f"part {number} belongs to another series (its header differs from part 1's)",
                position=number - 1,
            )
        try:
            total, index = int(text[4:6], 36), int(text[6:8], 36)
        except ValueError:
            raise BBQrError(f"part {number}: the part numbers are not base 36") from None
        if total == 0 or index >= total:
            raise BBQrError(f"part {number}: part {index + 1} of {total} cannot be")
        body = text[HEADER:]
        if chunks.get(index, body) != body:
            raise BBQrError(f"part {number} repeats part {index + 1} with other data")
        chunks[index] = body
        if sum(len(c) for c in chunks.values()) > 2 * MAX_PAYLOAD:
            raise BBQrError(f"the BBQr series is larger than {MAX_PAYLOAD} bytes")
    if header is None:
        raise BBQrError("no BBQr parts given")
    total = int(header[4:6], 36)
    missing = [str(i + 1) for i in range(total) if i not in chunks]
    if missing:
        raise BBQrError(f"parts {', '.join(missing)} of {total} are missing")
    ordered = [chunks[i] for i in range(total)]
    modulus = 2 if header[2] == "H" else 8
    if any(len(c) % modulus for c in ordered[:-1]):
        raise BBQrError("a BBQr part other than the last has a partial byte")
    try:
        payload = _decode(ordered, header[2])
    except (ValueError, zlib.error):
        raise BBQrError("the BBQr data does not decode") from None
    return header[3], payload

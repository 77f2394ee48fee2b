"""The age v1 header: stanzas, strict parsing, serialization and the header MAC.

Grammar (C2SP age, "Header"): a version line, one or more stanzas (``-> type args`` then
a body of unpadded base64 in 64-column lines ended by a shorter line, possibly empty),
then ``--- <mac>``. Everything here is strict: canonical base64 only, LF only, printable
ASCII arguments, bounded line and header sizes. Every rejection is a
:class:`~keyvault.errors.HeaderError` (or :class:`~keyvault.errors.NotAnAgeFileError` when
the first line is not an age version line at all), never another exception.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass

from keyvault.errors import HeaderError, HeaderMacError, NotAnAgeFileError

from ._primitives import hkdf_sha256, hmac_sha256, hmac_sha256_matches
from ._source import Source

__all__ = [
    "MAX_HEADER_SIZE",
    "VERSION_LINE",
    "Header",
    "Stanza",
    "b64decode_canonical",
    "b64encode_unpadded",
    "encode_header",
    "parse_header",
    "verify_header_mac",
]

VERSION_PREFIX = b"age-encryption.org/"
VERSION_LINE = b"age-encryption.org/v1\n"
#: A post-quantum stanza's argument line is about 1,500 characters; leave ample room.
MAX_LINE = 16 * 1024
#: Bounds memory for hostile input (thousands of recipients still fit).
MAX_HEADER_SIZE = 1024 * 1024
_BODY_COLUMNS = 64
_MAC_LINE_SIZE = 4 + 43 + 1
_B64_CHARS = re.compile(rb"[A-Za-z0-9+/]*")
_ARG_CHARS = re.compile(rb"[\x21-\x7e]+")


@dataclass(frozen=True)
class Stanza:
    """One recipient stanza: its type (first argument), further arguments and body."""

    type: str
    args: tuple[str, ...]
    body: bytes

    def __post_init__(self) -> None:
        for arg in (self.type, *self.args):
            if not arg.isascii() or not _ARG_CHARS.fullmatch(arg.encode("ascii")):
                raise ValueError("stanza arguments must be non-empty printable ASCII")

    def encode(self) -> bytes:
        """The stanza as it appears in a header (always ends with a short body line)."""
        line = b"-> " + " ".join((self.type, *self.args)).encode("ascii") + b"\n"
        text = b64encode_unpadded(self.body)
        lines = [text[i : i + _BODY_COLUMNS] for i in range(0, len(text), _BODY_COLUMNS)]
        if not lines or len(lines[-1]) == _BODY_COLUMNS:
            lines.append(b"")
        return line + b"".join(chunk + b"\n" for chunk in lines)


@dataclass(frozen=True)
class Header:
    """A parsed header. ``mac_input`` is what the MAC covers (through the ``---``)."""

    stanzas: tuple[Stanza, ...]
    mac: bytes
    mac_input: bytes

    @property
    def types(self) -> tuple[str, ...]:
        """The stanza types, in file order."""
        return tuple(stanza.type for stanza in self.stanzas)


def b64encode_unpadded(data: bytes) -> bytes:
    """Standard base64 without ``=`` padding."""
    return base64.b64encode(data).rstrip(b"=")


def b64decode_canonical(text: bytes) -> bytes:
    """Decode unpadded, canonical standard base64; ``ValueError`` on anything else."""
    if not _B64_CHARS.fullmatch(text) or len(text) % 4 == 1:
        raise ValueError("not canonical unpadded base64")
    try:
        data = base64.b64decode(text + b"=" * (-len(text) % 4), validate=True)
    except binascii.Error:
        raise ValueError("not canonical unpadded base64") from None
    if b64encode_unpadded(data) != text:
        raise ValueError("not canonical unpadded base64")
    return data


def _header_mac_key(file_key: bytes) -> bytes:
    return hkdf_sha256(file_key, b"", b"header")


def encode_header(stanzas: list[Stanza], file_key: bytes) -> bytes:
    """The full header for ``stanzas``, MAC'd with ``file_key``."""
    if not stanzas:
        raise ValueError("an age header needs at least one stanza")
    mac_input = VERSION_LINE + b"".join(s.encode() for s in stanzas) + b"---"
    mac = hmac_sha256(_header_mac_key(file_key), mac_input)
    return mac_input + b" " + b64encode_unpadded(mac) + b"\n"


def verify_header_mac(header: Header, file_key: bytes) -> None:
    """Raise :class:`HeaderMacError` unless the MAC matches (constant-time compare)."""
    if not hmac_sha256_matches(_header_mac_key(file_key), header.mac_input, header.mac):
        raise HeaderMacError()


def _read_line(source: Source, consumed: int) -> bytes:
    line = source.readline(MAX_LINE)
    if not line.endswith(b"\n"):
        if len(line) >= MAX_LINE:
            raise HeaderError("the encrypted file's header has an overlong line")
        raise HeaderError("the encrypted file's header is truncated")
    if consumed + len(line) > MAX_HEADER_SIZE:
        raise HeaderError("the encrypted file's header is too large")
    if b"\r" in line:
        raise HeaderError("the encrypted file's header has a carriage return (CRLF line end)")
    return line


def _parse_arguments(line: bytes) -> tuple[str, tuple[str, ...]]:
    args = line[3:-1].split(b" ")
    if not all(_ARG_CHARS.fullmatch(arg) for arg in args):
        raise HeaderError("a recipient stanza in the header has an empty or invalid argument")
    decoded = [arg.decode("ascii") for arg in args]
    return decoded[0], tuple(decoded[1:])


def _parse_body(source: Source, consumed: int) -> tuple[bytes, bytes]:
    """(decoded body, the raw body lines as read, for the MAC)."""
    raw = bytearray()
    while True:
        line = _read_line(source, consumed + len(raw))
        raw += line
        content = line[:-1]
        if len(content) > _BODY_COLUMNS:
            raise HeaderError("a recipient stanza body line is longer than 64 columns")
        if not _B64_CHARS.fullmatch(content):
            raise HeaderError("a recipient stanza body is not valid base64")
        if len(content) < _BODY_COLUMNS:
            break
    try:
        return b64decode_canonical(bytes(raw).replace(b"\n", b"")), bytes(raw)
    except ValueError:
        raise HeaderError("a recipient stanza body is not canonical base64") from None


def parse_header(source: Source) -> Header:
    """Read and strictly parse an age v1 header, leaving ``source`` at the payload nonce."""
    first = source.readline(len(VERSION_LINE))
    if not first.startswith(VERSION_PREFIX):
        if VERSION_PREFIX.startswith(first) and first:
            raise HeaderError("the encrypted file's header is truncated")
        raise NotAnAgeFileError()
    if first != VERSION_LINE:
        raise HeaderError("the file uses an unsupported age format version")
    mac_input = bytearray(first)
    stanzas: list[Stanza] = []
    while True:
        line = _read_line(source, len(mac_input))
        if line.startswith(b"-> "):
            stanza_type, args = _parse_arguments(line)
            mac_input += line
            body, raw = _parse_body(source, len(mac_input))
            mac_input += raw
            stanzas.append(Stanza(stanza_type, args, body))
        elif line.startswith(b"---"):
            if len(line) != _MAC_LINE_SIZE or not line.startswith(b"--- "):
                raise HeaderError("the encrypted file's header MAC line is malformed")
            try:
                mac = b64decode_canonical(line[4:-1])
            except ValueError:
                raise HeaderError("the encrypted file's header MAC is not canonical") from None
            if not stanzas:
                raise HeaderError("the encrypted file's header has no recipient stanza")
            mac_input += b"---"
            return Header(tuple(stanzas), mac, bytes(mac_input))
        else:
            raise HeaderError("the encrypted file's header has an unexpected line")

"""Encrypt and decrypt age v1 files: the recipes behind :mod:`keyvault.crypto`.

A recipient wraps a fresh 16-byte file key into stanzas; an identity unwraps it. The
header is MAC'd with a key derived from the file key, the payload is STREAM-encrypted
(:mod:`._stream`). Everything streams in constant memory.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol

from keyvault.atomic import atomic_writer
from keyvault.errors import (
    HeaderError,
    NoMatchingIdentityError,
    UnsupportedRecipientError,
    WrongPassphraseError,
)

from . import scrypt, x25519
from ._format import Header, Stanza, encode_header, parse_header, verify_header_mac
from ._primitives import FILE_KEY_SIZE
from ._source import Source
from ._stream import NONCE_SIZE, decrypt_payload, encrypt_payload
from .armor import ArmorWriter, dearmor_source, looks_armored
from .keys import UNSUPPORTED_STANZA_TYPES

__all__ = [
    "HeaderInfo",
    "Identity",
    "IdentitySource",
    "Progress",
    "Recipient",
    "Writable",
    "decrypt_bytes",
    "decrypt_file",
    "decrypt_stream",
    "encrypt_bytes",
    "encrypt_file",
    "encrypt_stream",
]

_SUPPORTED_TYPES = (x25519.STANZA_TYPE, scrypt.STANZA_TYPE)
Progress = Callable[[int], None]


class Recipient(Protocol):
    """Something a file can be encrypted to (:class:`X25519Recipient`, :class:`ScryptRecipient`)."""

    def wrap(self, file_key: bytes) -> list[Stanza]:
        """Stanzas that carry ``file_key`` for this recipient."""
        ...


class Identity(Protocol):
    """Something that can open a file (:class:`X25519Identity`, :class:`ScryptIdentity`)."""

    def unwrap(self, stanzas: Sequence[Stanza]) -> bytes | None:
        """The file key if one of ``stanzas`` is for this identity, else ``None``.

        Raises :class:`HeaderError` for a malformed stanza of its own type.
        """
        ...


@dataclass(frozen=True)
class HeaderInfo:
    """What a header says about who can open the file (no secret in it)."""

    #: Stanza types in file order, e.g. ``("X25519", "X25519")`` or ``("scrypt",)``.
    types: tuple[str, ...]

    @property
    def passphrase_encrypted(self) -> bool:
        """True for a file encrypted with a passphrase (one scrypt stanza)."""
        return self.types == (scrypt.STANZA_TYPE,)


#: Identities, or a function that picks them once the header is known (e.g. asks for a
#: passphrase only when the file is passphrase-encrypted).
IdentitySource = Sequence[Identity] | Callable[[HeaderInfo], Sequence[Identity]]


class Writable(Protocol):
    """Where encrypted or decrypted bytes go: a binary file, or anything with its ``write``."""

    def write(self, data: bytes | memoryview, /) -> object: ...


def _check_recipients(recipients: Sequence[Recipient]) -> None:
    if isinstance(recipients, (str, bytes)) or not recipients:
        raise ValueError("encrypting needs at least one recipient")
    if len(recipients) > 1 and any(isinstance(r, scrypt.ScryptRecipient) for r in recipients):
        raise ValueError("a passphrase cannot be combined with other recipients in one file")


def encrypt_stream(
    src: BinaryIO,
    dst: Writable,
    recipients: Sequence[Recipient],
    *,
    armor: bool = False,
    progress: Progress | None = None,
) -> int:
    """Encrypt all of ``src`` to ``recipients`` into ``dst``; returns the plaintext size.

    A passphrase (:class:`ScryptRecipient`) must be the only recipient (``ValueError``
    otherwise). ``progress`` is called with the total plaintext bytes done so far.
    ``dst`` is written to but not closed; like any file object, its ``write`` must have
    used the data by the time it returns (buffers are reused).
    """
    _check_recipients(recipients)
    file_key = os.urandom(FILE_KEY_SIZE)
    stanzas = [stanza for recipient in recipients for stanza in recipient.wrap(file_key)]
    sink: Writable = ArmorWriter(dst) if armor else dst
    sink.write(encode_header(stanzas, file_key))
    nonce = os.urandom(NONCE_SIZE)
    sink.write(nonce)
    source = Source(src)
    total = encrypt_payload(source, sink.write, file_key, nonce, progress)
    if isinstance(sink, ArmorWriter):
        sink.close()
    return total


def _describe(types: Sequence[str]) -> str:
    unique = dict.fromkeys(t[:40] for t in types)
    return ", ".join(
        f"{UNSUPPORTED_STANZA_TYPES[t]} ({t})" if t in UNSUPPORTED_STANZA_TYPES else t
        for t in unique
    )


def _no_match(header: Header, identities: Sequence[Identity]) -> Exception:
    types = header.types
    foreign = [t for t in types if t not in _SUPPORTED_TYPES]
    if not any(t in _SUPPORTED_TYPES for t in types):
        return UnsupportedRecipientError(
            "the file is encrypted only to recipient types keyvault does not support: "
            + _describe(foreign)
        )
    known = [t for t in foreign if t in UNSUPPORTED_STANZA_TYPES]
    if known:
        return UnsupportedRecipientError(
            f"no identity matched; the file is also encrypted to {_describe(known)} "
            "recipients, which keyvault does not support"
        )
    if header.types == (scrypt.STANZA_TYPE,):
        if any(isinstance(i, scrypt.ScryptIdentity) for i in identities):
            return WrongPassphraseError()
        return NoMatchingIdentityError(
            "the file is passphrase-encrypted", hint="decrypt it with its passphrase"
        )
    # Said for a person (often an heir) holding the wrong key, not for an age expert.
    return NoMatchingIdentityError(
        hint="the key given does not open it: it was encrypted to another key; check that "
        "it is the right key file, 24 words or recovery kit"
    )


def decrypt_stream(
    src: BinaryIO,
    dst: Writable,
    identities: IdentitySource,
    *,
    progress: Progress | None = None,
    armor: bool | None = None,
) -> int:
    """Decrypt ``src`` (binary or armored age) into ``dst``; returns the plaintext size.

    ``armor``: ``None`` detects it, ``True`` requires it, ``False`` forbids it.
    ``identities`` may be a function of :class:`HeaderInfo` returning the identities.

    ``dst`` receives only authenticated 64 KiB chunks, in order, as they verify; if an
    error is raised after some were written, everything written so far must be discarded
    (:func:`decrypt_file` does that). Errors: :class:`NotAnAgeFileError`,
    :class:`HeaderError` (:class:`HeaderMacError`, :class:`WorkFactorTooHighError`),
    :class:`ArmorError`, :class:`PayloadError`, :class:`NoMatchingIdentityError`
    (:class:`WrongPassphraseError`), :class:`UnsupportedRecipientError`.
    """
    source = Source(src)
    if armor is None:
        armor = looks_armored(source)
    if armor:
        source = dearmor_source(source)
    header = parse_header(source)
    if scrypt.STANZA_TYPE in header.types and len(header.stanzas) > 1:
        raise HeaderError("a passphrase-encrypted file must have no other recipient")
    chosen = identities(HeaderInfo(header.types)) if callable(identities) else identities
    file_key: bytes | None = None
    for identity in chosen:
        file_key = identity.unwrap(header.stanzas)
        if file_key is not None:
            break
    if file_key is None:
        raise _no_match(header, chosen)
    verify_header_mac(header, file_key)
    nonce = source.read(NONCE_SIZE)
    if len(nonce) != NONCE_SIZE:
        raise HeaderError("the encrypted file ends before its payload")
    return decrypt_payload(source, dst.write, file_key, nonce, progress)


def encrypt_bytes(data: bytes, recipients: Sequence[Recipient], *, armor: bool = False) -> bytes:
    """``data`` encrypted to ``recipients`` (see :func:`encrypt_stream`)."""
    out = io.BytesIO()
    encrypt_stream(io.BytesIO(data), out, recipients, armor=armor)
    return out.getvalue()


def decrypt_bytes(data: bytes, identities: IdentitySource) -> bytes:
    """The plaintext of ``data``; nothing is returned unless all of it authenticated."""
    out = io.BytesIO()
    decrypt_stream(io.BytesIO(data), out, identities)
    return out.getvalue()


def encrypt_file(
    in_path: str | os.PathLike[str],
    out_path: str | os.PathLike[str],
    recipients: Sequence[Recipient],
    *,
    armor: bool = False,
    progress: Progress | None = None,
) -> None:
    """Encrypt a file into ``out_path`` atomically (temp file + rename), mode 0600."""
    _check_recipients(recipients)
    with open(in_path, "rb", buffering=0) as src, atomic_writer(Path(out_path), stream=True) as dst:
        encrypt_stream(src, dst, recipients, armor=armor, progress=progress)


def decrypt_file(
    in_path: str | os.PathLike[str],
    out_path: str | os.PathLike[str],
    identities: IdentitySource,
    *,
    progress: Progress | None = None,
) -> None:
    """Decrypt a file into ``out_path``, mode 0600; no plaintext is left behind on failure.

    The plaintext goes to a temp file beside ``out_path`` that is renamed over it only
    after the last chunk authenticated, and is deleted on any error.
    """
    with open(in_path, "rb", buffering=0) as src, atomic_writer(Path(out_path), stream=True) as dst:
        decrypt_stream(src, dst, identities, progress=progress)

"""SeedQR: SeedSigner's QR formats for a BIP39 phrase, bit-exact with its spec vectors.

- **Standard**: each word's 0-based English wordlist index as 4 decimal digits,
  concatenated (48 digits for 12 words, 96 for 24), encoded in QR numeric mode. Any phone
  reader shows the digits, and the wordlist decodes them by hand.
- **Compact**: the phrase's entropy (16 or 32 bytes, the checksum bits dropped), encoded
  in QR byte mode. Smaller, but binary: payloads may contain NUL, CR and LF bytes.

Both use error-correction level L, at the versions :func:`qr_version` gives (12 words:
Standard v2, Compact v1; 24 words: v3 and v2). SeedQR is defined for English 12- and
24-word phrases only: anything else is refused with :class:`SeedQRError` rather than
encoded as a code that would restore a different wallet. This module builds payloads;
``keyvault.paper.qrimage`` draws them.
"""

from __future__ import annotations

from keyvault.errors import InvalidMnemonicError, SeedQRError
from keyvault.secret import Secret

from . import bip39

__all__ = [
    "ERROR_CORRECTION",
    "SEEDQR_WORD_COUNTS",
    "from_payload",
    "payload_format",
    "qr_version",
    "to_compact",
    "to_standard",
]

#: SeedQR phrase lengths.
SEEDQR_WORD_COUNTS: tuple[int, ...] = (12, 24)

#: QR error-correction level for both formats.
ERROR_CORRECTION = "L"

_VERSIONS: dict[tuple[int, bool], int] = {
    (12, False): 2,
    (12, True): 1,
    (24, False): 3,
    (24, True): 2,
}
_ENTROPY_BYTES = {16: 12, 32: 24}


def qr_version(phrase_words: int, compact: bool) -> int:
    """The QR version SeedQR uses: 12 words Standard 2, Compact 1; 24 words 3 and 2."""
    try:
        return _VERSIONS[(phrase_words, compact)]
    except KeyError:
        raise SeedQRError(
            f"SeedQR is defined for 12- and 24-word phrases; this one has {phrase_words} words"
        ) from None


def _seedqr_phrase(phrase: bip39.Phrase | Secret | str) -> bip39.Phrase:
    checked = phrase if isinstance(phrase, bip39.Phrase) else bip39.check(phrase)
    if checked.language != "english":
        raise SeedQRError(
            f"SeedQR is defined for English phrases only; this phrase is {checked.language}",
            hint="a SeedQR of these words would restore a different wallet; keep the words",
        )
    qr_version(checked.word_count, compact=False)
    return checked


def to_standard(phrase: bip39.Phrase | Secret | str) -> str:
    """The Standard SeedQR digit string (4 digits per word). Secret: handle as the phrase."""
    return "".join(f"{index:04d}" for index in _seedqr_phrase(phrase).indices())


def to_compact(phrase: bip39.Phrase | Secret | str) -> bytes:
    """The CompactSeedQR payload: the phrase's entropy, 16 or 32 raw bytes. Secret."""
    return _seedqr_phrase(phrase).entropy().reveal()


def payload_format(payload: bytes | str) -> str:
    """``"standard"`` or ``"compact"``: which SeedQR format ``payload`` looks like.

    Recognised by shape, as SeedSigner does: 48 or 96 ASCII digits are Standard; 16 or
    32 bytes of anything else are Compact. Raises :class:`SeedQRError` otherwise.
    """
    raw = payload.encode("utf-8") if isinstance(payload, str) else bytes(payload)
    if len(raw) in (48, 96) and raw.isdigit():
        return "standard"
    if isinstance(payload, bytes) and len(raw) in _ENTROPY_BYTES:
        return "compact"
    raise SeedQRError("this QR code is not a SeedQR (12 or 24 English words)")


def from_payload(payload: bytes | str) -> Secret:
    """The English phrase a Standard (digits) or Compact (16/32 raw bytes) payload encodes.

    A text payload can only be Standard. Raises :class:`SeedQRError` for anything that is
    not a SeedQR, an index above 2047, or a Standard payload whose checksum fails.
    """
    kind = payload_format(payload)
    raw = payload.encode("utf-8") if isinstance(payload, str) else bytes(payload)
    if kind == "compact":
        return bip39.from_entropy(raw, "english")
    indices = [int(raw[i : i + 4]) for i in range(0, len(raw), 4)]
    for position, index in enumerate(indices, start=1):
        if index > 2047:
            raise SeedQRError(f"this SeedQR is damaged: word {position} has no wordlist entry")
    words = bip39.wordlist("english")
    text = Secret(" ".join(words[i] for i in indices), label="phrase")
    try:
        return bip39.check(text, "english").words
    except InvalidMnemonicError:
        raise SeedQRError("this SeedQR is damaged: its words fail the BIP39 checksum") from None

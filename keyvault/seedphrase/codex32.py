"""codex32 (BIP-93): BIP32 master seeds and their Shamir shares as checksummed strings.

A codex32 string is ``ms1`` + threshold digit (``0`` for an unshared secret, else 2-9) +
4-character identifier + share index (``s`` is the secret itself) + payload + checksum.
Encoding, decoding, checksum and interpolation over GF(32) are done by the reference
``codex32`` package (checked in the tests against every BIP-93 vector); this module adds
what a backup tool needs around it:

- input that forgives separators (spaces, dashes; shares are often written in groups of
  four), and errors that name character positions (the checksum corrects up to 8 unreadable
  characters, typed as ``?``, or finds 1-2 wrong ones: :mod:`.codex32_correction`) without
  ever quoting a secret character;
- :func:`split` (the BIP's "existing secret" recipe: the secret plus k-1 random shares, the
  rest derived), :func:`derive_share` (a replacement or extra share), :func:`combine`;
- conversions: :func:`seed` (the BIP32 master seed), :func:`from_seed`, and
  :func:`to_bip39` / :func:`from_bip39_entropy`, which carry **BIP39 entropy**, not a BIP32
  seed: a codex32 seed made from a BIP39 phrase's entropy restores that phrase through
  keyvault, but a wallet loading the codex32 string directly opens a different wallet
  (BIP39 stretches its entropy through PBKDF2; codex32 is the BIP32 seed itself).

Identifiers: :func:`from_seed` with no identifier uses the reference package's default
(the first 20 bits of the seed's BIP32 fingerprint), so the same seed always shows the same
identifier; :func:`split` picks a fresh random identifier unless told otherwise, so a
re-split is never confused with the shares it replaces.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from codex32 import Codex32String, CodexError

from keyvault.errors import InvalidCodex32Error
from keyvault.secret import Secret

from . import bip39
from .codex32_correction import CHARSET, MAX_ERASURES, Correction, locate

__all__ = [
    "CHARSET",
    "SEED_BYTES",
    "SHARE_INDICES",
    "Codex32Info",
    "check",
    "combine",
    "correct",
    "derive_share",
    "from_bip39_entropy",
    "from_seed",
    "generate",
    "random_identifier",
    "seed",
    "split",
    "to_bip39",
]

#: Master seed sizes codex32 encodes (bytes; the reference takes multiples of 4).
SEED_BYTES: tuple[int, ...] = tuple(range(16, 65, 4))

#: Share indices in BIP-93's order of use (``s`` is the secret and never a share).
SHARE_INDICES = "acdefghjklmnpqrtuvwxyz023456789"

#: Longest input accepted (a 64-byte seed is 127 characters; room for separators).
MAX_INPUT_CHARS = 400

_SEPARATORS = " \t-"
# What people misread for bech32 characters (BIP-93 suggests these).
_LOOKALIKES = {"b": "8", "o": "0", "i": "l", "1": "l"}
_BIP39_ENTROPY_BYTES = (16, 20, 24, 28, 32)
_PREFIX = "ms1"


@dataclass(frozen=True)
class Codex32Info:
    """The public header of a codex32 string (printable on a sheet; no secret)."""

    threshold: int  # 0 for an unshared secret, else 2-9
    identifier: str  # 4 bech32 characters, lower case
    share_index: str  # "s" for the secret itself
    seed_bytes: int  # master seed length
    length: int  # characters in the string

    @property
    def is_secret(self) -> bool:
        """True for the secret itself (share index ``s``), False for a share."""
        return self.share_index == "s"


def _compact(text: str, number: int | None) -> tuple[str, list[int]]:
    """``text`` without separators, and each kept character's 1-based position as typed."""
    if len(text) > MAX_INPUT_CHARS:
        raise InvalidCodex32Error(
            _where(number) + f"is longer than {MAX_INPUT_CHARS} characters", share=number
        )
    kept: list[str] = []
    positions: list[int] = []
    for index, char in enumerate(text.strip(), start=1):
        if char in _SEPARATORS:
            continue
        kept.append(char)
        positions.append(index)
    return "".join(kept), positions


def _where(number: int | None) -> str:
    return f"string {number} " if number is not None else "the string "


def _error(
    message: str, number: int | None, positions: Sequence[int] = (), hint: str | None = None
) -> InvalidCodex32Error:
    return InvalidCodex32Error(
        _where(number) + message, positions=tuple(positions), share=number, hint=hint
    )


def _plural(positions: Sequence[int]) -> str:
    words = ", ".join(str(p) for p in positions)
    return f"character {words}" if len(positions) == 1 else f"characters {words}"


def _data_values(compact: str, typed: list[int], number: int | None) -> list[int | None]:
    """The data part's values (None where unreadable); errors give positions as typed."""
    if not compact:
        raise _error("is empty", number)
    letters = [c for c in compact if c.isalpha()]
    upper = sum(c.isupper() for c in letters) > len(letters) // 2
    wrong_case = [typed[i] for i, c in enumerate(compact) if c.isalpha() and c.isupper() != upper]
    if wrong_case:
        raise _error(
            f"mixes upper and lower case ({_plural(wrong_case[:8])})",
            number,
            wrong_case,
            hint="write a codex32 string all in lower case or all in upper case",
        )
    lower = compact.lower()
    if not lower.startswith(_PREFIX):
        raise _error(
            "does not start with ms1 (a codex32 master seed or share always does)",
            number,
            [typed[0]],
        )
    return [None if char not in CHARSET else CHARSET.index(char) for char in lower[3:]]


def _length_hint(length: int) -> str:
    return (
        f"it has {length} characters; codex32 strings have 48 (16-byte seed), 74 (32-byte seed) "
        "or another length from 48 to 127: a character may be missing or doubled"
    )


def correct(text: Secret | str, number: int | None = None) -> Correction | None:
    """The correction the checksum proposes for ``text``, or ``None`` when it has none.

    Unreadable characters may be typed as ``?``. A correction with no positions means the
    string was already valid. Never use a correction without showing it to the user first
    (BIP-93): the caller prints it and the user compares it with the written copy.
    """
    raw = text.reveal_text() if isinstance(text, Secret) else text
    compact, typed = _compact(raw, number)
    return locate(_data_values(compact, typed, number))


def _positions_as_typed(correction: Correction, typed: list[int]) -> list[int]:
    return [typed[p - 1] for p in correction.positions]


def _parse(text: Secret | str, number: int | None) -> Codex32String:
    raw = text.reveal_text() if isinstance(text, Secret) else text
    if not isinstance(raw, str):
        raise TypeError("a codex32 string is a Secret or a str")
    compact, typed = _compact(raw, number)
    values = _data_values(compact, typed, number)
    unreadable = [typed[i + len(_PREFIX)] for i, v in enumerate(values) if v is None]
    if unreadable:
        found = locate(values)
        lookalike = [c for c in compact[len(_PREFIX) :].lower() if c in _LOOKALIKES]
        if found is not None:
            raise _error(
                f"has {len(unreadable)} unreadable {_plural(unreadable)}; the checksum can "
                "fill them in",
                number,
                unreadable,
                hint="run 'keyvault codex32 check --correct' to see the corrected string "
                "and compare it with your copy",
            )
        hint = "codex32 uses no b, i, o or 1 after ms1"
        if lookalike:
            hint += " (8 for b, 0 for o, l for i)"
        if len(unreadable) > MAX_ERASURES:
            hint += f"; the checksum can fill in at most {MAX_ERASURES} unreadable characters"
        raise _error(
            f"has {_plural(unreadable)} outside the codex32 alphabet", number, unreadable, hint=hint
        )
    try:
        parsed = Codex32String.from_string("ms", compact)
    except CodexError as exc:
        raise _explain(exc, compact, values, typed, number) from None
    return parsed


def _explain(
    exc: Exception,
    compact: str,
    values: list[int | None],
    typed: list[int],
    number: int | None,
) -> InvalidCodex32Error:
    kind = type(exc).__name__
    if kind == "InvalidChecksum":
        found = locate(values)
        if found is not None and found.positions:
            where = _positions_as_typed(found, typed)
            return _error(
                f"has a wrong checksum: {_plural(where)} "
                + ("looks wrong" if len(where) == 1 else "look wrong"),
                number,
                where,
                hint="compare those characters with your copy, or run "
                "'keyvault codex32 check --correct' to see the string the checksum proposes",
            )
        return _error(
            "has a wrong checksum, with more errors than it can locate",
            number,
            hint="more than two characters are wrong, or one is missing or doubled",
        )
    if kind in (
        "InvalidLength",
        "MissingChecksum",
        "MismatchedLength",
        "InvalidSeedLength",
        "IncompleteGroup",
    ):
        return _error(
            "has the wrong length for a codex32 string", number, hint=_length_hint(len(compact))
        )
    if kind == "InvalidThreshold":
        return _error("has a threshold (character 4) that is not a digit", number, [typed[3]])
    if kind == "InvalidShareIndex":
        return _error(
            "is unshared (threshold 0) but its share index (character 9) is not s",
            number,
            [typed[8]],
        )
    return _error("is not a valid codex32 string", number)


def _info(parsed: Codex32String) -> Codex32Info:
    return Codex32Info(
        threshold=int(parsed.k),
        identifier=str(parsed.ident).lower(),
        share_index=str(parsed.share_idx).lower(),
        seed_bytes=len(parsed.data),
        length=len(parsed.s),
    )


def check(text: Secret | str, number: int | None = None) -> Codex32Info:
    """Validate one codex32 string; its public header.

    Raises :class:`InvalidCodex32Error` naming the character positions at fault (1-based,
    in the string as typed) whenever the alphabet or the checksum can tell.
    """
    parsed = _parse(text, number)
    info = _info(parsed)
    if info.threshold == 1:
        raise _error("has threshold 1, which BIP-93 does not allow", number, [4])
    return info


def _canonical(parsed: Codex32String) -> Secret:
    return Secret(str(parsed.s).lower(), label="codex32")


def seed(text: Secret | str) -> Secret:
    """The BIP32 master seed a codex32 *secret* (share index ``s``) encodes."""
    parsed = _parse(text, None)
    if str(parsed.share_idx).lower() != "s":
        raise InvalidCodex32Error(
            "this is a codex32 share, not the secret",
            hint="combine enough shares first (keyvault codex32 combine)",
        )
    return Secret(bytes(parsed.data), label="master seed")


def _check_identifier(identifier: str) -> str:
    lowered = identifier.lower()
    if len(lowered) != 4 or any(c not in CHARSET for c in lowered):
        raise ValueError("an identifier is 4 bech32 characters (no b, i, o or 1)")
    return lowered


def from_seed(master_seed: Secret, identifier: str | None = None, threshold: int = 0) -> Secret:
    """The codex32 secret (``ms1{threshold}{id}s...``) for a BIP32 master seed.

    Padding bits are zero, as in BIP-93's vectors. ``threshold`` 0 marks an unshared
    secret; :func:`split` uses 2-9.
    """
    data = master_seed.reveal()
    if len(data) not in SEED_BYTES:
        raise ValueError("a codex32 master seed is 16 to 64 bytes, a multiple of 4")
    if threshold != 0 and not 2 <= threshold <= 9:
        raise ValueError("the threshold is 0 (unshared) or 2 to 9")
    if identifier is None:
        if threshold:
            raise ValueError("a shared secret needs an identifier")
        parsed = Codex32String.from_seed(data, prefix="ms10", pad_val=0)
    else:
        header = f"ms1{threshold}{_check_identifier(identifier)}s"
        parsed = Codex32String.from_seed(data, prefix=header, pad_val=0)
    return _canonical(parsed)


def generate(seed_bytes: int = 16, randbytes: Callable[[int], bytes] = os.urandom) -> Secret:
    """A fresh random BIP32 master seed (from the OS CSPRNG), ready for :func:`from_seed`."""
    if seed_bytes not in SEED_BYTES:
        raise ValueError("a codex32 master seed is 16 to 64 bytes, a multiple of 4")
    return Secret(randbytes(seed_bytes), label="master seed")


def random_identifier(avoid: Sequence[str] = ()) -> str:
    """A random 4-character identifier, different from every one in ``avoid``."""
    while True:
        identifier = "".join(secrets.choice(CHARSET) for _ in range(4))
        if identifier not in {a.lower() for a in avoid}:
            return identifier


def split(
    master_seed: Secret,
    threshold: int,
    shares: int,
    identifier: str | None = None,
    randbytes: Callable[[int], bytes] = os.urandom,
) -> list[Secret]:
    """``shares`` codex32 shares of ``master_seed``, any ``threshold`` of which restore it.

    BIP-93's recipe for an existing secret: the secret string (index ``s``) and
    ``threshold - 1`` random shares (indices ``a``, ``c``, ...) fix the polynomial; the other
    shares are interpolated. Returns the shares in index order; the secret string itself is
    not among them.
    """
    if not 2 <= threshold <= 9:
        raise ValueError("the threshold is 2 to 9")
    if not threshold <= shares <= len(SHARE_INDICES):
        raise ValueError(f"the number of shares is the threshold to {len(SHARE_INDICES)}")
    ident = _check_identifier(identifier) if identifier else random_identifier()
    secret = Codex32String(from_seed(master_seed, ident, threshold).reveal_text())
    length = len(master_seed)
    initial = [secret]
    for index in SHARE_INDICES[: threshold - 1]:
        initial.append(
            Codex32String.from_seed(
                randbytes(length), prefix=f"ms1{threshold}{ident}{index}", pad_val=0
            )
        )
    made = list(initial[1:])
    for index in SHARE_INDICES[threshold - 1 : shares]:
        made.append(Codex32String.interpolate_at(initial, index))
    return [_canonical(share) for share in made]


def _parse_set(shares: Sequence[Secret | str]) -> list[Codex32String]:
    if isinstance(shares, (str, Secret)):
        raise TypeError("shares is a sequence of codex32 strings")
    if not shares:
        raise InvalidCodex32Error("no codex32 strings were given")
    parsed = [_parse(share, n) for n, share in enumerate(shares, start=1)]
    first = parsed[0]
    for number, share in enumerate(parsed[1:], start=2):
        if str(share.ident).lower() != str(first.ident).lower():
            raise InvalidCodex32Error(
                f"string {number} has identifier {str(share.ident).lower()}, string 1 has "
                f"{str(first.ident).lower()}: they belong to different share sets",
                share=number,
            )
        if share.k != first.k:
            raise InvalidCodex32Error(
                f"string {number} has threshold {share.k}, string 1 has {first.k}: they do "
                "not belong together",
                share=number,
            )
        if len(share.s) != len(first.s):
            raise InvalidCodex32Error(
                f"string {number} has {len(share.s)} characters, string 1 has "
                f"{len(first.s)}: they do not belong together",
                share=number,
            )
    seen: dict[str, int] = {}
    for number, share in enumerate(parsed, start=1):
        index = str(share.share_idx).lower()
        if index in seen:
            raise InvalidCodex32Error(
                f"strings {seen[index]} and {number} have the same share index {index}",
                share=number,
                hint="a share was given twice, or two copies of one share",
            )
        seen[index] = number
    return parsed


def _interpolate(parsed: list[Codex32String], target: str) -> Codex32String:
    threshold = int(parsed[0].k)
    if threshold == 0:
        if target == "s":
            return parsed[0]
        raise InvalidCodex32Error("an unshared codex32 secret (threshold 0) has no shares")
    if len(parsed) < threshold:
        raise InvalidCodex32Error(
            f"{len(parsed)} share"
            + ("s were" if len(parsed) != 1 else " was")
            + f" given; this set needs {threshold}"
        )
    result: Codex32String = Codex32String.interpolate_at(parsed[:threshold], target)
    return result


def combine(shares: Sequence[Secret | str]) -> Secret:
    """The codex32 secret (``...s...``) that ``threshold`` shares restore.

    Extra shares beyond the threshold are checked for consistency: a share that does not
    agree with the others is named.
    """
    parsed = _parse_set(shares)
    secret = _interpolate(parsed, "s")
    threshold = int(parsed[0].k)
    for number, share in enumerate(parsed[threshold:], start=threshold + 1):
        if str(share.share_idx).lower() == "s":
            expected = secret
        else:
            expected = Codex32String.interpolate_at(parsed[:threshold], str(share.share_idx))
        if str(expected.s).lower() != str(share.s).lower():
            raise InvalidCodex32Error(
                f"string {number} does not agree with the first {threshold}",
                share=number,
                hint="one of the shares is from another set or was copied wrongly",
            )
    return _canonical(secret)


def derive_share(shares: Sequence[Secret | str], index: str) -> Secret:
    """A share with ``index`` (a new or a lost one) from ``threshold`` existing shares."""
    target = index.lower()
    if len(target) != 1 or target not in SHARE_INDICES:
        raise ValueError("a share index is one bech32 character other than s")
    parsed = _parse_set(shares)
    if any(str(share.share_idx).lower() == target for share in parsed):
        raise ValueError(f"share {target} is already among the given strings")
    return _canonical(_interpolate(parsed, target))


def to_bip39(master_seed: Secret, language: str = "english") -> Secret:
    """The BIP39 phrase whose *entropy* is ``master_seed`` (16-32 bytes, a multiple of 4).

    Labelled conversion: that phrase opens a different wallet than the codex32 seed
    itself (BIP39 derives its BIP32 seed with PBKDF2). It is the right inverse of
    :func:`from_bip39_entropy` only.
    """
    if len(master_seed) not in _BIP39_ENTROPY_BYTES:
        raise InvalidCodex32Error(
            f"a {len(master_seed)}-byte seed has no BIP39 phrase",
            hint="BIP39 phrases hold 16, 20, 24, 28 or 32 bytes",
        )
    return bip39.from_entropy(master_seed, language)


def from_bip39_entropy(phrase: bip39.Phrase | Secret | str) -> Secret:
    """The entropy of a BIP39 phrase, as bytes for :func:`from_seed` (see :func:`to_bip39`)."""
    checked = phrase if isinstance(phrase, bip39.Phrase) else bip39.check(phrase)
    return checked.entropy()

"""Is a vault passphrase strong enough? A small, dependency-free guessing-cost estimate.

The encrypted vault key sits at every destination, open to offline guessing, so weak
passphrases are refused. The estimate (in bits) is the cheapest way to describe the
passphrase as a sequence of pieces an attacker's guesser would try, in the spirit of
zxcvbn but much smaller:

- a word from the BIP39 English list (2,048 common words) or from a short list of the
  most common passwords and words people use: about 11 bits, plus a bit for
  capitalisation and for "l33t" substitutions;
- a run of one repeated character, or a sequence (``abcd``, ``4321``, ``qwerty`` rows):
  a few bits whatever its length;
- a year (1900-2099): about 7 bits;
- any other character: log2 of the size of its character class (10 digits, 26 letters,
  33 ASCII symbols, ~100 for other Unicode).

A minimum-cost segmentation (dynamic programming) gives the estimate. It is deliberately
conservative about patterns and generous only with randomness: five random words or
about 12 random mixed characters pass; ``Password1!``, ``correct horse battery staple``
or a keyboard walk do not. Input is NFKC-normalised first, as typed text may arrive in
either form.
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from keyvault.errors import WeakPassphraseError
from keyvault.secret import Secret

__all__ = ["MIN_BITS", "MIN_LENGTH", "PassphraseStrength", "check_passphrase", "estimate_strength"]

#: About 10^15 guesses; at scrypt work factor 18 that is far beyond any realistic budget.
MIN_BITS = 50.0
MIN_LENGTH = 10
#: Longer input is not analysed further (the estimate only grows with length).
_MAX_ANALYSED = 256

_COMMON = """
password passw0rd letmein welcome monkey dragon master login admin qwerty azerty
iloveyou trustno1 sunshine princess football baseball superman batman shadow michael
jennifer hunter hunter2 freedom whatever starwars pokemon computer internet bitcoin
ethereum crypto wallet satoshi nakamoto ledger trezor keyvault secret passphrase
backup recovery mnemonic seed hodl moon lambo correct horse battery staple tr0ub4dor
changeme default access hello charlie donald mustang jordan harley ranger buster
thomas tigger robert soccer hockey killer george andrew daniel joshua pepper ginger
summer winter spring autumn maggie cookie cheese chocolate banana orange purple
""".split()
_KEYBOARD_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm", "1234567890", "azertyuiop", "qwertzuiop")
_ALPHABET = "abcdefghijklmnopqrstuvwxyz"
_LEET = str.maketrans(
    {
        "0": "o",
        "1": "l",
        "3": "e",
        "4": "a",
        "5": "s",
        "7": "t",
        "@": "a",
        "$": "s",
        "!": "i",
        "|": "l",
        "+": "t",
    }
)


@dataclass(frozen=True)
class PassphraseStrength:
    """The estimate: ``bits`` of guessing work, ``ok`` when acceptable, and why not."""

    bits: float
    ok: bool
    warnings: tuple[str, ...]

    @property
    def hint(self) -> str:
        """One line of advice for the user."""
        advice = "use five or more random words, or a longer passphrase"
        return "; ".join((*self.warnings, advice)) if self.warnings else advice


@lru_cache(maxsize=1)
def _dictionary() -> frozenset[str]:
    from mnemonic import Mnemonic

    return frozenset(Mnemonic("english").wordlist) | _common()


@lru_cache(maxsize=1)
def _common() -> frozenset[str]:
    return frozenset(word.translate(_LEET) for word in _COMMON)


def _class_bits(char: str) -> float:
    if char.isdigit() and char.isascii():
        return math.log2(10)
    if char.isalpha() and char.isascii():
        return math.log2(26) + (1.0 if char.isupper() else 0.0)
    if char.isascii():
        return math.log2(33)
    return math.log2(100)


def _is_sequence(piece: str) -> bool:
    lowered = piece.lower()
    for line in (_ALPHABET, *_KEYBOARD_ROWS):
        if lowered in line or lowered[::-1] in line:
            return True
    return False


def _piece_cost(piece: str, dictionary: frozenset[str]) -> tuple[float, str] | None:
    """The cost of ``piece`` as one pattern, with its warning, or None if it is none."""
    length = len(piece)
    if length >= 3 and len(set(piece)) == 1:
        return _class_bits(piece[0]) + math.log2(length), "repeated characters are easy to guess"
    if length >= 3 and _is_sequence(piece):
        return (
            _class_bits(piece[0]) + math.log2(length) + 1,
            "sequences like 'abcd', '1234' or 'qwerty' are easy to guess",
        )
    if length == 4 and piece.isdigit() and piece[:2] in ("19", "20"):
        return math.log2(200), "years and dates are easy to guess"
    if length >= 3:
        lowered = piece.lower()
        unleeted = lowered.translate(_LEET)
        if unleeted in dictionary:
            bits = math.log2(len(dictionary))
            if piece != lowered:
                bits += 1.0
            if unleeted != lowered:
                bits += 1.0
            warning = (
                "it uses a very common password or word"
                if unleeted in _common()
                else "dictionary words count for little unless there are many of them"
            )
            return bits, warning
    return None


def estimate_strength(passphrase: Secret, *, min_bits: float = MIN_BITS) -> PassphraseStrength:
    """Estimate how many bits of guessing ``passphrase`` takes; never raises."""
    text = unicodedata.normalize("NFKC", passphrase.reveal_text())[:_MAX_ANALYSED]
    if not text:
        return PassphraseStrength(0.0, False, ("the passphrase is empty",))
    dictionary = _dictionary()
    # best[i] = (bits, warnings) for text[:i]; separators between words cost nothing extra
    # beyond their own class, which keeps "word word word" honest.
    empty: tuple[str, ...] = ()
    best: list[tuple[float, tuple[str, ...]]] = [(0.0, empty)]
    best += [(math.inf, empty)] * len(text)
    for end in range(1, len(text) + 1):
        bits, warnings = best[end - 1]
        char = text[end - 1]
        single = 0.0 if char == " " and end > 1 else _class_bits(char)
        candidate = (bits + single, warnings)
        for start in range(max(0, end - 24), end - 2):
            pattern = _piece_cost(text[start:end], dictionary)
            if pattern is None:
                continue
            total = best[start][0] + pattern[0]
            if total < candidate[0]:
                previous = best[start][1]
                extra = () if pattern[1] in previous else (pattern[1],)
                candidate = (total, previous + extra)
        best[end] = candidate
    bits, warnings = best[len(text)]
    problems = list(warnings)
    if len(text) < MIN_LENGTH:
        problems.insert(0, f"it is shorter than {MIN_LENGTH} characters")
    ok = bits >= min_bits and len(text) >= MIN_LENGTH
    return PassphraseStrength(round(bits, 1), ok, tuple(problems) if not ok else ())


def check_passphrase(passphrase: Secret, *, min_bits: float = MIN_BITS) -> PassphraseStrength:
    """The estimate, or :class:`WeakPassphraseError` (with a hint) when it is too weak."""
    strength = estimate_strength(passphrase, min_bits=min_bits)
    if not strength.ok:
        raise WeakPassphraseError(
            f"the passphrase is too weak (about {strength.bits:.0f} bits of guessing work, "
            f"at least {min_bits:.0f} needed)",
            hint=strength.hint,
        )
    return strength

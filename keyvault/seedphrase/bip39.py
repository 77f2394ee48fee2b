"""BIP39 seed phrases: generate, check with precise errors, entropy and seed.

Every language that the ``mnemonic`` package ships is supported, named as it names them.
Words are compared in NFKD form (BIP39's normalisation): ``mnemonic`` 0.21 ships its
Russian and Turkish wordlists un-normalised, so every wordlist is NFKD-normalised here
before any lookup. Output phrases are NFKD words joined by the language's separator
(U+3000 IDEOGRAPHIC SPACE for Japanese, a plain space otherwise), exactly as the
reference implementation and the official vectors write them.

Input is forgiving where that cannot change the meaning: any case, any whitespace
(Japanese ideographic spaces included), composed or decomposed accents, accents left
out (no two words of a list differ only by accents), and unambiguous prefixes of at least
four letters (the first four letters identify a word in every BIP39 list). What was
typed wins over a reading with accents added. A ``?`` in place of one word asks which
words would complete the checksum there.

Nothing here prints or logs a phrase; phrases travel as :class:`~keyvault.secret.Secret`.
"""

from __future__ import annotations

import difflib
import functools
import hashlib
import math
import os
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from mnemonic import Mnemonic

from keyvault.errors import InvalidMnemonicError
from keyvault.secret import Secret

__all__ = [
    "DICE_ROLLS_FOR_FULL_STRENGTH",
    "LANGUAGES",
    "PLACEHOLDER",
    "WORD_COUNTS",
    "Phrase",
    "check",
    "checksum_completions",
    "expand_word",
    "from_entropy",
    "generate",
    "prefix4",
    "separator",
    "suggest_words",
    "to_seed",
    "wordlist",
]

#: Every language ``mnemonic`` ships, English first (the only one most wallets accept).
LANGUAGES: tuple[str, ...] = (
    "english",
    "chinese_simplified",
    "chinese_traditional",
    "czech",
    "french",
    "italian",
    "japanese",
    "korean",
    "portuguese",
    "russian",
    "spanish",
    "turkish",
)

#: Valid phrase lengths (128, 160, 192, 224 and 256 bits of entropy).
WORD_COUNTS: tuple[int, ...] = (12, 15, 18, 21, 24)

#: Entropy bytes per word count.
_ENTROPY_BYTES: dict[int, int] = {words: words * 11 * 32 // 33 // 8 for words in WORD_COUNTS}

#: Fair six-sided dice rolls whose entropy (log2(6) = 2.585 bits each) reaches the
#: phrase's full strength. Fewer rolls still help: they are mixed with the OS CSPRNG.
DICE_ROLLS_FOR_FULL_STRENGTH: dict[int, int] = {
    words: math.ceil(nbytes * 8 / math.log2(6)) for words, nbytes in _ENTROPY_BYTES.items()
}

#: Typed in place of a forgotten word: :func:`check` then lists the words that fit there.
PLACEHOLDER = "?"

_MIN_PREFIX = 4
_DICE_DOMAIN = b"keyvault bip39 dice v1\x00"


def _nfkd(text: str) -> str:
    return unicodedata.normalize("NFKD", text)


def _canon(text: str) -> str:
    """The lookup form: NFKD, lowercase."""
    return _nfkd(_nfkd(text).lower())


def _fold(text: str) -> str:
    """The lookup form (NFC) without accents, and with the Turkish dotless i as i.

    ``"ABARTI".lower()`` is ``"abarti"``, not the Turkish word ``"abartı"``: folding ı to
    i lets upper-case Turkish input match. No two words of a list share a folded form.
    """
    bare = "".join(c for c in _canon(text) if not unicodedata.combining(c))
    return unicodedata.normalize("NFC", bare.replace("ı", "i"))


@dataclass(frozen=True)
class _Wordlist:
    language: str
    words: tuple[str, ...]  # NFKD
    index: dict[str, int]  # lookup form (_canon) -> index
    composed: tuple[str, ...]  # NFC lookup forms, for counting letters as people see them
    composed_prefix: dict[str, tuple[int, ...]]  # first four NFC letters -> indices
    folded: tuple[str, ...]  # accent-free NFC forms, for forgiving lookups
    folded_index: dict[str, int]
    folded_prefix: dict[str, tuple[int, ...]]  # first four folded letters -> indices
    dotless: tuple[str, ...]  # NFC lookup forms with the Turkish ı as i, accents kept
    dotless_index: dict[str, int]
    dotless_prefix: dict[str, tuple[int, ...]]
    separator: str


def _prefix_index(forms: Sequence[str]) -> dict[str, tuple[int, ...]]:
    index: dict[str, list[int]] = {}
    for i, form in enumerate(forms):
        index.setdefault(form[:_MIN_PREFIX], []).append(i)
    return {key: tuple(found) for key, found in index.items()}


@functools.cache
def _load(language: str) -> _Wordlist:
    if language not in LANGUAGES:
        raise ValueError(f"unknown BIP39 language {language!r}; one of: {', '.join(LANGUAGES)}")
    words = tuple(_nfkd(word) for word in Mnemonic(language).wordlist)
    keys = tuple(_canon(word) for word in words)
    composed = tuple(unicodedata.normalize("NFC", key) for key in keys)
    folded = tuple(_fold(word) for word in words)
    dotless = tuple(form.replace("ı", "i") for form in composed)
    if (
        len({*keys}) != 2048 or len({*folded}) != 2048 or len({*dotless}) != 2048
    ):  # pragma: no cover - packaging
        raise RuntimeError(f"the {language} wordlist is damaged")
    return _Wordlist(
        language=language,
        words=words,
        index={key: i for i, key in enumerate(keys)},
        composed=composed,
        composed_prefix=_prefix_index(composed),
        folded=folded,
        folded_index={word: i for i, word in enumerate(folded)},
        folded_prefix=_prefix_index(folded),
        dotless=dotless,
        dotless_index={form: i for i, form in enumerate(dotless)},
        dotless_prefix=_prefix_index(dotless),
        separator="\u3000" if language == "japanese" else " ",
    )


def wordlist(language: str = "english") -> tuple[str, ...]:
    """The 2048 words of ``language`` (NFKD), in index order."""
    return _load(language).words


def separator(language: str = "english") -> str:
    """The word separator for ``language``: U+3000 for Japanese, a space otherwise."""
    return _load(language).separator


def prefix4(word: str) -> str:
    """The first four letters of ``word``: enough to identify it in its wordlist.

    Letters are counted in composed (NFC) form and the result is NFC, ready to print
    (``"ábac"`` for Spanish ``"ábaco"``). Words of three letters or fewer are returned whole.
    """
    return unicodedata.normalize("NFC", word)[:_MIN_PREFIX]


def _resolve(token: str, wl: _Wordlist) -> int | None:
    """The index ``token`` stands for in ``wl``, or None when there is none or several.

    What was typed wins: the exact word, else a unique prefix of at least four letters as
    typed. Only then, as a convenience: a token typed without accents may be a word, or a
    unique prefix of one, with its accents left out; and upper-case Turkish (where
    ``"I".lower()`` gives ``"i"``, not ``"ı"``) is matched with ı read as i.
    """
    key = _canon(token)
    found = wl.index.get(key)
    if found is not None:
        return found
    composed = unicodedata.normalize("NFC", key)
    long_enough = len(composed) >= _MIN_PREFIX
    if long_enough:
        found = _unique(_prefix_matches(composed, wl.composed, wl.composed_prefix))
        if found is not None:
            return found
    if "ı" not in key and not any(unicodedata.combining(c) for c in key):
        forms, index, prefixes = wl.folded, wl.folded_index, wl.folded_prefix
        typed = _fold(key)
    else:
        forms, index, prefixes = wl.dotless, wl.dotless_index, wl.dotless_prefix
        typed = composed.replace("ı", "i")
    found = index.get(typed)
    if found is None and long_enough:
        found = _unique(_prefix_matches(typed, forms, prefixes))
    return found


def _unique(matches: list[int]) -> int | None:
    return matches[0] if len(matches) == 1 else None


def _prefix_matches(
    typed: str, forms: tuple[str, ...], index: dict[str, tuple[int, ...]]
) -> list[int]:
    return [i for i in index.get(typed[:_MIN_PREFIX], ()) if forms[i].startswith(typed)]


def expand_word(token: str, language: str = "english") -> str | None:
    """The full word (NFKD) that a typed ``token`` stands for, or None if none or ambiguous.

    Accepts what :func:`check` accepts for one word: any case, composed or decomposed
    accents, accents left out, or a unique prefix of at least four letters. What was typed
    wins over a reading with accents added: "omur" is Turkish "omurga", not "ömür".
    """
    index = _resolve(token, _load(language))
    return None if index is None else _load(language).words[index]


def suggest_words(token: str, language: str = "english", limit: int = 5) -> tuple[str, ...]:
    """The wordlist words closest to a mistyped ``token``, best first."""
    wl = _load(language)
    return tuple(wl.words[i] for i in _closest(token, wl, limit))


def _closest(token: str, wl: _Wordlist, limit: int = 5) -> list[int]:
    """Indices of the words ``token`` most likely stands for, best first."""
    folded = _fold(token)
    by_prefix = [i for i, word in enumerate(wl.folded) if folded and word.startswith(folded)]
    close = difflib.get_close_matches(folded, wl.folded, n=limit, cutoff=0.5)
    ranked = by_prefix[:limit] + [wl.folded_index[word] for word in close]
    return list(dict.fromkeys(ranked))[:limit]


def _indices_to_entropy(indices: Sequence[int]) -> tuple[bytes, bool]:
    """Split the 11-bit indices into entropy bytes and say whether the checksum holds."""
    total_bits = len(indices) * 11
    checksum_bits = total_bits // 33
    entropy_bits = total_bits - checksum_bits
    value = 0
    for index in indices:
        value = (value << 11) | index
    entropy = (value >> checksum_bits).to_bytes(entropy_bits // 8, "big")
    checksum = value & ((1 << checksum_bits) - 1)
    expected = hashlib.sha256(entropy).digest()[0] >> (8 - checksum_bits)
    return entropy, checksum == expected


def _entropy_to_indices(entropy: bytes) -> list[int]:
    if len(entropy) not in _ENTROPY_BYTES.values():
        raise ValueError("BIP39 entropy is 16, 20, 24, 28 or 32 bytes")
    checksum_bits = len(entropy) * 8 // 32
    checksum = hashlib.sha256(entropy).digest()[0] >> (8 - checksum_bits)
    value = (int.from_bytes(entropy, "big") << checksum_bits) | checksum
    count = (len(entropy) * 8 + checksum_bits) // 11
    return [(value >> (11 * (count - 1 - i))) & 0x7FF for i in range(count)]


@dataclass(frozen=True, eq=False)
class Phrase:
    """A checked, valid BIP39 phrase.

    ``words`` holds the full words (prefixes expanded, NFKD) joined by the language's
    separator: the canonical text from which the seed is derived.
    """

    words: Secret
    language: str
    word_count: int

    def indices(self) -> tuple[int, ...]:
        """The words' 0-based wordlist indices (secret: they are the phrase)."""
        wl = _load(self.language)
        return tuple(
            wl.index[_canon(word)] for word in self.words.reveal_text().split(wl.separator)
        )

    def entropy(self) -> Secret:
        """The entropy the phrase encodes (16 to 32 bytes)."""
        entropy, _ = _indices_to_entropy(self.indices())
        return Secret(entropy, label="entropy")

    def __repr__(self) -> str:
        return f"Phrase({self.word_count} {self.language} words: **redacted**)"


def _text_of(phrase: Secret | str) -> str:
    if isinstance(phrase, Secret):
        return phrase.reveal_text()
    if isinstance(phrase, str):
        return phrase
    raise TypeError("a phrase is a Secret or a str")


def _tokens(phrase: Secret | str) -> list[str]:
    # NFKD turns U+3000 into a plain space; split() also takes any other whitespace.
    return _nfkd(_text_of(phrase)).split()


def _choose_language(tokens: Sequence[str]) -> str:
    """The language the tokens most plausibly belong to.

    Preference: every token resolves, then the checksum holds, then more exact matches,
    then more resolved tokens, then the order of :data:`LANGUAGES` (English first).
    Simplified and traditional Chinese share characters; where a phrase is valid in both
    the seed is the same, since it depends only on the text.
    """
    best: tuple[tuple[int, int, int, int], str] | None = None
    for language in LANGUAGES:
        wl = _load(language)
        resolved = [_resolve(t, wl) if t != PLACEHOLDER else None for t in tokens]
        known = [r for r in resolved if r is not None]
        all_known = len(known) == len(tokens)
        valid = all_known and len(tokens) in WORD_COUNTS and _indices_to_entropy(known)[1]
        exact = sum(_canon(t) in wl.index for t in tokens)
        score = (int(all_known), int(valid), exact, len(known))
        if best is None or score > best[0]:
            best = (score, language)
    assert best is not None
    return best[1]


def _completions(known: list[int | None], position: int) -> list[int]:
    """Indices that make the checksum valid when put at 0-based ``position``."""
    fitting = []
    for candidate in range(2048):
        trial = [candidate if i == position else k for i, k in enumerate(known)]
        if _indices_to_entropy([t for t in trial if t is not None])[1]:
            fitting.append(candidate)
    return fitting


def checksum_completions(
    phrase: Secret | str, position: int, language: str | None = None
) -> tuple[str, ...]:
    """Every word that gives a valid phrase when it is the word at ``position`` (1-based).

    ``phrase`` either has a valid word count (the word at ``position`` is replaced; it may
    be ``?`` or any unknown text) or one word fewer (the missing word is inserted at
    ``position``). The other words must all be known. About 1 in 16 words fits for a
    12-word phrase and 1 in 256 for a 24-word phrase.
    """
    tokens = _tokens(phrase)
    if len(tokens) + 1 in WORD_COUNTS:
        if not 1 <= position <= len(tokens) + 1:
            raise ValueError("position is outside the phrase")
        tokens.insert(position - 1, PLACEHOLDER)
    elif len(tokens) not in WORD_COUNTS:
        raise ValueError("the phrase must have a valid word count, or one word fewer")
    if not 1 <= position <= len(tokens):
        raise ValueError("position is outside the phrase")
    others = tokens[: position - 1] + tokens[position:]
    language = language or _choose_language(others)
    wl = _load(language)
    known: list[int | None] = []
    for i, token in enumerate(tokens):
        if i == position - 1:
            known.append(None)
            continue
        index = _resolve(token, wl)
        if index is None:
            raise InvalidMnemonicError(
                f"word {i + 1} is not in the {language} wordlist", position=i + 1
            )
        known.append(index)
    return tuple(wl.words[i] for i in _completions(known, position - 1))


def _count_message(count: int) -> str:
    allowed = ", ".join(str(n) for n in WORD_COUNTS[:-1]) + f" or {WORD_COUNTS[-1]}"
    return f"the phrase has {count} words; a BIP39 phrase has {allowed} words"


def check(phrase: Secret | str, language: str | None = None) -> Phrase:
    """Check a phrase and return it normalised, or say precisely what is wrong.

    ``language`` None detects it. Raises :class:`InvalidMnemonicError` with:

    - a wrong word count (``position`` None; for one word too few, ``suggestions`` are
      the words that would complete the checksum as the last word);
    - the first word not in the wordlist (``position``; ``suggestions`` are the closest
      words, limited to those that make the checksum valid when that is the only problem);
    - a ``?`` placeholder (``position``; ``suggestions`` are all the words that fit);
    - a checksum that does not match.
    """
    if language is not None and language not in LANGUAGES:
        raise ValueError(f"unknown BIP39 language {language!r}")
    tokens = _tokens(phrase)
    if not tokens:
        raise InvalidMnemonicError("the phrase is empty")
    language = language or _choose_language(tokens)
    wl = _load(language)
    resolved = [None if t == PLACEHOLDER else _resolve(t, wl) for t in tokens]
    unknown = [i for i, r in enumerate(resolved) if r is None]
    count = len(tokens)

    if count not in WORD_COUNTS:
        suggestions: tuple[str, ...] = ()
        hint: str | None = None
        if count - 1 in WORD_COUNTS:
            hint = "one word too many: was a word written twice?"
        elif count + 1 in WORD_COUNTS:
            hint = "one word is missing: type ? in its place to list the words that fit there"
        if count + 1 in WORD_COUNTS and not unknown:
            fitting = _completions([*resolved, None], count)
            suggestions = tuple(wl.words[i] for i in fitting)
            hint = (
                f"if the last word is missing, {len(fitting)} words would complete the "
                "checksum; for another position, type ? in its place"
            )
        raise InvalidMnemonicError(_count_message(count), hint=hint, suggestions=suggestions)

    if unknown:
        first = unknown[0]
        position = first + 1
        fitting_set: set[int] = set()
        if len(unknown) == 1:
            fitting_set = set(_completions(list(resolved), first))
        if tokens[first] == PLACEHOLDER:
            if len(unknown) > 1:
                raise InvalidMnemonicError(
                    f"word {position} is a ? and so is another: only one word can be left out",
                    position=position,
                )
            ordered = sorted(fitting_set)
            raise InvalidMnemonicError(
                f"word {position} is left out; {len(ordered)} words would complete the checksum",
                position=position,
                suggestions=tuple(wl.words[i] for i in ordered),
            )
        closest = _closest(tokens[first], wl)
        preferred = [i for i in closest if i in fitting_set] or closest
        hint = None
        if fitting_set:
            hint = f"{len(fitting_set)} words would make the checksum valid at position {position}"
        raise InvalidMnemonicError(
            f"word {position} is not in the {language} wordlist",
            position=position,
            suggestions=tuple(wl.words[i] for i in preferred),
            hint=hint,
        )

    indices = [r for r in resolved if r is not None]
    _, valid = _indices_to_entropy(indices)
    if not valid:
        raise InvalidMnemonicError(
            "the checksum does not match: a word is wrong or the words are out of order",
            hint="type ? in place of a doubtful word to list the words that fit there",
        )
    words = Secret(wl.separator.join(wl.words[i] for i in indices), label="phrase")
    return Phrase(words=words, language=language, word_count=count)


def from_entropy(entropy: bytes | Secret, language: str = "english") -> Secret:
    """The phrase for ``entropy`` (16, 20, 24, 28 or 32 bytes) in ``language``."""
    raw = entropy.reveal() if isinstance(entropy, Secret) else bytes(entropy)
    wl = _load(language)
    return Secret(wl.separator.join(wl.words[i] for i in _entropy_to_indices(raw)), label="phrase")


def _dice_digits(dice: str) -> str:
    digits = "".join(c for c in dice if not c.isspace() and c not in ",;-")
    if not digits:
        raise ValueError("no dice rolls given")
    if any(c not in "123456" for c in digits):
        raise ValueError("dice rolls are the digits 1 to 6")
    return digits


def generate(
    words: int = 24,
    language: str = "english",
    *,
    dice: str | None = None,
    randbytes: Callable[[int], bytes] = os.urandom,
) -> Secret:
    """A new random phrase of ``words`` words in ``language``.

    The entropy comes from ``randbytes`` (the OS CSPRNG). With ``dice`` (rolls 1-6 as
    typed: whitespace and commas ignored), the entropy is SHA-256 of the CSPRNG bytes
    and the rolls together, truncated: the rolls add to the CSPRNG, never replace it, so
    biased or few rolls cannot weaken the phrase. :data:`DICE_ROLLS_FOR_FULL_STRENGTH`
    says how many rolls alone would reach full strength.
    """
    if words not in WORD_COUNTS:
        raise ValueError(f"a BIP39 phrase has {', '.join(map(str, WORD_COUNTS))} words")
    nbytes = _ENTROPY_BYTES[words]
    entropy = randbytes(nbytes)
    if len(entropy) != nbytes:
        raise ValueError("randbytes returned the wrong number of bytes")
    if dice is not None:
        rolls = _dice_digits(dice)
        digest = hashlib.sha256(_DICE_DOMAIN + entropy + rolls.encode("ascii")).digest()
        entropy = digest[:nbytes]
    return from_entropy(entropy, language)


def to_seed(phrase: Phrase | Secret | str, passphrase: Secret | None = None) -> Secret:
    """The 64-byte BIP39 seed: PBKDF2-HMAC-SHA512 over the NFKD phrase and passphrase.

    A phrase that is not already a :class:`Phrase` is checked first (so prefixes and
    stray whitespace give the same seed as the full words). The passphrase (the "25th
    word") is NFKD-normalised as BIP39 requires; None means the empty passphrase.
    """
    checked = phrase if isinstance(phrase, Phrase) else check(phrase)
    text = _nfkd(checked.words.reveal_text())
    salt = "mnemonic" + _nfkd(passphrase.reveal_text() if passphrase is not None else "")
    seed = hashlib.pbkdf2_hmac("sha512", text.encode("utf-8"), salt.encode("utf-8"), 2048)
    return Secret(seed, label="seed")

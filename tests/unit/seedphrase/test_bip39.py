"""BIP39 behaviour: forgiving input, precise errors, generation, dice, and properties."""

from __future__ import annotations

import functools
import hashlib
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from keyvault.errors import InvalidMnemonicError
from keyvault.secret import Secret
from keyvault.seedphrase import bip39

ABOUT = "abandon " * 11 + "about"
ABOUT_SEED = (
    "5eb00bbddcf069084889a8ab9155568165f5c453ccb85e70811aaed6f6da5fc1"
    "9a5ac40b389cd370d086206dec8aa6c43daea6690f20ad3d8d48b2d2ce9e38e4"
)
ZOO24 = "zoo " * 23 + "vote"


def _error(phrase: str, language: str | None = None) -> InvalidMnemonicError:
    with pytest.raises(InvalidMnemonicError) as info:
        bip39.check(phrase, language)
    return info.value


# --- forgiving input ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    [
        ABOUT,
        ABOUT.upper(),
        "  abandon\tabandon\n abandon abandon abandon abandon abandon abandon abandon "
        "abandon abandon   about  ",
        "aban aban aban aban aban aban aban aban aban aban aban abou",
        "ABAN abandon abando aband abandon abandon abandon abandon abandon abandon abandon ABOUt",
    ],
)
def test_accepts_case_whitespace_and_four_letter_prefixes(typed: str) -> None:
    phrase = bip39.check(typed)
    assert phrase.words.reveal_text() == ABOUT
    assert (phrase.language, phrase.word_count) == ("english", 12)
    assert bip39.to_seed(typed).reveal().hex() == ABOUT_SEED


def test_three_letter_prefix_is_not_enough() -> None:
    error = _error("aba " * 11 + "about")
    assert error.position == 1
    assert "abandon" in error.suggestions


def test_a_whole_three_letter_word_is_fine() -> None:
    # "add" is a full word; 4-letter prefixes of longer words never collide with it.
    indices = [bip39.wordlist().index("add")] * 11
    phrase_words = [bip39.wordlist()[i] for i in indices]
    fitting = bip39.checksum_completions(" ".join(phrase_words), 12)
    assert bip39.check(" ".join([*phrase_words, fitting[0]])).word_count == 12


@pytest.mark.parametrize("language", bip39.LANGUAGES)
def test_every_word_is_identified_by_its_first_four_letters(language: str) -> None:
    words = bip39.wordlist(language)
    assert len({bip39.prefix4(w) for w in words}) == 2048
    for word in words:
        assert bip39.expand_word(bip39.prefix4(word), language) == word
        assert bip39.expand_word(word, language) == word
        if language == "turkish":
            continue  # upper-case I and accent-free forms can be other Turkish words
        bare = "".join(c for c in word if not unicodedata.combining(c))
        assert bip39.expand_word(word.upper(), language) == word
        assert bip39.expand_word(bare, language) == word


def test_turkish_what_was_typed_wins() -> None:
    nfkd = functools.partial(unicodedata.normalize, "NFKD")
    assert bip39.expand_word("omur", "turkish") == nfkd("omurga")  # not "ömür" sans accents
    assert bip39.expand_word("ömür", "turkish") == nfkd("ömür")
    assert bip39.expand_word("çadı", "turkish") == nfkd("çadır")
    assert bip39.expand_word("cadı", "turkish") == nfkd("cadı")
    assert bip39.expand_word("ABARTI", "turkish") == nfkd("abartı")  # "I".lower() == "i"
    assert bip39.expand_word("AÇIKGÖZ", "turkish") == nfkd("açıkgöz")
    assert nfkd("ömür") in bip39.suggest_words("omür", "turkish")


def test_random_phrases_typed_as_prefixes() -> None:
    for n in range(30):
        entropy = hashlib.sha256(bytes([n])).digest()
        full = bip39.from_entropy(entropy).reveal_text()
        typed = " ".join(bip39.prefix4(w) for w in full.split())
        assert bip39.check(typed).words.reveal_text() == full


def test_accents_may_be_left_out_and_composed_or_not() -> None:
    entropy = bytes(16)
    spanish = bip39.from_entropy(entropy, "spanish").reveal_text()
    assert spanish.startswith("a\u0301baco")  # NFKD output, as the vectors
    for typed in (spanish, unicodedata.normalize("NFC", spanish), spanish.replace("\u0301", "")):
        phrase = bip39.check(typed)
        assert phrase.language == "spanish"
        assert phrase.words.reveal_text() == spanish


def test_japanese_separator_and_ascii_spaces() -> None:
    mnemonic = bip39.from_entropy(bytes(range(16)), "japanese").reveal_text()
    assert "\u3000" in mnemonic and " " not in mnemonic
    for typed in (
        mnemonic,
        mnemonic.replace("\u3000", " "),
        unicodedata.normalize("NFC", mnemonic),
    ):
        phrase = bip39.check(typed)
        assert phrase.language == "japanese"
        assert phrase.words.reveal_text() == mnemonic


def test_prefix4_is_composed() -> None:
    assert bip39.prefix4("abandon") == "aban"
    assert bip39.prefix4("add") == "add"
    assert bip39.prefix4("a\u0301baco") == "\u00e1bac"


# --- precise errors -----------------------------------------------------------------------


def test_empty() -> None:
    assert _error("   \n").message == "the phrase is empty"


@pytest.mark.parametrize("count", [1, 11, 13, 23, 25, 30])
def test_wrong_word_count(count: int) -> None:
    error = _error(" ".join(["abandon"] * count))
    assert error.position is None
    assert f"has {count} words" in error.message
    assert "12, 15, 18, 21 or 24" in error.message


def test_one_word_missing_suggests_last_word_completions() -> None:
    error = _error("abandon " * 11)
    assert "about" in error.suggestions
    assert len(error.suggestions) == 128  # 7 free bits, 4 checksum bits
    assert error.hint is not None and "128" in error.hint
    for word in error.suggestions[:10]:
        bip39.check("abandon " * 11 + word)


def test_one_word_too_many() -> None:
    error = _error(ABOUT + " about")
    assert error.hint is not None and "too many" in error.hint


def test_unknown_word_names_position_and_closest_words() -> None:
    error = _error(
        "abandon abandon abandn abandon abandon abandon abandon abandon abandon abandon "
        "abandon about"
    )
    assert error.position == 3
    assert error.message == "word 3 is not in the english wordlist"
    assert error.suggestions[0] == "abandon"
    assert "abandn" not in error.message  # messages carry positions, never the words


def test_unknown_word_suggestions_prefer_checksum_fits() -> None:
    # "abot" is close to both "about" and "abort"; only "about" completes the checksum.
    error = _error("abandon " * 11 + "abot")
    assert error.position == 12
    assert error.suggestions == ("about",)
    assert error.hint is not None and "128 words" in error.hint


def test_first_unknown_word_is_reported() -> None:
    error = _error(
        "abandon xyzzy abandon plugh abandon abandon abandon abandon abandon abandon abandon about"
    )
    assert error.position == 2


def test_placeholder_lists_every_fitting_word() -> None:
    error = _error("abandon " * 11 + "?")
    assert error.position == 12
    assert len(error.suggestions) == 128
    assert "about" in error.suggestions
    words24 = ZOO24.split()
    words24[7] = "?"
    error = _error(" ".join(words24))
    assert error.position == 8
    assert "zoo" in error.suggestions
    assert 1 <= len(error.suggestions) <= 40  # about 2048/256 words fit


def test_two_placeholders_refused() -> None:
    error = _error("? ? " + "abandon " * 9 + "about")
    assert error.position == 1
    assert "only one word" in error.message


def test_bad_checksum() -> None:
    error = _error("abandon " * 12)
    assert error.position is None
    assert "checksum" in error.message


def test_wrong_language_forced() -> None:
    error = _error(ABOUT, "french")
    # "abandon" is French too; "about" is a unique French prefix (aboutir) of >= 4 letters,
    # so the words resolve but the checksum does not hold in French.
    assert "checksum" in error.message


def test_checksum_completions_insert_and_replace() -> None:
    replaced = bip39.checksum_completions(ABOUT, 12)
    inserted = bip39.checksum_completions("abandon " * 11, 12)
    assert replaced == inserted
    assert "about" in replaced
    first = bip39.checksum_completions("abandon " * 10 + "about", 1)
    assert first
    for word in first:
        bip39.check(word + " " + "abandon " * 10 + "about")
    with pytest.raises(ValueError):
        bip39.checksum_completions("abandon " * 5, 1)
    with pytest.raises(ValueError):
        bip39.checksum_completions(ABOUT, 13)
    with pytest.raises(InvalidMnemonicError) as info:
        bip39.checksum_completions("xyzzy " + "abandon " * 10, 12, "english")
    assert info.value.position == 1


def test_unknown_language_is_a_caller_mistake() -> None:
    with pytest.raises(ValueError):
        bip39.check(ABOUT, "klingon")
    with pytest.raises(ValueError):
        bip39.from_entropy(bytes(16), "klingon")
    with pytest.raises(TypeError):
        bip39.check(b"abandon")  # type: ignore[arg-type]


# --- generation, entropy, seed ------------------------------------------------------------


@pytest.mark.parametrize("words", bip39.WORD_COUNTS)
@pytest.mark.parametrize("language", bip39.LANGUAGES)
def test_generate_every_size_and_language(words: int, language: str) -> None:
    phrase = bip39.check(bip39.generate(words, language), language)
    assert phrase.word_count == words
    assert len(phrase.entropy()) == words * 4 // 3


def test_generate_uses_randbytes_exactly() -> None:
    calls: list[int] = []

    def fixed(n: int) -> bytes:
        calls.append(n)
        return bytes(n)

    assert bip39.generate(12, randbytes=fixed).reveal_text() == ABOUT
    assert calls == [16]
    with pytest.raises(ValueError):
        bip39.generate(12, randbytes=lambda n: bytes(n - 1))


def test_generate_rejects_bad_sizes() -> None:
    with pytest.raises(ValueError):
        bip39.generate(13)


def test_dice_are_mixed_with_the_csprng_never_replacing_it() -> None:
    rolls = "1 2 3 4 5 6," * 20

    def csprng_a(n: int) -> bytes:
        return b"\x01" * n

    def csprng_b(n: int) -> bytes:
        return b"\x02" * n

    a = bip39.check(bip39.generate(24, dice=rolls, randbytes=csprng_a))
    again = bip39.check(bip39.generate(24, dice=rolls, randbytes=csprng_a))
    b = bip39.check(bip39.generate(24, dice=rolls, randbytes=csprng_b))
    other_rolls = bip39.check(bip39.generate(24, dice="6" * 120, randbytes=csprng_a))
    plain = bip39.check(bip39.generate(24, randbytes=csprng_a))
    entropies = {p.entropy().reveal() for p in (a, b, other_rolls, plain)}
    assert len(entropies) == 4  # the CSPRNG and the rolls both change the result
    assert a.entropy().equals(again.entropy())
    expected = hashlib.sha256(
        b"keyvault bip39 dice v1\x00" + b"\x01" * 32 + ("123456" * 20).encode()
    ).digest()
    assert a.entropy().reveal() == expected


@pytest.mark.parametrize("rolls", ["", "  ", "1237", "one two", "0"])
def test_bad_dice(rolls: str) -> None:
    with pytest.raises(ValueError):
        bip39.generate(12, dice=rolls)


def test_dice_rolls_for_full_strength() -> None:
    assert bip39.DICE_ROLLS_FOR_FULL_STRENGTH == {12: 50, 15: 62, 18: 75, 21: 87, 24: 100}


def test_from_entropy_bad_length() -> None:
    with pytest.raises(ValueError):
        bip39.from_entropy(bytes(15))


def test_seed_passphrase_and_phrase_object() -> None:
    phrase = bip39.check(ABOUT)
    assert bip39.to_seed(phrase).reveal().hex() == ABOUT_SEED
    assert bip39.to_seed(phrase, Secret("")).reveal().hex() == ABOUT_SEED
    assert bip39.to_seed(Secret(ABOUT), Secret("TREZOR")).reveal().hex() != ABOUT_SEED
    with pytest.raises(InvalidMnemonicError):
        bip39.to_seed("abandon " * 12)


def test_phrase_never_prints_its_words() -> None:
    phrase = bip39.check(ABOUT)
    for text in (repr(phrase), str(phrase), repr(phrase.words), repr(phrase.entropy())):
        assert "abandon" not in text
    assert phrase.indices() == (0,) * 11 + (3,)


# --- properties ---------------------------------------------------------------------------

ENTROPY = st.sampled_from([16, 20, 24, 28, 32]).flatmap(lambda n: st.binary(min_size=n, max_size=n))


@settings(max_examples=60, deadline=None)
@given(entropy=ENTROPY, language=st.sampled_from(bip39.LANGUAGES))
def test_round_trip_every_language(entropy: bytes, language: str) -> None:
    words = bip39.from_entropy(entropy, language)
    phrase = bip39.check(words, language)
    assert phrase.entropy().reveal() == entropy
    assert phrase.words.reveal_text() == words.reveal_text()
    detected = bip39.check(words)
    assert bip39.to_seed(detected).equals(bip39.to_seed(phrase))


@settings(max_examples=60, deadline=None)
@given(
    entropy=ENTROPY,
    language=st.sampled_from(bip39.LANGUAGES),
    data=st.data(),
)
def test_non_wordlist_word_is_rejected_naming_its_position(
    entropy: bytes, language: str, data: st.DataObject
) -> None:
    words = bip39.from_entropy(entropy, language).reveal_text().split(bip39.separator(language))
    position = data.draw(st.integers(1, len(words)))
    junk = data.draw(
        st.text(min_size=1, max_size=12).filter(
            lambda w: (
                unicodedata.normalize("NFKD", w).split() == [unicodedata.normalize("NFKD", w)]
                and w != bip39.PLACEHOLDER
                and bip39.expand_word(w, language) is None
            )
        )
    )
    words[position - 1] = junk
    error = _error(" ".join(words), language)
    assert error.position == position
    assert "not in the" in error.message


@settings(max_examples=100, deadline=None)
@given(entropy=ENTROPY, language=st.sampled_from(bip39.LANGUAGES), data=st.data())
def test_substituted_wordlist_word_never_gives_the_original(
    entropy: bytes, language: str, data: st.DataObject
) -> None:
    sep = bip39.separator(language)
    words = bip39.from_entropy(entropy, language).reveal_text().split(sep)
    position = data.draw(st.integers(0, len(words) - 1))
    replacement = data.draw(
        st.sampled_from(bip39.wordlist(language)).filter(lambda w: w != words[position])
    )
    words[position] = replacement
    try:
        phrase = bip39.check(sep.join(words), language)
    except InvalidMnemonicError as error:
        assert "checksum" in error.message
    else:
        assert phrase.entropy().reveal() != entropy

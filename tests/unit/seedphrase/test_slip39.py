"""SLIP-39 against trezor/python-shamir-mnemonic's vectors, plus split/combine round trips."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest
from embit import bip32
from hypothesis import given, settings
from hypothesis import strategies as st

from keyvault.errors import InvalidShareError
from keyvault.secret import Secret
from keyvault.seedphrase import bip39, slip39

VECTORS = json.loads(
    (
        Path(__file__).parents[2]
        / "vectors"
        / "slip39"
        / "trezor_python-shamir-mnemonic_vectors.json"
    ).read_text("utf-8")
)
VALID = [pytest.param(*v, id=v[0][:3].strip(". ")) for v in VECTORS if v[2]]
INVALID = [pytest.param(*v, id=v[0][:3].strip(". ")) for v in VECTORS if not v[2]]
TREZOR = Secret("TREZOR")


def test_vector_counts() -> None:
    assert (len(VALID), len(INVALID)) == (15, 30)


@pytest.mark.parametrize(("description", "shares", "secret", "xprv"), VALID)
def test_valid_vector(description: str, shares: list[str], secret: str, xprv: str) -> None:
    recovered = slip39.combine(shares, TREZOR)
    assert recovered.reveal().hex() == secret
    assert bip32.HDKey.from_seed(recovered.reveal()).to_string() == xprv
    # The same shares as Secret objects, upper case and as 4-letter prefixes.
    typed = [Secret(" ".join(w[:4].upper() for w in s.split())) for s in shares]
    assert slip39.combine(typed, TREZOR).reveal().hex() == secret


@pytest.mark.parametrize(("description", "shares", "secret", "xprv"), INVALID)
def test_invalid_vector_fails_cleanly(
    description: str, shares: list[str], secret: str, xprv: str
) -> None:
    with pytest.raises(InvalidShareError) as info:
        slip39.combine(shares, TREZOR)
    message = info.value.message
    # Messages name shares, groups and counts, never the words (no two in a row, as the
    # library's own messages quote them).
    for share in shares:
        words = share.split()
        for pair in itertools.pairwise(words):
            assert " ".join(pair) not in message
    expected = [  # most specific first
        ("greater group threshold", "group threshold exceeds"),
        ("checksum", "checksum"),
        ("padding", "padding"),
        ("identifiers", "identifier differs"),
        ("iteration exponents", "iteration exponent differs"),
        ("group thresholds", "do not belong together"),
        ("group counts", "group count differs"),
        ("duplicate member", "same member number"),
        ("member thresholds", "member threshold differs"),
        ("invalid digest", "do not combine"),
        ("Insufficient number of groups", "groups are needed"),
        ("insufficient number of members", "needs exactly 2 shares; 1 was given"),
        ("insufficient length", "20 words"),
        ("invalid master secret length", "no SLIP-39 share has"),
        ("2-of-3", "needs exactly 2 shares; 1 was given"),
    ]
    matched = [text for key, text in expected if key in description]
    assert matched, description
    assert matched[0] in message


def test_vector_share_metadata() -> None:
    last = slip39.describe(VECTORS[44][1][0])
    assert (last.extendable, last.iteration_exponent, last.identifier) == (True, 0, 32065)
    first = slip39.describe(VECTORS[0][1][0])
    assert first.extendable is False
    assert (first.group, first.group_threshold, first.member, first.member_threshold) == (
        1,
        1,
        1,
        1,
    )


@pytest.mark.parametrize("secret_bytes", [16, 32])
def test_single_group_every_threshold_subset(secret_bytes: int) -> None:
    master = Secret(bytes(range(secret_bytes)))
    (group,) = slip39.split(master, threshold=3, shares=5)
    assert len(group) == 5
    for subset in itertools.combinations(group, 3):
        assert slip39.combine(list(subset)).equals(master)
    with pytest.raises(InvalidShareError, match="needs exactly 3 shares; 2 were given"):
        slip39.combine(group[:2])
    info = slip39.describe(group[4])
    assert (info.member, info.member_threshold, info.words) == (
        5,
        3,
        20 if secret_bytes == 16 else 33,
    )


def test_multi_group_with_passphrase() -> None:
    master = Secret(bytes(range(100, 132)))
    passphrase = Secret("correct horse")
    groups = slip39.split(
        master, groups=[(1, 1), (2, 3), (3, 5)], group_threshold=2, passphrase=passphrase
    )
    assert [len(g) for g in groups] == [1, 3, 5]
    assert slip39.combine([groups[0][0], groups[1][0], groups[1][2]], passphrase).equals(master)
    assert slip39.combine([*groups[2][1:4], groups[0][0]], passphrase).equals(master)
    # A wrong passphrase gives a different secret: SLIP-39 cannot tell (plausible deniability).
    other = slip39.combine([groups[0][0], groups[1][0], groups[1][2]])
    assert not other.equals(master)
    with pytest.raises(InvalidShareError, match="exactly 2 groups are needed"):
        slip39.combine([groups[0][0]], passphrase)
    with pytest.raises(InvalidShareError, match="shares from 3 groups"):
        slip39.combine([groups[0][0], *groups[1][:2], *groups[2][:3]], passphrase)


def test_shares_of_two_backups_do_not_mix() -> None:
    (a,) = slip39.split(Secret(bytes(16)), threshold=2, shares=3)
    (b,) = slip39.split(Secret(bytes(16)), threshold=2, shares=3)
    with pytest.raises(InvalidShareError, match="do not belong together"):
        slip39.combine([a[0], b[1]])


def test_damaged_share_is_named() -> None:
    (group,) = slip39.split(Secret(bytes(16)), threshold=2, shares=3)
    words = group[1].reveal_text().split()
    words[5] = "academic" if words[5] != "academic" else "acid"
    with pytest.raises(InvalidShareError, match="share 2 is damaged: its checksum"):
        slip39.combine([group[0], " ".join(words)])
    words = group[1].reveal_text().split()
    words[7] = "bitcoin"
    with pytest.raises(InvalidShareError, match="share 2: word 8 is not in the SLIP-39 wordlist"):
        slip39.combine([group[0], " ".join(words)])
    with pytest.raises(InvalidShareError, match="share 2 is empty"):
        slip39.combine([group[0], "  "])
    with pytest.raises(InvalidShareError, match="no shares"):
        slip39.combine([])


def test_ambiguous_three_letter_prefix_is_refused() -> None:
    (group,) = slip39.split(Secret(bytes(16)), threshold=1, shares=1)
    words = group[0].reveal_text().split()
    words[0] = words[0][:3]
    with pytest.raises(InvalidShareError, match="word 1"):
        slip39.combine([" ".join(words)])


@pytest.mark.parametrize(
    "kwargs",
    [
        {"threshold": 1, "shares": 3},  # 1-of-N with N > 1 is refused by SLIP-39
        {"threshold": 4, "shares": 3},
        {"threshold": 0, "shares": 3},
        {"threshold": 2, "shares": 17},
        {},
        {"threshold": 2, "shares": 3, "groups": [(2, 3)]},
        {"groups": [(2, 3)], "group_threshold": 2},
        {"groups": []},
    ],
)
def test_bad_split_parameters(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        slip39.split(Secret(bytes(16)), **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize("length", [15, 17, 0])
def test_bad_master_secret_length(length: int) -> None:
    with pytest.raises(ValueError):
        slip39.split(Secret(bytes(length)), threshold=2, shares=3)


def test_passphrase_must_be_printable_ascii() -> None:
    with pytest.raises(ValueError, match="printable ASCII"):
        slip39.split(Secret(bytes(16)), threshold=2, shares=3, passphrase=Secret("naïve"))
    (group,) = slip39.split(Secret(bytes(16)), threshold=1, shares=1)
    with pytest.raises(ValueError, match="printable ASCII"):
        slip39.combine(group, Secret("tab\there"))


def test_combine_takes_a_sequence() -> None:
    with pytest.raises(TypeError):
        slip39.combine("one share")  # type: ignore[arg-type]


# --- BIP39 phrases through SLIP-39 --------------------------------------------------------


@pytest.mark.parametrize("words", bip39.WORD_COUNTS)
def test_bip39_phrase_round_trip(words: int) -> None:
    phrase = bip39.generate(words)
    groups = slip39.split_bip39(phrase, threshold=2, shares=3)
    back = slip39.combine_to_bip39(groups[0][1:])
    assert back.reveal_text() == phrase.reveal_text()
    # The shares hold the entropy: a Trezor would use it as the BIP32 seed directly, which
    # is not the BIP39 seed of the phrase. That is why these shares restore through BIP39.
    entropy = slip39.combine(groups[0][:2])
    assert entropy.equals(bip39.check(phrase).entropy())
    assert not bip39.to_seed(phrase).equals(entropy)


def test_bip39_language_and_multi_group() -> None:
    phrase = bip39.generate(12, "japanese")
    groups = slip39.split_bip39(
        Secret(phrase.reveal_text().replace("\u3000", " ")),
        groups=[(2, 2), (1, 1)],
        group_threshold=1,
    )
    assert slip39.combine_to_bip39(groups[1], "japanese").reveal_text() == phrase.reveal_text()


def test_combine_to_bip39_refuses_non_bip39_lengths() -> None:
    (group,) = slip39.split(Secret(bytes(18)), threshold=1, shares=1)
    with pytest.raises(InvalidShareError, match="18-byte secret"):
        slip39.combine_to_bip39(group)


@settings(max_examples=25, deadline=None)
@given(
    entropy=st.sampled_from([16, 20, 24, 28, 32]).flatmap(
        lambda n: st.binary(min_size=n, max_size=n)
    ),
    threshold=st.integers(2, 4),
    extra=st.integers(0, 2),
    data=st.data(),
)
def test_property_any_threshold_subset_restores_the_phrase(
    entropy: bytes, threshold: int, extra: int, data: st.DataObject
) -> None:
    phrase = bip39.from_entropy(entropy)
    (group,) = slip39.split_bip39(
        phrase, threshold=threshold, shares=threshold + extra, extendable=data.draw(st.booleans())
    )
    chosen = data.draw(st.permutations(group))[:threshold]
    assert slip39.combine_to_bip39(chosen).reveal_text() == phrase.reveal_text()

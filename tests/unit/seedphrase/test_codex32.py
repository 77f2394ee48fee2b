"""codex32 (BIP-93): every BIP-93 vector, error positions, split/derive/combine properties."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from codex32 import Codex32String
from hypothesis import given, settings
from hypothesis import strategies as st

from keyvault.errors import InvalidCodex32Error
from keyvault.secret import Secret
from keyvault.seedphrase import bip39, codex32, wallet
from keyvault.seedphrase.codex32_correction import CHARSET

VECTORS = json.loads(
    (Path(__file__).parents[2] / "vectors" / "bip93" / "bip93_vectors.json").read_text()
)
VALID = VECTORS["valid"]
INVALID = VECTORS["invalid"]


@pytest.mark.parametrize("vector", VALID, ids=[v["name"] for v in VALID])
def test_valid_vectors_decode_to_the_master_seed_and_xprv(vector: dict) -> None:
    for text in [vector["secret"], *vector.get("equivalent_secrets", [])]:
        info = codex32.check(text)
        assert info.share_index == "s"
        assert info.identifier == vector["identifier"].lower()
        assert codex32.seed(text).reveal().hex() == vector["master_seed"]
    master = Secret(bytes.fromhex(vector["master_seed"]))
    assert wallet.extended_private_key(master).reveal_text() == vector["xprv"]


@pytest.mark.parametrize("vector", [v for v in VALID if "shares" in v], ids=lambda v: v["name"])
def test_share_vectors_combine_and_derive(vector: dict) -> None:
    shares = list(vector["shares"].values())
    threshold = int(vector["threshold"])
    given_set = shares if threshold == len(shares) else [*shares, vector["secret"]]
    for index, expected in vector["derived"].items():
        derived = codex32.derive_share(given_set, index)
        assert derived.reveal_text() == expected.lower()
    if threshold == len(shares):
        assert codex32.combine(shares).reveal_text() == vector["secret"].lower()
    else:  # vector 3: any three of a, c, d, e, f restore the secret
        pool = [*shares, *vector["derived"].values()]
        for trio in ([pool[0], pool[2], pool[4]], [pool[1], pool[3], pool[4]]):
            assert codex32.combine(trio).reveal_text() == vector["secret"]


def test_encoding_an_existing_seed_matches_the_bip_examples() -> None:
    vector3 = next(v for v in VALID if v["name"] == "vector 3")
    seed = Secret(bytes.fromhex(vector3["master_seed"]))
    assert codex32.from_seed(seed, "cash", 3).reveal_text() == vector3["secret"]
    vector4 = next(v for v in VALID if v["name"] == "vector 4")
    seed = Secret(bytes.fromhex(vector4["master_seed"]))
    assert codex32.from_seed(seed, "leet").reveal_text() == vector4["secret"]


@pytest.mark.parametrize("vector", INVALID, ids=[v["string"][:24] for v in INVALID])
def test_invalid_vectors_are_refused_with_a_typed_error(vector: dict) -> None:
    with pytest.raises(InvalidCodex32Error) as caught:
        codex32.check(vector["string"])
    # The message never quotes the string's payload.
    assert vector["string"][9:20] not in str(caught.value)
    assert vector["string"][9:20] not in (caught.value.hint or "")


def test_invalid_vectors_are_refused_by_the_reference_too() -> None:
    """Differential: the reference package agrees on every invalid vector."""
    for vector in INVALID:
        with pytest.raises(Exception):  # noqa: B017 - the reference has its own error types
            Codex32String.from_string("ms", vector["string"])


def test_mixed_case_names_the_odd_character() -> None:
    with pytest.raises(InvalidCodex32Error) as caught:
        codex32.check("ms10fauxSxxxxxxxxxxxxxxxxxxxxxxxxxxuqxkk05lyf3x2")
    assert caught.value.positions == (9,)


def _flip(text: str, positions: list[int], rng: random.Random) -> str:
    chars = list(text)
    for p in positions:
        options = [c for c in CHARSET if c != chars[p - 1]]
        chars[p - 1] = rng.choice(options)
    return "".join(chars)


@pytest.mark.parametrize("vector", VALID, ids=[v["name"] for v in VALID])
def test_one_or_two_wrong_characters_are_located(vector: dict) -> None:
    text = vector["secret"].lower()
    rng = random.Random(vector["name"])
    for count in (1, 2):
        for _ in range(5):
            positions = sorted(rng.sample(range(10, len(text) + 1), count))
            damaged = _flip(text, positions, rng)
            with pytest.raises(InvalidCodex32Error) as caught:
                codex32.check(damaged)
            assert caught.value.positions == tuple(positions)
            assert damaged[9:] not in caught.value.message
            fix = codex32.correct(damaged)
            assert fix is not None and fix.text() == text


def test_unreadable_characters_are_filled_in_up_to_eight() -> None:
    text = VALID[2]["secret"]
    chars = list(text)
    positions = [10, 12, 20, 21, 22, 30, 40, 48]
    for p in positions:
        chars[p - 1] = "?"
    damaged = "".join(chars)
    with pytest.raises(InvalidCodex32Error) as caught:
        codex32.check(damaged)
    assert caught.value.positions == tuple(positions)
    fix = codex32.correct(damaged)
    assert fix is not None and fix.text() == text and fix.positions == tuple(positions)


def test_positions_count_the_characters_as_typed_with_separators() -> None:
    text = VALID[0]["secret"]
    grouped = " ".join(text[i : i + 4] for i in range(0, len(text), 4))
    assert codex32.check(grouped).identifier == "test"
    damaged = list(text)
    damaged[19] = "q" if damaged[19] != "q" else "p"  # character 20
    grouped = " ".join("".join(damaged)[i : i + 4] for i in range(0, len(text), 4))
    with pytest.raises(InvalidCodex32Error) as caught:
        codex32.check(grouped)
    assert caught.value.positions == (20 + 4,)  # four spaces before it


def test_lookalike_characters_get_a_hint() -> None:
    text = VALID[0]["secret"].replace("x", "b", 1)
    with pytest.raises(InvalidCodex32Error) as caught:
        codex32.check(text)
    assert caught.value.positions == (text.index("b") + 1,)


@settings(max_examples=25, deadline=None)
@given(
    seed=st.sampled_from([16, 32, 64]).flatmap(lambda n: st.binary(min_size=n, max_size=n)),
    threshold=st.integers(2, 5),
    extra=st.integers(0, 3),
    data=st.data(),
)
def test_split_then_any_threshold_subset_combines(
    seed: bytes, threshold: int, extra: int, data: st.DataObject
) -> None:
    shares = codex32.split(Secret(seed), threshold, threshold + extra)
    subset = data.draw(st.permutations(shares)).__getitem__(slice(0, threshold))
    restored = codex32.combine(subset)
    assert codex32.seed(restored).reveal() == seed
    info = codex32.check(shares[0])
    assert info.threshold == threshold and not info.is_secret


def test_split_differential_against_the_reference() -> None:
    """The reference package's own interpolation restores what split made."""
    seed = bytes(range(32))
    shares = codex32.split(Secret(seed), 3, 5, identifier="test")
    reference = [Codex32String(s.reveal_text()) for s in shares[1:4]]
    assert Codex32String.interpolate_at(reference, "s").data == seed


def test_derive_share_replaces_a_lost_one() -> None:
    shares = codex32.split(Secret(bytes(16)), 2, 3)
    lost = shares[1]
    rebuilt = codex32.derive_share([shares[0], shares[2]], codex32.check(lost).share_index)
    assert rebuilt.equals(lost)


def test_combine_names_the_share_that_disagrees() -> None:
    first = codex32.split(Secret(bytes(16)), 2, 3, identifier="acdc")
    other = codex32.split(Secret(bytes([1]) * 16), 2, 3, identifier="acdc")
    with pytest.raises(InvalidCodex32Error) as caught:
        codex32.combine([first[0], first[1], other[2]])
    assert caught.value.share == 3


def test_combine_refuses_mixed_sets_and_too_few() -> None:
    first = codex32.split(Secret(bytes(16)), 2, 3, identifier="acdc")
    second = codex32.split(Secret(bytes(16)), 2, 3, identifier="wxyz")
    with pytest.raises(InvalidCodex32Error, match="identifier"):
        codex32.combine([first[0], second[1]])
    with pytest.raises(InvalidCodex32Error, match="needs 2"):
        codex32.combine([first[0]])
    with pytest.raises(InvalidCodex32Error, match="same share index"):
        codex32.combine([first[0], first[0]])


def test_bip39_conversion_round_trip_is_labelled_entropy() -> None:
    phrase = bip39.generate(12)
    entropy = codex32.from_bip39_entropy(phrase)
    text = codex32.from_seed(entropy)
    back = codex32.to_bip39(codex32.seed(text))
    assert back.reveal_text() == bip39.check(phrase).words.reveal_text()
    with pytest.raises(InvalidCodex32Error):
        codex32.to_bip39(Secret(bytes(64)))


def test_unshared_identifier_is_the_reference_default() -> None:
    vector1 = VALID[0]
    seed = Secret(bytes.fromhex(vector1["master_seed"]))
    reference = Codex32String.from_seed(seed.reveal(), prefix="ms10", pad_val=0)
    assert codex32.from_seed(seed).reveal_text() == reference.s

"""Seed XOR: Coldcard's documented examples, properties, errors naming the part."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from keyvault.errors import InvalidSeedXorError
from keyvault.secret import Secret
from keyvault.seedphrase import bip39, seedxor

VECTORS = json.loads(
    (Path(__file__).parents[2] / "vectors" / "seedxor" / "seedxor_vectors.json").read_text()
)


@pytest.mark.parametrize("case", VECTORS["examples"], ids=lambda c: c["name"])
def test_coldcard_examples_in_any_order(case: dict) -> None:
    assert seedxor.combine(case["parts"]).reveal_text() == case["result"]
    assert seedxor.combine(case["parts"][::-1]).reveal_text() == case["result"]


@settings(max_examples=30, deadline=None)
@given(
    entropy=st.sampled_from([16, 24, 32]).flatmap(lambda n: st.binary(min_size=n, max_size=n)),
    parts=st.integers(2, 4),
    language=st.sampled_from(["english", "japanese", "spanish"]),
)
def test_split_then_combine(entropy: bytes, parts: int, language: str) -> None:
    phrase = bip39.from_entropy(Secret(entropy), language)
    made = seedxor.split(phrase, parts)
    assert len(made) == parts
    for part in made:
        assert bip39.check(part, language).word_count == len(phrase.reveal_text().split())
    assert seedxor.combine(made).reveal_text() == phrase.reveal_text()


def test_a_bad_word_names_the_part_and_position() -> None:
    case = VECTORS["examples"][1]
    words = case["parts"][1].split()
    words[3] = "zzzz"
    with pytest.raises(InvalidSeedXorError) as caught:
        seedxor.combine([case["parts"][0], " ".join(words), case["parts"][2]])
    assert "part 2" in caught.value.message and "word 4" in caught.value.message
    assert "zzzz" not in caught.value.message


def test_parts_of_different_lengths_and_too_few() -> None:
    twelve, twenty_four = VECTORS["examples"][1]["parts"][0], VECTORS["examples"][0]["parts"][0]
    with pytest.raises(InvalidSeedXorError, match="part 2 has 24 words"):
        seedxor.combine([twelve, twenty_four])
    with pytest.raises(InvalidSeedXorError, match="at least 2"):
        seedxor.combine([twelve])
    with pytest.raises(ValueError):
        seedxor.split(twelve, 5)

"""Plate encodings: decoding the dots gives each word's number in python-mnemonic's list."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from mnemonic import Mnemonic

from keyvault.secret import Secret
from keyvault.seedphrase import bip39, plate


def _decode(row: plate.PlateRow, plate_format: str) -> int:
    if plate_format == "binary":
        return sum(w for w, dot in zip(plate.BINARY_WEIGHTS, row.dots[0], strict=True) if dot)
    digits = [
        sum(w for w, dot in zip(plate.DIGIT_WEIGHTS, group, strict=True) if dot)
        for group in row.dots
    ]
    assert all(d <= 9 for d in digits)
    return int("".join(str(d) for d in digits))


@settings(max_examples=30, deadline=None)
@given(
    entropy=st.sampled_from([16, 32]).flatmap(lambda n: st.binary(min_size=n, max_size=n)),
    plate_format=st.sampled_from(["1248", "binary"]),
)
def test_dots_decode_to_the_reference_word_numbers(entropy: bytes, plate_format: str) -> None:
    reference = Mnemonic("english")
    words = reference.to_mnemonic(entropy).split()
    rows = plate.rows(" ".join(words), plate_format)  # type: ignore[arg-type]
    assert [r.position for r in rows] == list(range(1, len(words) + 1))
    for row, word in zip(rows, words, strict=True):
        assert row.number == reference.wordlist.index(word) + 1
        assert _decode(row, plate_format) == row.number


def test_known_numbers() -> None:
    rows = plate.rows("zoo " * 11 + "wrong", "1248")
    assert rows[0].number == 2048
    assert rows[0].dots == (
        (False, True, False, False),
        (False,) * 4,
        (False, False, True, False),
        (False, False, False, True),
    )
    binary = plate.rows("abandon " * 11 + "about", "binary")
    assert binary[0].dots[0] == (False,) * 11 + (True,)


def test_rows_do_not_show_in_reprs() -> None:
    rows = plate.rows(bip39.generate(12), "binary")
    assert str(rows[0].number) not in repr(rows[0]) or rows[0].number == 0
    assert isinstance(plate.text(rows, "binary"), Secret)


def test_bad_format() -> None:
    with pytest.raises(ValueError):
        plate.rows("abandon " * 11 + "about", "hex")  # type: ignore[arg-type]

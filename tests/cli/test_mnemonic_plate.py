"""``keyvault mnemonic plate`` through the real CLI."""

from __future__ import annotations

from mnemonic import Mnemonic

from keyvault.seedphrase import bip39

from .helpers import run_cli


def test_plate_json_round_trips_to_the_phrase() -> None:
    reference = Mnemonic("english")
    phrase = bip39.generate(24).reveal_text()
    for plate_format in ("1248", "binary"):
        result = run_cli("--json", "mnemonic", "plate", "--format", plate_format, input=phrase)
        assert result.code == 0, result.stderr
        document = result.json()
        weights = document["weights"]
        words = []
        for row in document["rows"]:
            values = [
                sum(w * d for w, d in zip(weights, group, strict=True)) for group in row["dots"]
            ]
            number = values[0] if plate_format == "binary" else int("".join(map(str, values)))
            assert number == row["number"]
            words.append(reference.wordlist[number - 1])
        assert " ".join(words) == phrase


def test_plate_terminal_grid_has_word_numbers() -> None:
    result = run_cli("mnemonic", "plate", input="zoo " * 11 + "wrong")
    assert result.code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "thousands" in lines[0] and lines[2].split()[:2] == ["1", "2048"]


def test_plate_refuses_a_bad_phrase_by_position() -> None:
    result = run_cli("--json", "mnemonic", "plate", input="zoo " * 11 + "zzzz")
    assert result.code == 1 and "word 12" in result.json()["error"]["message"]

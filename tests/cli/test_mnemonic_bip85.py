"""``keyvault mnemonic bip85`` through the real CLI, on the BIP's own vectors."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest
from embit import bip32 as embit_bip32
from embit import bip85 as embit_bip85

from keyvault.seedphrase import bip39

from .helpers import run_cli

VECTORS = json.loads(
    (Path(__file__).parents[1] / "vectors" / "bip85" / "bip85_vectors.json").read_text()
)
ROOT = VECTORS["root_xprv"]


def _case(section: str, part: str = "") -> dict:
    return next(c for c in VECTORS["cases"] if c["section"] == section and part in c["path"])


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--words", "12"], _case("BIP39", "/12'/")["bip39_mnemonic"]),
        (["--words", "18"], _case("BIP39", "/18'/")["bip39_mnemonic"]),
        (["--words", "24"], _case("BIP39", "/24'/")["bip39_mnemonic"]),
        (["--app", "wif"], _case("HD-Seed WIF")["wif"]),
        (["--app", "xprv"], _case("XPRV")["xprv"]),
        (["--app", "hex", "--length", "64"], _case("HEX")["entropy"]),
        (["--app", "base64", "--length", "21"], _case("PWD BASE64")["pwd"]),
        (["--app", "base85", "--length", "12"], _case("PWD BASE85")["pwd"]),
    ],
)
def test_every_app_gives_the_bip_vector(args: list[str], expected: str) -> None:
    result = run_cli("--json", "mnemonic", "bip85", *args, input=ROOT + "\n")
    assert result.code == 0, result.stderr
    assert result.json()["child"] == expected


def test_from_a_phrase_matches_embit(tmp_path: Path) -> None:
    phrase = bip39.generate(24)
    text = phrase.reveal_text()
    result = run_cli("--json", "mnemonic", "bip85", "--index", "7", input=text)
    assert result.code == 0, result.stderr
    reference = embit_bip32.HDKey.from_seed(bip39.to_seed(text).reveal())
    assert result.json()["child"] == embit_bip85.derive_mnemonic(reference, 12, 7)
    # With a BIP39 passphrase the master (and so the child) changes.
    passphrase = tmp_path / "pass.txt"
    passphrase.write_text("TREZOR\n")
    other = run_cli(
        "--json",
        "mnemonic",
        "bip85",
        "--index",
        "7",
        "--bip39-passphrase-file",
        str(passphrase),
        input=text,
    )
    assert other.code == 0, other.stderr
    assert other.json()["child"] != result.json()["child"]


def test_bad_phrase_names_the_word_and_never_echoes_it() -> None:
    words = bip39.generate(12).reveal_text().split()
    words[4] = "notaword"
    result = run_cli("--json", "mnemonic", "bip85", input=" ".join(words))
    assert result.code == 1
    assert "word 5" in result.json()["error"]["message"]
    # Adjacent pairs: a single random word ("error") can be part of the message's own text.
    for first, second in itertools.pairwise(words):
        assert f"{first} {second}" not in result.stdout + result.stderr


def test_russian_has_no_bip85_code() -> None:
    result = run_cli("mnemonic", "bip85", "--language", "russian", input=ROOT)
    assert result.code == 2

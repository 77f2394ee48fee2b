"""``keyvault mnemonic xor`` through the real CLI."""

from __future__ import annotations

import json
from pathlib import Path

from keyvault.errors import InvalidMnemonicError
from keyvault.seedphrase import bip39

from .helpers import run_cli

VECTORS = json.loads(
    (Path(__file__).parents[1] / "vectors" / "seedxor" / "seedxor_vectors.json").read_text()
)


def test_split_and_combine_round_trip() -> None:
    phrase = bip39.generate(24).reveal_text()
    split = run_cli("--json", "mnemonic", "xor", "split", "--parts", "4", input=phrase)
    assert split.code == 0, split.stderr
    parts = split.json()["parts"]
    assert len(parts) == 4 and all(bip39.check(p).word_count == 24 for p in parts)
    assert split.json()["last_word"] == phrase.split()[-1]
    combined = run_cli("--json", "mnemonic", "xor", "combine", input="\n".join(parts[::-1]))
    assert combined.code == 0, combined.stderr
    assert combined.json()["mnemonic"] == phrase
    assert combined.json()["fingerprint"] == split.json()["fingerprint"]


def test_combine_the_coldcard_example() -> None:
    case = VECTORS["examples"][0]
    result = run_cli("mnemonic", "xor", "combine", input="\n".join(case["parts"]) + "\n")
    assert result.code == 0, result.stderr
    assert result.stdout.strip() == case["result"]


def test_a_damaged_part_is_named_and_not_echoed() -> None:
    case = VECTORS["examples"][1]
    words = case["parts"][2].split()
    # The first swap of two neighbours that breaks the checksum (1 in 16 swaps keeps it).
    for i in range(len(words) - 1):
        swapped = [*words[:i], words[i + 1], words[i], *words[i + 2 :]]
        try:
            bip39.check(" ".join(swapped))
        except InvalidMnemonicError:
            words = swapped
            break
    result = run_cli(
        "--json",
        "mnemonic",
        "xor",
        "combine",
        input="\n".join([*case["parts"][:2], " ".join(words)]),
    )
    assert result.code == 1
    error = result.json()["error"]
    assert error["type"] == "InvalidSeedXorError" and error["message"].startswith("part 3")
    for part in case["parts"]:
        assert part not in result.stdout + result.stderr
    assert case["result"] not in result.stdout + result.stderr

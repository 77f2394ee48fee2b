"""``keyvault mnemonic``: new, check, inspect, split, combine, end to end in a subprocess."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pytest

from keyvault.seedphrase import bip39

from .helpers import run_cli

ABOUT = "abandon " * 11 + "about"
VECTORS = Path(__file__).parents[1] / "vectors"


def test_new_json_is_a_valid_phrase_with_its_fingerprint() -> None:
    result = run_cli("mnemonic", "new", "--json")
    assert result.code == 0, result.stderr
    document = result.json()
    assert document["schema"] == 1
    assert (document["words"], document["language"]) == (24, "english")
    phrase = bip39.check(document["mnemonic"])
    assert phrase.word_count == 24
    from keyvault.seedphrase import wallet

    assert document["fingerprint"] == wallet.master_fingerprint(bip39.to_seed(phrase))


def test_new_human_output_is_only_the_phrase_on_stdout() -> None:
    result = run_cli("mnemonic", "new", "--words", "15", "--language", "japanese")
    assert result.code == 0, result.stderr
    (line,) = result.stdout.splitlines()
    phrase = bip39.check(line)
    assert (phrase.language, phrase.word_count) == ("japanese", 15)
    assert "\u3000" in line
    assert "fingerprint" in result.stderr


def test_new_phrases_differ() -> None:
    a = run_cli("mnemonic", "new", "--words", "12").stdout
    b = run_cli("mnemonic", "new", "--words", "12").stdout
    assert a != b


def test_new_with_dice_from_stdin() -> None:
    result = run_cli("--json", "mnemonic", "new", "--dice", "--words", "12", input="1 6 2 5 3 4\n")
    assert result.code == 0, result.stderr
    document = result.json()
    assert document["dice"] == {"rolls": 6, "rolls_for_full_strength": 50}
    bip39.check(document["mnemonic"])


def test_new_with_bad_dice_is_a_usage_error() -> None:
    result = run_cli("mnemonic", "new", "--dice", input="1 2 7\n")
    assert result.code == 2
    assert "1 to 6" in result.stderr


def test_new_rejects_bad_word_count() -> None:
    assert run_cli("mnemonic", "new", "--words", "13").code == 2


def test_check_valid_exit_0() -> None:
    result = run_cli(
        "mnemonic",
        "check",
        "--json",
        input="ABAN aban aban aban aban aban aban aban aban aban aban abou\n",
    )
    assert result.code == 0
    document = result.json()
    assert document == {
        "schema": 1,
        "valid": True,
        "kind": "bip39",
        "words": 12,
        "language": "english",
        "fingerprint": "73c5da0a",
        "matches_item": None,  # no recorded wallet in this home (cli/guard.py)
    }


def test_check_unknown_word_exit_1_with_position_and_suggestions() -> None:
    result = run_cli("mnemonic", "check", "--json", input=ABOUT.replace("about", "abot"))
    assert result.code == 1
    document = result.json()
    assert document["valid"] is False
    assert document["position"] == 12
    assert document["suggestions"] == ["about"]
    assert document["reason"] == "word 12 is not in the english wordlist"
    assert document["error"]["type"] == "InvalidMnemonicError"


def test_check_human_reason() -> None:
    result = run_cli(
        "mnemonic", "check", input="abandon abandon abandn " + "abandon " * 8 + "about"
    )
    assert result.code == 1
    assert "invalid: word 3 is not in the english wordlist" in result.stdout
    assert "suggestions: abandon" in result.stdout


def test_check_bad_checksum_and_word_count() -> None:
    bad = run_cli("--json", "mnemonic", "check", input="abandon " * 12)
    assert bad.code == 1
    assert "checksum" in bad.json()["reason"]
    assert bad.json()["position"] is None
    short = run_cli("--json", "mnemonic", "check", input="abandon " * 11)
    assert short.code == 1
    assert "has 11 words" in short.json()["reason"]
    assert "about" in short.json()["suggestions"]


def test_check_placeholder_lists_fitting_words() -> None:
    words = ("zoo " * 23 + "vote").split()
    words[10] = "?"
    result = run_cli("--json", "mnemonic", "check", input=" ".join(words))
    assert result.code == 1
    assert result.json()["position"] == 11
    assert "zoo" in result.json()["suggestions"]


def test_check_every_language_and_unnormalised_japanese() -> None:
    japanese = json.loads((VECTORS / "bip39" / "bip32JP_test_JP_BIP39.json").read_text("utf-8"))
    text = japanese[3]["mnemonic"]
    result = run_cli("--json", "mnemonic", "check", input=text)
    assert result.code == 0, result.stdout
    assert result.json()["language"] == "japanese"
    turkish = json.loads(
        (VECTORS / "bip39" / "trezor_python-mnemonic_vectors.json").read_text("utf-8")
    )["turkish"][7][1]
    result = run_cli("--json", "mnemonic", "check", input=unicodedata.normalize("NFC", turkish))
    assert result.code == 0
    assert result.json()["language"] == "turkish"


def test_check_empty_input() -> None:
    result = run_cli("--json", "mnemonic", "check", input="")
    assert result.code == 1
    assert result.json()["reason"] == "the phrase is empty"


def test_inspect_bip84_default() -> None:
    result = run_cli("--json", "mnemonic", "inspect", "--count", "2", input=ABOUT)
    assert result.code == 0, result.stderr
    document = result.json()
    vectors = json.loads((VECTORS / "bip32" / "bip84_bip86_bip49_vectors.json").read_text())
    assert document["fingerprint"] == "73c5da0a"
    assert document["account_xpub"] == vectors["bip84"]["account_zpub"]
    assert document["addresses"] == [a["address"] for a in vectors["bip84"]["addresses"][:2]]
    assert document["derivation_path"] == "m/84'/0'/0'"
    assert document["bip39_passphrase"] is False


def test_inspect_taproot_testnet_and_nested() -> None:
    vectors = json.loads((VECTORS / "bip32" / "bip84_bip86_bip49_vectors.json").read_text())
    tr = run_cli("--json", "mnemonic", "inspect", "--script", "p2tr", "--count", "1", input=ABOUT)
    assert tr.json()["addresses"] == [vectors["bip86"]["addresses"][0]["address"]]
    nested = run_cli(
        "mnemonic",
        "inspect",
        "--script",
        "p2sh-p2wpkh",
        "--testnet",
        "--count",
        "1",
        "--json",
        input=ABOUT,
    )
    assert nested.json()["account_xpub"] == vectors["bip49"]["account_upub"]
    assert nested.json()["addresses"] == [vectors["bip49"]["addresses"][0]["address"]]


def test_inspect_with_bip39_passphrase_file(tmp_path: Path) -> None:
    secret = tmp_path / "pass.txt"
    secret.write_text("TREZOR\n")
    result = run_cli(
        "--json",
        "mnemonic",
        "inspect",
        "--bip39-passphrase-file",
        str(secret),
        "--count",
        "0",
        input=ABOUT,
    )
    assert result.code == 0, result.stderr
    from embit import bip32

    vectors = json.loads((VECTORS / "bip39" / "trezor_python-mnemonic_vectors.json").read_text())
    xprv = vectors["english"][0][3]
    assert result.json()["fingerprint"] == bip32.HDKey.from_string(xprv).my_fingerprint.hex()
    assert result.json()["bip39_passphrase"] is True
    # The vault passphrase variable is never taken for the BIP39 passphrase.
    plain = run_cli(
        "--json",
        "mnemonic",
        "inspect",
        "--count",
        "0",
        input=ABOUT,
        env={"KEYVAULT_PASSPHRASE": "TREZOR"},
    )
    assert plain.json()["fingerprint"] == "73c5da0a"


def test_inspect_invalid_phrase_is_an_error() -> None:
    result = run_cli("--json", "mnemonic", "inspect", input="abandon " * 12)
    assert result.code == 1
    assert result.json()["error"]["type"] == "InvalidMnemonicError"


def test_split_and_combine_round_trip() -> None:
    phrase = bip39.generate(24).reveal_text()
    split = run_cli(
        "--json", "mnemonic", "split", "--threshold", "2", "--shares", "3", input=phrase
    )
    assert split.code == 0, split.stderr
    document = split.json()
    (group,) = document["groups"]
    assert (group["threshold"], group["count"], len(group["shares"])) == (2, 3, 3)
    assert all(len(s.split()) == 33 for s in group["shares"])
    assert "different wallet" in document["note"]
    combined = run_cli("--json", "mnemonic", "combine", input="\n".join(group["shares"][1:]) + "\n")
    assert combined.code == 0, combined.stderr
    assert combined.json()["mnemonic"] == phrase
    one = run_cli("--json", "mnemonic", "combine", input=group["shares"][0])
    assert one.code == 1
    assert "needs exactly 2 shares; 1 was given" in one.json()["error"]["message"]


def test_split_groups_with_slip39_passphrase_and_human_output(tmp_path: Path) -> None:
    passphrase = tmp_path / "slip39.txt"
    passphrase.write_text("open sesame\n")
    split = run_cli(
        "mnemonic",
        "split",
        "--group",
        "1/1",
        "--group",
        "2/3",
        "--group-threshold",
        "2",
        "--slip39-passphrase-file",
        str(passphrase),
        input=ABOUT,
    )
    assert split.code == 0, split.stderr
    assert "group 2: any 2 of these 3 shares" in split.stdout
    assert "different wallet" in split.stderr
    shares = [line.split(": ", 1)[1] for line in split.stdout.splitlines() if "share " in line]
    assert len(shares) == 4
    chosen = "\n".join([shares[0], shares[1], shares[3]])
    good = run_cli("mnemonic", "combine", "--slip39-passphrase-file", str(passphrase), input=chosen)
    assert good.code == 0, good.stderr
    assert good.stdout.strip() == ABOUT
    # Without the passphrase the shares decrypt to another (valid) phrase: SLIP-39 by design.
    other = run_cli("mnemonic", "combine", input=chosen)
    assert other.code == 0
    assert other.stdout.strip() != ABOUT


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--threshold", "1", "--shares", "3"), "1-of-N"),
        (("--threshold", "4", "--shares", "3"), "threshold"),
        (("--threshold", "2"), "--threshold T --shares N"),
        (("--group", "2/3", "--threshold", "2", "--shares", "3"), "not both"),
        (("--group", "two of three"), "T/N"),
        (("--group", "2/3", "--group-threshold", "2"), "group threshold"),
    ],
)
def test_split_bad_parameters_are_usage_errors(args: tuple[str, ...], message: str) -> None:
    result = run_cli("mnemonic", "split", *args, input=ABOUT)
    assert result.code == 2
    assert message in result.stderr


def test_combine_master_secret_of_trezor_vector(tmp_path: Path) -> None:
    vectors = json.loads(
        (VECTORS / "slip39" / "trezor_python-shamir-mnemonic_vectors.json").read_text()
    )
    _, shares, secret, _ = vectors[3]
    passphrase = tmp_path / "p"
    passphrase.write_text("TREZOR")
    result = run_cli(
        "--json",
        "mnemonic",
        "combine",
        "--master-secret",
        "--slip39-passphrase-file",
        str(passphrase),
        input="\n".join(shares),
    )
    assert result.code == 0, result.stderr
    assert result.json()["master_secret"] == secret


def test_combine_damaged_share_is_named() -> None:
    result = run_cli("--json", "mnemonic", "combine", input="academic acid\n")
    assert result.code == 1
    assert result.json()["error"]["type"] == "InvalidShareError"
    assert "share 1" in result.json()["error"]["message"]


def test_stdin_cannot_carry_both_phrase_and_passphrase() -> None:
    result = run_cli("mnemonic", "inspect", "--bip39-passphrase-file", "-", input=ABOUT)
    assert result.code == 2
    assert "stdin carries the phrase" in result.stderr


def test_no_phrase_word_reaches_stderr_even_verbose() -> None:
    typed = "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon "
    result = run_cli("-vv", "mnemonic", "check", input=typed + "zebra xylophone")
    assert result.code == 1
    assert "xylophone" not in result.stderr + result.stdout
    assert "abandon" not in result.stderr
    inspected = run_cli("-vv", "mnemonic", "inspect", input=ABOUT)
    assert "abandon" not in inspected.stderr + inspected.stdout

"""``keyvault codex32`` through the real CLI: round trips, vectors, positions, no echo."""

from __future__ import annotations

import json
from pathlib import Path

from keyvault.secret import Secret
from keyvault.seedphrase import bip39, codex32

from .helpers import run_cli

VECTORS = json.loads(
    (Path(__file__).parents[1] / "vectors" / "bip93" / "bip93_vectors.json").read_text()
)
VECTOR3 = next(v for v in VECTORS["valid"] if v["name"] == "vector 3")
VECTOR1 = VECTORS["valid"][0]


def test_new_split_combine_round_trip(tmp_path: Path) -> None:
    made = run_cli("--json", "codex32", "new", "--bytes", "32", home=tmp_path)
    assert made.code == 0, made.stderr
    secret = made.json()["codex32"]
    split = run_cli("--json", "codex32", "split", "--threshold", "3", "--shares", "5", input=secret)
    assert split.code == 0, split.stderr
    document = split.json()
    assert document["fingerprint"] == made.json()["fingerprint"]
    shares = [s["codex32"] for s in document["shares"]]
    assert [s["index"] for s in document["shares"]] == list("acdef")
    combined = run_cli("--json", "codex32", "combine", input="\n".join(shares[2:5]) + "\n")
    assert combined.code == 0, combined.stderr
    restored = combined.json()["codex32"]
    assert codex32.seed(restored).reveal() == codex32.seed(secret).reveal()
    assert combined.json()["fingerprint"] == made.json()["fingerprint"]


def test_new_as_shares_and_derive_a_lost_share() -> None:
    made = run_cli("--json", "codex32", "new", "--threshold", "2", "--shares", "3")
    assert made.code == 0, made.stderr
    shares = [s["codex32"] for s in made.json()["shares"]]
    derived = run_cli(
        "--json", "codex32", "derive", "--index", "c", input=f"{shares[0]}\n{shares[2]}\n"
    )
    assert derived.code == 0, derived.stderr
    assert derived.json()["codex32"] == shares[1]


def test_combine_the_bip_vector_to_every_target() -> None:
    shares = "\n".join([VECTOR3["shares"]["a"], VECTOR3["derived"]["e"], VECTOR3["derived"]["f"]])
    as_hex = run_cli("--json", "codex32", "combine", "--to", "hex", input=shares)
    assert as_hex.json()["hex"] == VECTOR3["master_seed"]
    as_xprv = run_cli("--json", "codex32", "combine", "--to", "xprv", input=shares)
    assert as_xprv.json()["xprv"] == VECTOR3["xprv"]
    as_bip39 = run_cli("--json", "codex32", "combine", "--to", "bip39", input=shares)
    phrase = bip39.check(as_bip39.json()["bip39"])
    assert phrase.entropy().reveal().hex() == VECTOR3["master_seed"]
    assert "different wallet" in as_bip39.json()["note"]


def test_bip39_phrase_through_codex32_and_back() -> None:
    phrase = bip39.generate(24).reveal_text()
    split = run_cli(
        "--json",
        "codex32",
        "split",
        "--from",
        "bip39",
        "--threshold",
        "2",
        "--shares",
        "2",
        input=phrase,
    )
    assert split.code == 0, split.stderr
    assert "BIP39 entropy" in split.json()["note"]
    shares = "\n".join(s["codex32"] for s in split.json()["shares"])
    back = run_cli("--json", "codex32", "combine", "--to", "bip39", input=shares)
    assert back.json()["bip39"] == phrase


def test_check_names_the_wrong_position_and_never_the_secret() -> None:
    text = VECTOR1["secret"]
    damaged = text[:20] + ("q" if text[20] != "q" else "p") + text[21:]
    result = run_cli("--json", "codex32", "check", input=damaged + "\n")
    assert result.code == 1
    entry = result.json()["strings"][0]
    assert entry["valid"] is False and entry["positions"] == [21]
    for stream in (result.stdout, result.stderr):
        assert text[9:35] not in stream and damaged[9:35] not in stream
    human = run_cli("codex32", "check", input=damaged + "\n")
    assert "character 21" in human.stdout and damaged[9:35] not in human.stdout + human.stderr


def test_check_correct_proposes_the_fixed_string() -> None:
    text = VECTOR3["secret"]
    damaged = text[:12] + "??" + text[14:]
    result = run_cli("--json", "codex32", "check", "--correct", input=damaged)
    assert result.code == 1
    entry = result.json()["strings"][0]
    assert entry["positions"] == [13, 14] and entry["corrected"] == text


def test_combine_error_names_the_share_not_its_text() -> None:
    shares = codex32.split(Secret(bytes(16)), 2, 3, identifier="qqqq")
    bad = shares[1].reveal_text()
    bad = bad[:30] + ("q" if bad[30] != "q" else "p") + bad[31:]
    result = run_cli("--json", "codex32", "combine", input=f"{shares[0].reveal_text()}\n{bad}\n")
    assert result.code == 1
    error = result.json()["error"]
    assert error["type"] == "InvalidCodex32Error"
    assert "string 2" in error["message"] and "31" in error["message"]
    assert bad[9:40] not in result.stdout + result.stderr


def test_invalid_vectors_exit_1_through_the_cli() -> None:
    strings = [v["string"] for v in VECTORS["invalid"]]
    result = run_cli("--json", "codex32", "check", input="\n".join(strings) + "\n")
    assert result.code == 1
    entries = result.json()["strings"]
    assert len(entries) == len(strings) and not any(e["valid"] for e in entries)


def test_split_usage_errors() -> None:
    result = run_cli("codex32", "split", "--threshold", "3", "--shares", "2", input="x")
    assert result.code == 2
    result = run_cli(
        "--json",
        "codex32",
        "split",
        "--from",
        "hex",
        "--threshold",
        "2",
        "--shares",
        "2",
        input="abcd",
    )
    assert result.code == 1 and result.json()["error"]["type"] == "InvalidCodex32Error"

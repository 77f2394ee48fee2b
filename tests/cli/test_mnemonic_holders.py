"""Share sets over time through the real CLI: record, assign, confirm, re-split, retire."""

from __future__ import annotations

from pathlib import Path

from keyvault.secret import Secret
from keyvault.seedphrase import bip39, codex32, slip39

from .helpers import run_cli


def test_codex32_kit_over_time(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    shares = [s.reveal_text() for s in codex32.split(Secret(bytes(range(16))), 2, 3)]
    recorded = run_cli(
        "--json",
        "mnemonic",
        "holders",
        "record",
        "--label",
        "family",
        "--on",
        "2026-12-07",
        home=home,
        input="\n".join(shares),
    )
    assert recorded.code == 0, recorded.stderr
    facts = recorded.json()["recorded"]
    assert facts["scheme"] == "codex32" and facts["shares"] == ["a", "c", "d"]
    stored = (home / "holders.json").read_text()
    assert all(share[9:] not in stored for share in shares)
    for name, share in (("Alice", "a"), ("Bob", "c"), ("Carol", "d")):
        assigned = run_cli(
            "mnemonic",
            "holders",
            "assign",
            "--label",
            "family",
            "--holder",
            name,
            "--index",
            share,
            "--on",
            "2026-12-07",
            home=home,
        )
        assert assigned.code == 0, assigned.stderr
    run_cli(
        "mnemonic",
        "holders",
        "confirm",
        "--label",
        "family",
        "--holder",
        "Alice",
        "--on",
        "2027-03-01",
        home=home,
    )
    listed = run_cli("mnemonic", "holders", "list", "--on", "2027-03-11", home=home)
    assert "share a: Alice, confirmed 2027-03-01 (10 days ago)" in listed.stdout
    assert "codex32 derive" in listed.stdout

    # Carol loses her share: two others re-make it.
    rebuilt = run_cli(
        "--json", "codex32", "derive", "--index", "d", input=f"{shares[0]}\n{shares[1]}\n"
    )
    assert rebuilt.json()["codex32"] == shares[2]

    # Bob leaves: re-split with a fresh identifier, retire the old set.
    resplit = run_cli(
        "--json",
        "codex32",
        "resplit",
        "--threshold",
        "2",
        "--shares",
        "3",
        input=f"{shares[0]}\n{shares[2]}\n",
    )
    assert resplit.code == 0, resplit.stderr
    new = resplit.json()
    assert new["identifier"] != facts["identifier"] and "destroy" in new["note"]
    new_shares = [s["codex32"] for s in new["shares"]]
    assert codex32.seed(codex32.combine(new_shares[1:])).reveal() == bytes(range(16))
    retired = run_cli("--json", "mnemonic", "holders", "retire", "--label", "family", home=home)
    assert retired.code == 0 and "destroy" in retired.json()["warning"]


def test_slip39_set_and_what_a_lost_share_means(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    groups = slip39.split_bip39(bip39.generate(12), threshold=2, shares=3)
    text = "\n".join(s.reveal_text() for s in groups[0])
    recorded = run_cli(
        "--json", "mnemonic", "holders", "record", "--label", "trezor", home=home, input=text
    )
    assert recorded.code == 0, recorded.stderr
    assert recorded.json()["recorded"]["shares"] == ["1/1", "1/2", "1/3"]
    listed = run_cli("mnemonic", "holders", "list", home=home)
    assert "cannot re-make a single lost share" in listed.stdout
    assert "no holder recorded" in listed.stdout


def test_unknown_set_is_a_clear_error(tmp_path: Path) -> None:
    result = run_cli(
        "--json", "mnemonic", "holders", "confirm", "--label", "x", "--holder", "y", home=tmp_path
    )
    assert result.code == 1 and result.json()["error"]["type"] == "NotFoundError"

"""``keyvault add / add-phrase / list / remove`` end to end."""

from __future__ import annotations

from pathlib import Path

from .helpers import run_cli
from .test_backup_support import PHRASE, make_vault


def test_items_round_trip(kv_home: Path, tmp_path: Path) -> None:
    make_vault(kv_home)
    wallet = tmp_path / "wallet.dat"
    wallet.write_bytes(b"secret wallet")
    folder = tmp_path / "keys"
    folder.mkdir()

    added = run_cli("add", str(wallet), "--json")
    assert added.code == 0, added.stderr
    assert added.json()["added"]["name"] == "wallet.dat"
    assert run_cli("add", str(folder), "--name", "eth keys").code == 0
    phrase = run_cli("add-phrase", "--name", "ledger", input=PHRASE + "\n")
    assert phrase.code == 0, phrase.stderr
    assert "legal" not in phrase.stdout + phrase.stderr

    listed = run_cli("list", "--json").json()["items"]
    assert [(i["name"], i["kind"]) for i in listed] == [
        ("wallet.dat", "file"),
        ("eth keys", "folder"),
        ("ledger", "phrase"),
    ]
    assert listed[2]["path"] is None and listed[2]["phrase_kind"] == "bip39"
    human = run_cli("list")
    assert "eth keys" in human.stdout and "bip39 phrase" in human.stdout

    assert run_cli("remove", "eth keys").code == 0
    assert [i["name"] for i in run_cli("list", "--json").json()["items"]] == [
        "wallet.dat",
        "ledger",
    ]


def test_item_errors(kv_home: Path, tmp_path: Path) -> None:
    missing = run_cli("add", str(tmp_path / "nope"), "--json")
    assert missing.code == 1  # no vault yet
    assert missing.json()["error"]["type"] == "VaultNotInitializedError"
    make_vault(kv_home)
    assert run_cli("add", str(tmp_path / "nope")).code == 1
    bad = run_cli("add-phrase", "--name", "x", input=PHRASE.replace("yellow", "wave"))
    assert bad.code == 1 and "checksum" in bad.stderr
    wrong_word = run_cli("add-phrase", "--name", "x", "--json", input="legal winnerx thank")
    assert wrong_word.code == 1
    assert wrong_word.json()["error"]["type"] == "InvalidMnemonicError"
    other = run_cli("add-phrase", "--name", "monero", "--kind", "other", input="any words here")
    assert other.code == 0, other.stderr
    dup = run_cli("add-phrase", "--name", "monero", "--kind", "other", input="x")
    assert dup.code == 1 and "already exists" in dup.stderr
    assert run_cli("remove", "nope").code == 1
    assert run_cli("add-phrase", "--name", "y", "--kind", "slip39", input="x").code == 2
    empty = run_cli("list")
    assert "monero" in empty.stdout

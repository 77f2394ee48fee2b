"""The phrase guard and add-phrase's BIP39 passphrase, through the real CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from keyvault.secret import Secret
from keyvault.seedphrase import wallet

from .helpers import run_cli
from .test_backup_support import PASSPHRASE, PHRASE, add_local_dest, make_vault

RIGHT = "orange tree by the river"
TYPO = "orange tree by the rivet"  # one letter off
NONE_LINE = "matches none of your recorded wallets: a mistyped passphrase opens a different"


def _file(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text + "\n")
    return str(path)


@pytest.fixture
def recorded(kv_home: Path, tmp_path: Path) -> Path:
    """A vault holding 'cold' (PHRASE with the passphrase RIGHT, not stored)."""
    make_vault(kv_home)
    done = run_cli(
        "add-phrase",
        "--name",
        "cold",
        "--bip39-passphrase-file",
        _file(tmp_path, "right.txt", RIGHT),
        "--json",
        input=PHRASE,
    )
    assert done.code == 0, done.stderr
    document = done.json()
    assert document["identity"]["fingerprint"] == wallet.phrase_fingerprint(PHRASE, Secret(RIGHT))
    assert document["identity"]["bip39_passphrase"] is True
    assert document["bip39_passphrase_stored"] is False
    assert RIGHT not in done.stdout + done.stderr
    everything = b"".join(p.read_bytes() for p in kv_home.rglob("*") if p.is_file())
    assert b"orange" not in everything and b"legal" not in everything
    return tmp_path


def test_add_phrase_text_says_the_fingerprint_and_that_the_passphrase_is_not_kept(
    kv_home: Path, tmp_path: Path
) -> None:
    make_vault(kv_home)
    done = run_cli(
        "add-phrase",
        "--name",
        "cold",
        "--bip39-passphrase-file",
        _file(tmp_path, "p.txt", RIGHT),
        input=PHRASE,
    )
    assert done.code == 0, done.stderr
    fingerprint = wallet.phrase_fingerprint(PHRASE, Secret(RIGHT))
    assert f"fingerprint {fingerprint} (with the BIP39 passphrase)" in done.stdout
    assert "the BIP39 passphrase is not stored" in done.stdout
    stored = run_cli(
        "add-phrase",
        "--name",
        "kept",
        "--bip39-passphrase-file",
        _file(tmp_path, "p.txt", RIGHT),
        "--store-bip39-passphrase",
        "--json",
        input=PHRASE,
    )
    assert stored.code == 0 and stored.json()["bip39_passphrase_stored"] is True
    lonely = run_cli("add-phrase", "--name", "x", "--store-bip39-passphrase", input=PHRASE)
    assert lonely.code == 2 and "--store-bip39-passphrase needs" in lonely.stderr
    piped = run_cli("add-phrase", "--name", "y", "--bip39-passphrase-file", "-", input=PHRASE)
    assert piped.code == 2


@pytest.mark.parametrize("json_mode", [False, True])
def test_inspect_names_the_item_for_the_right_passphrase(recorded: Path, json_mode: bool) -> None:
    args = ["--bip39-passphrase-file", _file(recorded, "r.txt", RIGHT)]
    done = run_cli("mnemonic", "inspect", *args, *(["--json"] if json_mode else []), input=PHRASE)
    assert done.code == 0, done.stderr
    if json_mode:
        assert done.json()["matches_item"] == "cold"
        assert "matches" not in done.stderr
    else:
        assert "matches item 'cold'" in done.stderr


@pytest.mark.parametrize("json_mode", [False, True])
def test_one_letter_off_passphrase_matches_none(recorded: Path, json_mode: bool) -> None:
    args = ["--bip39-passphrase-file", _file(recorded, "t.txt", TYPO)]
    done = run_cli("mnemonic", "inspect", *args, *(["--json"] if json_mode else []), input=PHRASE)
    assert done.code == 0, done.stderr
    if json_mode:
        assert done.json()["matches_item"] is None
    else:
        assert NONE_LINE in done.stderr
        assert "matches item" not in done.stderr


def test_check_and_paper_phrase_are_guarded(recorded: Path, kv_home: Path) -> None:
    assert run_cli("add-phrase", "--name", "hot", input=PHRASE).code == 0
    checked = run_cli("mnemonic", "check", "--json", input=PHRASE)
    assert checked.code == 0 and checked.json()["matches_item"] == "hot"
    text = run_cli("mnemonic", "check", input=PHRASE)
    assert "matches item 'hot'" in text.stderr
    sheet = recorded / "sheet.pdf"
    right = _file(recorded, "r.txt", RIGHT)
    typo = _file(recorded, "t.txt", TYPO)
    done = run_cli(
        "paper",
        "phrase",
        "-o",
        str(sheet),
        "--bip39-passphrase-file",
        right,
        "--json",
        input=PHRASE,
    )
    assert done.code == 0, done.stderr
    assert done.json()["matches_item"] == "cold"
    wrong = run_cli(
        "paper",
        "phrase",
        "-o",
        str(sheet),
        "--force",
        "--bip39-passphrase-file",
        typo,
        input=PHRASE,
    )
    assert wrong.code == 0, wrong.stderr
    assert NONE_LINE in wrong.stderr


def test_no_recorded_wallet_says_nothing(kv_home: Path) -> None:
    done = run_cli("mnemonic", "check", "--json", input=PHRASE)
    assert done.code == 0 and done.json()["matches_item"] is None
    text = run_cli("mnemonic", "check", input=PHRASE)
    assert "matches" not in text.stderr


def test_damaged_records_warn_but_do_not_fail(recorded: Path, kv_home: Path) -> None:
    (kv_home / "identities.json").write_text("{broken")
    done = run_cli("mnemonic", "check", "--json", input=PHRASE)
    assert done.code == 0 and done.json()["matches_item"] is None
    assert "cannot compare with your recorded wallets" in done.stderr


def test_recover_shows_each_restored_phrase_fingerprint(kv_home: Path, tmp_path: Path) -> None:
    make_vault(kv_home)
    kept = _file(tmp_path, "p.txt", RIGHT)
    args = ["--bip39-passphrase-file", kept, "--store-bip39-passphrase"]
    assert run_cli("add-phrase", "--name", "cold", *args, input=PHRASE).code == 0
    add_local_dest(kv_home, "usb", tmp_path / "usb")
    assert run_cli("backup", env={"KEYVAULT_PASSPHRASE": PASSPHRASE}).code in (0, 3)
    pw = _file(tmp_path, "pw.txt", PASSPHRASE)
    fingerprint = wallet.phrase_fingerprint(PHRASE, Secret(RIGHT))
    # On this machine the records exist: the restored phrase is named.
    same = run_cli(
        "recover",
        str(tmp_path / "usb"),
        "-o",
        str(tmp_path / "a"),
        "--passphrase-file",
        pw,
        "--json",
    )
    assert same.code == 0, same.stderr
    (entry,) = same.json()["restored"]
    assert (entry["fingerprint"], entry["matches_item"]) == (fingerprint, "cold")
    # On a fresh home there is nothing to compare with, but the fingerprint is said.
    fresh = run_cli(
        "recover",
        str(tmp_path / "usb"),
        "-o",
        str(tmp_path / "b"),
        "--passphrase-file",
        pw,
        home=tmp_path / "fresh",
    )
    assert fresh.code == 0, fresh.stderr
    assert f"fingerprint {fingerprint}" in fresh.stdout
    assert (
        json.loads((tmp_path / "b" / "cold.phrase.json").read_text())["bip39_passphrase"] == RIGHT
    )

"""The forgery of issue 13 end to end through the CLI: the owner runs the real
``keyvault init``, backs up and drills once (which seals); a thief with a copy of the
config folder (no passphrase) replaces the owner's phrase and backs up to the owner's
drive. Then verify exits 4, and recover with the owner's 24 words on a fresh home
restores the owner's sealed phrase beside the forged one, labelled, with both
fingerprints in JSON and a warning on stderr, and exits 4 (the two are different
wallets). A newer version that holds the same wallet as the sealed one exits 0 with a
note."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from keyvault.seedphrase import wallet

from ..unit.wallets.test_identity import ABANDON
from .helpers import run_cli
from .test_backup_support import PASSPHRASE, PHRASE, add_local_dest, init_vault, vault_folder

ENV = {"KEYVAULT_PASSPHRASE": PASSPHRASE}


def _owner(home: Path, tmp_path: Path) -> Path:
    """The owner's vault (``keyvault init``) with one phrase, backed up to a drive and
    drilled (sealed); returns the file holding the owner's 24 words."""
    init_vault(home, tmp_path)
    assert run_cli("add-phrase", "--name", "ledger", input=PHRASE).code == 0
    add_local_dest(home, "usb", tmp_path / "usb")
    assert run_cli("backup", env=ENV).code in (0, 3)
    drilled = run_cli("drill", "--json", env=ENV)
    assert drilled.code == 0, drilled.stderr
    assert drilled.json()["sealed"] == ["usb"]
    words = tmp_path / "words.txt"
    assert run_cli("key", "export", "--format", "words", "-o", str(words), env=ENV).code == 0
    return words


def _recover(tmp_path: Path, words: Path, name: str) -> tuple[int, dict[str, object], str]:
    done = run_cli(
        "recover",
        str(tmp_path / "usb"),
        "-o",
        str(tmp_path / name),
        "--phrase-file",
        str(words),
        "--json",
        home=tmp_path / f"{name}-home",
    )
    return done.code, done.json(), done.stderr


def test_recover_restores_the_sealed_phrase_beside_a_forged_one(
    kv_home: Path, tmp_path: Path
) -> None:
    words = _owner(kv_home, tmp_path)
    owner_fp = wallet.phrase_fingerprint(PHRASE)
    thief_fp = wallet.phrase_fingerprint(ABANDON)
    # Before any forgery, the current generation is the sealed one: nothing extra.
    code, report, stderr = _recover(tmp_path, words, "before")
    assert code == 0, stderr
    assert report["seal"]["status"] == "sealed"  # type: ignore[index]
    assert report["sealed_versions"] == []
    assert "the owner's seal covers generation" in stderr
    # The thief: a copy of the config folder, no passphrase, his phrase under the same name.
    thief = tmp_path / "thief-home"
    shutil.copytree(kv_home, thief)
    assert run_cli("remove", "ledger", home=thief).code == 0
    assert run_cli("add-phrase", "--name", "ledger", input=ABANDON, home=thief).code == 0
    assert run_cli("backup", home=thief).code in (0, 3)
    # The owner's verify sees a generation that is not this machine's.
    assert run_cli("verify").code == 4
    # Recover on a fresh home with the owner's 24 words: both restored, exit 4.
    code, report, stderr = _recover(tmp_path, words, "after")
    assert code == 4, stderr
    assert report["exit_code"] == 4
    assert report["seal"]["status"] == "older"  # type: ignore[index]
    [sealed] = report["sealed_versions"]  # type: ignore[misc]
    assert sealed["item"] == "ledger" and sealed["same_wallet"] is False
    assert sealed["sealed_fingerprint"] == owner_fp
    assert sealed["current_fingerprint"] == thief_fp
    assert "is NOT the sealed wallet" in stderr
    owner_file = Path(sealed["sealed_path"])
    assert owner_file.name == "ledger.sealed.phrase.json"
    assert PHRASE in json.dumps(json.loads(owner_file.read_text()))
    assert Path(sealed["current_path"]).name == "ledger.phrase.json"
    assert "WARNING 'ledger'" in stderr and "written after the owner's seal" in stderr
    assert owner_fp in stderr and thief_fp in stderr


def test_a_missing_or_forged_seal_is_reported(kv_home: Path, tmp_path: Path) -> None:
    words = _owner(kv_home, tmp_path)
    folder = vault_folder(tmp_path / "usb", kv_home)
    seal = folder / "seal.json"
    document = json.loads(seal.read_text())
    document["generation"] = document["generation"] + 1  # the signature no longer fits
    seal.write_text(json.dumps(document))
    code, report, stderr = _recover(tmp_path, words, "forged")
    assert code == 0, stderr
    assert report["seal"]["status"] == "invalid"  # type: ignore[index]
    assert "the seal does not verify" in stderr
    seal.unlink()
    code, report, stderr = _recover(tmp_path, words, "unsealed")
    assert code == 0, stderr
    assert report["seal"]["status"] == "none"  # type: ignore[index]
    assert "no owner's seal" in stderr
    assert len(report["restored"]) == 1  # type: ignore[arg-type]


def test_a_newer_version_of_the_same_wallet_is_a_note(kv_home: Path, tmp_path: Path) -> None:
    words = _owner(kv_home, tmp_path)
    # The same phrase added again (a new record, so a new version) and backed up unsealed.
    assert run_cli("remove", "ledger").code == 0
    assert run_cli("add-phrase", "--name", "ledger", input=PHRASE).code == 0
    assert run_cli("backup").code in (0, 3)
    code, report, stderr = _recover(tmp_path, words, "same")
    assert code == 0, stderr
    [sealed] = report["sealed_versions"]  # type: ignore[misc]
    assert sealed["same_wallet"] is True
    assert sealed["sealed_fingerprint"] == sealed["current_fingerprint"]
    assert sealed["sealed_fingerprint"] == wallet.phrase_fingerprint(PHRASE)
    assert "note 'ledger'" in stderr and "holds the same wallet" in stderr
    assert "WARNING" not in stderr

"""Destinations written by the current release stay readable: a folder written by keyvault
before the engine restructure (tests/cli/data/release-destination, see its README) is
verified, recovered and restored by this version through the real CLI."""

from __future__ import annotations

import shutil
from pathlib import Path

from .helpers import Result, run_cli

DATA = Path(__file__).parent / "data" / "release-destination"
PASSPHRASE = "compatibility fixture passphrase, not a secret"
#: The newest version of the wallet file in the fixture.
WALLET = b"release wallet file, version 2\n" * 50


def _copy(tmp_path: Path) -> Path:
    folder = tmp_path / "usb"
    shutil.copytree(DATA / "destination", folder)
    return folder


def _recover_with_passphrase(folder: Path, out: Path, tmp_path: Path) -> Result:
    """``keyvault --json recover FOLDER -o OUT`` with the vault passphrase on stdin."""
    return run_cli(
        "--json", "recover", str(folder), "-o", str(out), "--passphrase-file", "-",
        home=tmp_path / "home", input=PASSPHRASE + "\n",
    )  # fmt: skip


def test_recover_with_the_vault_key_file(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    out = tmp_path / "out"
    result = run_cli(
        "--json",
        "recover",
        str(folder),
        "-o",
        str(out),
        "-i",
        str(DATA / "identity.txt"),
        home=tmp_path / "home",
    )
    assert result.code == 0, result.stderr
    assert (out / "wallet.dat").read_bytes() == WALLET
    assert (out / "keystore" / "UTC--key1").read_bytes() == b"KEYFILE-ONE"
    assert (out / "keystore" / "sub" / "key2").read_bytes() == b"KEYFILE-TWO"
    phrase = (out / "paper seed.phrase.json").read_text()
    assert "abandon" in phrase and "about" in phrase
    assert sorted(r["name"] for r in result.json()["restored"]) == [
        "keystore",
        "paper seed",
        "wallet.dat",
    ]


def test_recover_with_the_passphrase_opens_the_stored_key(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    out = tmp_path / "out"
    result = _recover_with_passphrase(folder, out, tmp_path)
    assert result.code == 0, result.stderr
    assert (out / "wallet.dat").read_bytes() == WALLET


def test_stock_age_still_opens_the_old_objects(tmp_path: Path) -> None:
    """The heir's route: every object of the old release decrypts with the stock tools."""
    import subprocess

    folder = _copy(tmp_path)
    objects = sorted((folder / "keyvault").glob("*/objects/*.age"))
    assert len(objects) == 4
    for path in objects:
        proc = subprocess.run(
            ["age", "-d", "-i", str(DATA / "identity.txt"), str(path)],
            capture_output=True,
            check=True,
        )
        assert proc.stdout


def test_recover_skips_a_decoy_vault_folder_and_says_so(tmp_path: Path) -> None:
    """Issue 12: a folder holding only a marker for another vault id that sorts first must
    not stop recovery; the real vault is recovered and the decoy reported as skipped."""
    folder = _copy(tmp_path)
    decoy = folder / "keyvault" / ("0" * 32)
    decoy.mkdir()
    (decoy / "vault.json").write_text(
        '{"keyvault": "destination marker", "format": 1, "vault_id": "' + "0" * 32 + '"}'
    )
    out = tmp_path / "out"
    result = _recover_with_passphrase(folder, out, tmp_path)
    assert result.code == 0, result.stderr
    assert (out / "wallet.dat").read_bytes() == WALLET
    skipped = result.json()["skipped"]
    assert [s["vault_id"] for s in skipped] == ["0" * 32]
    assert skipped[0]["reason"]

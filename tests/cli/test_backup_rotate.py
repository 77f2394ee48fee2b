"""``keyvault key rotate`` then ``backup``: every item's newest version is re-encrypted to
the new key, so the new 24 words alone recover everything."""

from __future__ import annotations

import json
from pathlib import Path

from .helpers import run_cli
from .test_backup_support import PASSPHRASE, PHRASE, add_local_dest, init_vault

ENV = {"KEYVAULT_PASSPHRASE": PASSPHRASE}


def test_rotation_then_backup_reencrypts_everything(kv_home: Path, tmp_path: Path) -> None:
    passphrase_file = init_vault(kv_home, tmp_path)
    wallet = tmp_path / "wallet.dat"
    wallet.write_bytes(b"wallet bytes")
    assert run_cli("add", str(wallet)).code == 0
    assert run_cli("add-phrase", "--name", "seed", input=PHRASE).code == 0
    dest = tmp_path / "usb"
    add_local_dest(kv_home, "usb", dest)
    assert run_cli("backup").code in (0, 3)
    old_words = tmp_path / "old.words"
    assert run_cli("key", "export", "--format", "words", "-o", str(old_words), env=ENV).code == 0

    rotated = run_cli(
        "key", "rotate", "--passphrase-file", str(passphrase_file), "--work-factor", "16"
    )
    assert rotated.code == 0, rotated.stderr
    status = run_cli("status", "--json").json()
    assert any("earlier vault key" in w for w in status["warnings"])
    report = run_cli("backup", "--json")
    assert report.code in (0, 3), report.stderr
    assert [i["action"] for i in report.json()["items"]] == ["new-version", "new-version"]
    assert not any("earlier vault key" in w for w in run_cli("status", "--json").json()["warnings"])
    assert run_cli("backup", "--json").json()["writes"] == 0

    new_words = tmp_path / "new.words"
    assert run_cli("key", "export", "--format", "words", "-o", str(new_words), env=ENV).code == 0
    out = tmp_path / "out"
    recovered = run_cli(
        "recover",
        str(dest),
        "-o",
        str(out),
        "--phrase-file",
        str(new_words),
        home=tmp_path / "fresh",
    )
    assert recovered.code == 0, recovered.stdout + recovered.stderr
    assert (out / "wallet.dat").read_bytes() == b"wallet bytes"
    assert json.loads((out / "seed.phrase.json").read_text())["phrase"] == PHRASE
    # The old words no longer open the newest manifest.
    stale = run_cli(
        "recover",
        str(dest),
        "-o",
        str(tmp_path / "o2"),
        "--phrase-file",
        str(old_words),
        home=tmp_path / "fresh2",
    )
    assert stale.code == 1
    # Deep verification opens old and new versions with the current and earlier keys.
    assert run_cli("verify", "--deep", env=ENV).code == 0

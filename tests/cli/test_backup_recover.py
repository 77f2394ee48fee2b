"""Recovery on a fresh machine, tampering, and what a destination may reveal.

- ``recover`` on a fresh KEYVAULT_HOME with the 24 words, the age key file and the
  passphrase restores byte-identical files and folders; so does the stock ``age`` CLI
  alone (``age -d -i key.txt manifest.age``, an object, ``tar x``).
- A flipped byte in any stored object or manifest is found by verify and never restored.
- An older manifest, or one encrypted by someone without the vault key, is rejected.
- No stored byte or name reveals content, item names, file names or the phrase.
"""

from __future__ import annotations

import filecmp
import json
import os
import subprocess
from pathlib import Path

import pytest

from .helpers import run_cli
from .test_backup_support import (
    PASSPHRASE,
    PHRASE,
    add_local_dest,
    all_files,
    flip_byte,
    init_vault,
    vault_folder,
)

ENV = {"KEYVAULT_PASSPHRASE": PASSPHRASE}
WALLET_MARK = b"WALLET-PRIVATE-CONTENT-7f3a"


def _backed_up(kv_home: Path, tmp_path: Path) -> dict[str, Path]:
    """A vault with a file, a folder and a phrase, backed up to one folder."""
    init_vault(kv_home, tmp_path)
    src = tmp_path / "src"
    wallet = src / "electrum_default_wallet"
    wallet.parent.mkdir()
    wallet.write_bytes(WALLET_MARK + os.urandom(70_000))
    folder = src / "geth-keystore"
    (folder / "nested").mkdir(parents=True)
    (folder / "UTC--2026-11-28--deadbeef").write_bytes(b'{"crypto": "KEYSTORE-SECRET"}')
    (folder / "nested" / "notes.txt").write_bytes(b"NESTED-NOTE")
    assert run_cli("add", str(wallet), "--name", "Alice main wallet").code == 0
    assert run_cli("add", str(folder), "--name", "Alice eth keys").code == 0
    assert run_cli("add-phrase", "--name", "Alice ledger seed", input=PHRASE).code == 0
    dest = tmp_path / "usb"
    add_local_dest(kv_home, "usb", dest)
    done = run_cli("backup")
    assert done.code in (0, 3), done.stderr
    return {"wallet": wallet, "folder": folder, "dest": dest}


def _same_tree(a: Path, b: Path) -> bool:
    compare = filecmp.dircmp(a, b)
    if compare.left_only or compare.right_only or compare.funny_files:
        return False
    for name in compare.common_files:
        if (a / name).read_bytes() != (b / name).read_bytes():
            return False
    return all(_same_tree(a / d, b / d) for d in compare.common_dirs)


def _check_recovered(out: Path, paths: dict[str, Path]) -> None:
    assert (out / "Alice main wallet").read_bytes() == paths["wallet"].read_bytes()
    assert _same_tree(out / "Alice eth keys", paths["folder"])
    record = json.loads((out / "Alice ledger seed.phrase.json").read_text())
    assert record["phrase"] == PHRASE and record["kind"] == "bip39"
    assert oct((out / "Alice main wallet").stat().st_mode & 0o777) == oct(0o600)


@pytest.mark.parametrize("key_form", ["words", "age-key", "passphrase"])
def test_recover_on_a_fresh_home(kv_home: Path, tmp_path: Path, key_form: str) -> None:
    paths = _backed_up(kv_home, tmp_path)
    fresh = tmp_path / "fresh-home"
    out = tmp_path / "recovered"
    if key_form == "passphrase":
        secret = tmp_path / "pw.txt"
        secret.write_text(PASSPHRASE + "\n")
        option = ["--passphrase-file", str(secret)]
    else:
        exported = tmp_path / f"vault-key.{key_form}"
        fmt = "words" if key_form == "words" else "age"
        done = run_cli("key", "export", "--format", fmt, "-o", str(exported), env=ENV)
        assert done.code == 0, done.stderr
        option = ["--phrase-file" if key_form == "words" else "-i", str(exported)]
    result = run_cli("recover", str(paths["dest"]), "-o", str(out), *option, "--json", home=fresh)
    assert result.code == 0, result.stdout + result.stderr
    assert len(result.json()["restored"]) == 3
    _check_recovered(out, paths)
    again = run_cli("recover", str(paths["dest"]), "-o", str(out), *option, home=fresh)
    assert again.code == 1 and "already exist" in again.stderr
    forced = run_cli("recover", str(paths["dest"]), "-o", str(out), *option, "--force", home=fresh)
    assert forced.code == 0, forced.stderr


def test_recover_errors(kv_home: Path, tmp_path: Path) -> None:
    paths = _backed_up(kv_home, tmp_path)
    fresh = tmp_path / "fresh"
    wrong = tmp_path / "wrong.txt"
    wrong.write_text("not the passphrase\n")
    bad = run_cli(
        "recover",
        str(paths["dest"]),
        "-o",
        str(tmp_path / "o"),
        "--passphrase-file",
        str(wrong),
        home=fresh,
    )
    assert bad.code == 1 and "passphrase" in bad.stderr
    empty = tmp_path / "empty"
    empty.mkdir()
    nothing = run_cli(
        "recover", str(empty), "-o", str(tmp_path / "o"), "-i", str(wrong), home=fresh
    )
    assert nothing.code == 1
    other_key = tmp_path / "other.txt"
    subprocess.run(["age-keygen", "-o", str(other_key)], check=True, capture_output=True)
    foreign = run_cli(
        "recover", str(paths["dest"]), "-o", str(tmp_path / "o"), "-i", str(other_key), home=fresh
    )
    assert foreign.code == 1 and "no identity matched" in foreign.stderr
    assert "encrypted to another key" in foreign.stderr  # what an heir can act on
    assert "authentic" not in foreign.stderr  # a wrong key is not told as a forgery
    both = run_cli(
        "recover",
        str(paths["dest"]),
        "-o",
        "x",
        "-i",
        str(other_key),
        "--phrase-file",
        "-",
        home=fresh,
    )
    assert both.code == 2
    assert not (tmp_path / "o").exists()


def test_stock_age_cli_alone_recovers_everything(kv_home: Path, tmp_path: Path) -> None:
    paths = _backed_up(kv_home, tmp_path)
    key = tmp_path / "key.txt"
    assert run_cli("key", "export", "-o", str(key), env=ENV).code == 0
    folder = vault_folder(paths["dest"], kv_home)

    def age_decrypt(path: Path) -> bytes:
        return subprocess.run(
            ["age", "-d", "-i", str(key), str(path)], capture_output=True, check=True
        ).stdout

    manifest = json.loads(age_decrypt(folder / "manifest.age"))
    by_name = {i["name"]: i for i in manifest["items"]}
    wallet_version = by_name["Alice main wallet"]["versions"][-1]
    wallet = age_decrypt(folder / "objects" / f"{wallet_version['object']}.age")
    assert wallet == paths["wallet"].read_bytes()

    folder_version = by_name["Alice eth keys"]["versions"][-1]
    out = tmp_path / "untarred"
    out.mkdir()
    decrypt = subprocess.Popen(
        ["age", "-d", "-i", str(key), str(folder / "objects" / f"{folder_version['object']}.age")],
        stdout=subprocess.PIPE,
    )
    subprocess.run(["tar", "x", "-C", str(out)], stdin=decrypt.stdout, check=True)
    assert decrypt.wait() == 0
    assert _same_tree(out / folder_version["source_name"], paths["folder"])

    phrase_version = by_name["Alice ledger seed"]["versions"][-1]
    record = json.loads(age_decrypt(folder / "objects" / f"{phrase_version['object']}.age"))
    assert record["phrase"] == PHRASE
    # The manifest also vouches for the key.age stored beside it.
    import hashlib

    assert hashlib.sha256((folder / "key.age").read_bytes()).hexdigest() == manifest["key_sha256"]


@pytest.mark.slow
def test_flipped_byte_anywhere_is_detected_and_never_restored(
    kv_home: Path, tmp_path: Path
) -> None:
    paths = _backed_up(kv_home, tmp_path)
    folder = vault_folder(paths["dest"], kv_home)
    stored = [p for p in all_files(folder) if p.name != "vault.json"]
    assert len(stored) == 5  # 3 objects, manifest.age, key.age
    for path in stored:
        for offset in (0, 40, path.stat().st_size // 2, -1):
            flip_byte(path, offset)
            result = run_cli("verify", "--json")
            assert result.code == 4, (path.name, offset, result.stdout)
            flip_byte(path, offset)
    assert run_cli("verify").code == 0

    wallet_object = next(p for p in all_files(folder / "objects") if p.stat().st_size > 60_000)
    flip_byte(wallet_object, 30_000)
    out = tmp_path / "w.dat"
    restore = run_cli("restore", "Alice main wallet", "-o", str(out), env=ENV)
    assert restore.code == 4 and "damaged" in restore.stderr
    assert not out.exists()
    recovered = tmp_path / "rec"
    key = tmp_path / "key.txt"
    assert run_cli("key", "export", "-o", str(key), env=ENV).code == 0
    rec = run_cli(
        "recover",
        str(paths["dest"]),
        "-o",
        str(recovered),
        "-i",
        str(key),
        "--json",
        home=tmp_path / "fresh",
    )
    assert rec.code == 4
    assert [f["item"] for f in rec.json()["failed"]] == ["Alice main wallet"]
    assert not (recovered / "Alice main wallet").exists()
    assert (recovered / "Alice eth keys").is_dir()


def test_older_or_forged_manifest_is_rejected_by_recover(kv_home: Path, tmp_path: Path) -> None:
    paths = _backed_up(kv_home, tmp_path)
    folder = vault_folder(paths["dest"], kv_home)
    old_manifest = (folder / "manifest.age").read_bytes()
    paths["wallet"].write_bytes(b"version two of the wallet")
    assert run_cli("backup").code in (0, 3)
    key = tmp_path / "key.txt"
    assert run_cli("key", "export", "-o", str(key), env=ENV).code == 0
    heir = tmp_path / "heir-home"
    ok = run_cli(
        "recover", str(paths["dest"]), "-o", str(tmp_path / "r1"), "-i", str(key), home=heir
    )
    assert ok.code == 0, ok.stderr
    assert (tmp_path / "r1" / "Alice main wallet").read_bytes() == b"version two of the wallet"

    # Rolled back: the older (authentic) manifest put back.
    current = (folder / "manifest.age").read_bytes()
    (folder / "manifest.age").write_bytes(old_manifest)
    rolled = run_cli(
        "recover", str(paths["dest"]), "-o", str(tmp_path / "r2"), "-i", str(key), home=heir
    )
    assert rolled.code == 1 and "older" in rolled.stderr
    assert not (tmp_path / "r2").exists()
    # This machine's verify sees it too.
    assert run_cli("verify").code == 4

    # Forged: a plausible manifest encrypted with the stock age CLI to the public recipient.
    recipient = run_cli("key", "show", "--json").json()["vault"]["recipient"]
    plain = subprocess.run(
        ["age", "-d", "-i", str(key)], input=current, capture_output=True, check=True
    ).stdout
    document = json.loads(plain)
    document["generation"] += 10
    forged = subprocess.run(
        ["age", "-r", recipient],
        input=json.dumps(document).encode(),
        capture_output=True,
        check=True,
    ).stdout
    (folder / "manifest.age").write_bytes(forged)
    for home in (heir, tmp_path / "another-fresh-home"):
        rejected = run_cli(
            "recover", str(paths["dest"]), "-o", str(tmp_path / "r3"), "-i", str(key), home=home
        )
        assert rejected.code == 1 and "not authentic" in rejected.stderr
    assert not (tmp_path / "r3").exists()
    # The next backup replaces the damaged manifest with an authentic one, and says it
    # found one damaged (exit 4); the one after has nothing to say.
    healing = run_cli("backup")
    assert healing.code == 4 and "DAMAGED: its manifest was damaged" in healing.stdout
    assert run_cli("backup").code in (0, 3)
    assert run_cli("verify").code == 0
    assert (
        run_cli(
            "recover", str(paths["dest"]), "-o", str(tmp_path / "r4"), "-i", str(key), home=heir
        ).code
        == 0
    )


def test_nothing_secret_at_a_destination(kv_home: Path, tmp_path: Path) -> None:
    paths = _backed_up(kv_home, tmp_path)
    # A second version too, so that older versions are covered.
    paths["wallet"].write_bytes(WALLET_MARK + b" second")
    assert run_cli("backup").code in (0, 3)
    needles = [
        WALLET_MARK,
        b"KEYSTORE-SECRET",
        b"NESTED-NOTE",
        b"Alice",
        b"main wallet",
        b"eth keys",
        b"ledger seed",
        b"electrum_default_wallet",
        b"geth-keystore",
        b"UTC--2026-11-28--deadbeef",
        b"notes.txt",
        PHRASE.encode(),
        " ".join(PHRASE.split()[:3]).encode(),
        str(tmp_path).encode(),
    ]
    stored = all_files(paths["dest"])
    assert stored
    names = "\n".join(str(p.relative_to(paths["dest"])) for p in stored).encode()
    for path in stored:
        data = path.read_bytes()
        for needle in needles:
            assert needle not in data, (path.name, needle)
    for needle in needles:
        assert needle not in names
    # Also in UTF-16 and base64, in case anything were encoded on the way.
    import base64

    blob = b"".join(p.read_bytes() for p in stored)
    assert base64.b64encode(WALLET_MARK)[:16] not in blob
    assert "ledger seed".encode("utf-16-le") not in blob

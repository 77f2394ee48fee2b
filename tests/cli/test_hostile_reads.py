"""Reads from a hostile destination stay bounded, and odd manifests give typed messages.

- An object at destination ``a`` grown into an 8 GiB sparse file that starts with the real
  object: ``restore --from a`` and ``recover a`` read at most its recorded size + 1
  (the child runs with a 32 MiB file-size limit, so a spool or temp file filled beyond
  that would fail), peak RSS stays low, the output folder and the spool stay empty, and
  each says the copy is damaged (exit 4), without a traceback.
- A manifest encrypted with the stock ``age -r RECIPIENT`` (the public recipient is all
  it takes) holding JSON nested 10000 deep or a lone ``"\\ud800"`` escape: ``recover``
  reports it in one typed line, and, where the source holds another vault folder, skips
  it and recovers the real one.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from keyvault.vault.config import load_config

from .hostile import HUGE, Run, run_measured
from .test_backup_support import PASSPHRASE, add_local_dest, init_vault, vault_folder

ENV = {"KEYVAULT_PASSPHRASE": PASSPHRASE}
RSS_LIMIT_MIB = 300
FILE_LIMIT = 32 << 20
#: Sorts before any vault id keyvault makes, so recover meets it first.
DECOY_ID = "0" * 32


def _sane(run: Run, what: str) -> None:
    assert not run.timed_out, f"{what} hung"
    assert "Traceback" not in run.stderr, f"{what}: {run.stderr}"
    assert run.max_rss_mib < RSS_LIMIT_MIB, f"{what} used {run.max_rss_mib:.0f} MiB"


def _setup(kv_home: Path, tmp_path: Path) -> tuple[Path, Path]:
    init_vault(kv_home, tmp_path)
    item = tmp_path / "wallet.dat"
    item.write_bytes(b"the wallet" * 1000)
    assert run_measured("add", str(item), "--name", "w", home=kv_home).code == 0
    a, b = tmp_path / "a", tmp_path / "b"
    add_local_dest(kv_home, "a", a)
    add_local_dest(kv_home, "b", b)
    assert run_measured("backup", home=kv_home, env=ENV).code in (0, 3)
    return a, b


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_object_grown_sparse_is_read_only_to_its_recorded_size(
    kv_home: Path, tmp_path: Path
) -> None:
    a, _ = _setup(kv_home, tmp_path)
    (stored,) = (vault_folder(a, kv_home) / "objects").iterdir()
    size = stored.stat().st_size
    with stored.open("r+b") as handle:  # the real bytes first, then 8 GiB of holes
        handle.truncate(HUGE)

    out_dir = tmp_path / "out"
    out_dir.mkdir()
    restore = run_measured(
        "restore", "w", "--from", "a", "-o", str(out_dir / "w"), "--json",
        home=kv_home, env=ENV, file_size_limit=FILE_LIMIT,
    )  # fmt: skip
    _sane(restore, "restore")
    assert restore.code == 4, restore.stdout
    error = json.loads(restore.stdout)["error"]
    assert "damaged" in error["message"] and "'a'" in error["message"], error
    assert _leftovers(out_dir) == []
    assert _leftovers(kv_home / "spool") == []

    fresh = tmp_path / "fresh-home"
    fresh.mkdir()
    recovered = tmp_path / "recovered"
    recover = run_measured(
        "recover", str(a), "-o", str(recovered), "--json",
        home=fresh, env=ENV, file_size_limit=FILE_LIMIT,
    )  # fmt: skip
    _sane(recover, "recover")
    assert recover.code == 4, recover.stdout
    (failed,) = json.loads(recover.stdout)["failed"]
    assert failed["item"] == "w" and "damaged" in failed["message"], failed
    assert _leftovers(recovered) == []
    assert _leftovers(fresh / "spool") == []
    assert stored.stat().st_size == HUGE and size < FILE_LIMIT


def _odd_manifest(kind: str, vault_id: str) -> bytes:
    if kind == "deep":
        return b'{"mac": "00", "items": ' + b"[" * 10_000 + b"]" * 10_000 + b"}"
    return json.dumps(
        {"format": "keyvault-manifest", "format_version": 1, "vault_id": vault_id,
         "generation": 99, "created": "2026-01-01T00:00:00Z", "items": [],
         "name": "\\ud800", "mac": "\\ud800"}
    ).replace("\\\\ud800", "\\ud800").encode()  # fmt: skip


def _age_encrypt(data: bytes, recipient: str, target: Path) -> None:
    done = subprocess.run(
        ["age", "-r", recipient, "-o", str(target)], input=data, capture_output=True, check=False
    )
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("kind", ["deep", "surrogate"])
def test_manifest_of_odd_json_from_stock_age(kv_home: Path, tmp_path: Path, kind: str) -> None:
    a, _ = _setup(kv_home, tmp_path)
    vault = load_config(kv_home).require_vault()
    real = vault_folder(a, kv_home)
    assert b"\\ud800" in _odd_manifest("surrogate", vault.id)

    # The source holds a decoy vault folder first (its key.age opens with the owner's
    # passphrase) whose manifest is odd JSON encrypted to the owner's public recipient.
    source = tmp_path / "source"
    shutil.copytree(a, source)
    decoy = source / "keyvault" / DECOY_ID
    decoy.mkdir()
    (decoy / "vault.json").write_text(
        json.dumps({"keyvault": "destination marker", "format": 1, "vault_id": DECOY_ID})
    )
    shutil.copyfile(real / "key.age", decoy / "key.age")
    _age_encrypt(_odd_manifest(kind, DECOY_ID), vault.recipient, decoy / "manifest.age")
    fresh = tmp_path / "fresh-home"
    fresh.mkdir()
    recover = run_measured(
        "recover", str(source), "-o", str(tmp_path / "recovered"), "--json", home=fresh, env=ENV
    )
    _sane(recover, "recover")
    assert recover.code == 0, recover.stdout + recover.stderr
    report = json.loads(recover.stdout)
    assert report["vault_id"] == vault.id
    assert [r["name"] for r in report["restored"]] == ["w"]
    (skipped,) = report["skipped"]
    assert skipped["vault_id"] == DECOY_ID
    assert "not authentic" in skipped["reason"] and "\n" not in skipped["reason"], skipped

    # The same manifest in place of the real one: a typed one-line error, exit 1.
    _age_encrypt(_odd_manifest(kind, vault.id), vault.recipient, real / "manifest.age")
    alone = run_measured(
        "recover", str(a), "-o", str(tmp_path / "recovered-a"), home=fresh, env=ENV
    )
    _sane(alone, "recover a")
    assert alone.code == 1, alone.stdout + alone.stderr
    lines = [line for line in alone.stderr.splitlines() if line.strip()]
    assert lines and "not authentic" in lines[0], alone.stderr
    assert not (tmp_path / "recovered-a").exists() or _leftovers(tmp_path / "recovered-a") == []

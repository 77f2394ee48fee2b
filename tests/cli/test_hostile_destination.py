"""One destination in an attacker's hands: every file there replaced by something hostile.

Two local folder destinations, one item, backed up. Then one file at destination ``a`` (the
``vault.json`` marker, ``manifest.age``, ``key.age``, an object) is replaced by random bytes,
a truncation, an 8 GiB sparse file, a FIFO, a symlink (to a file, to a directory, dangling),
a directory, deeply nested JSON or invalid-UTF-16 JSON; and through the real CLI, each with a
60 s limit, ``backup`` (after the item changed), ``verify``, ``restore`` and ``recover a``:
no hang, no traceback, peak RSS under 300 MiB, destination ``b`` still receives the new
version, and exit 4 (or 1 with a typed JSON error where ``a`` holds no usable copy at all);
``backup`` exits 4 in every case (``BackupReport.exit_code``: ``a`` failed or held damage
while ``b`` took the run).
Also ``objects/`` replaced by a symlink to another folder: no write is redirected there.

The whole matrix takes minutes, so it is marked ``slow``; one representative case per file
and the worst mutations run unmarked.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from .hostile import MUTATIONS, Run, run_measured
from .test_backup_support import PASSPHRASE, add_local_dest, init_vault, manifest_of, vault_folder

ENV = {"KEYVAULT_PASSPHRASE": PASSPHRASE}
RSS_LIMIT_MIB = 300
TARGETS = ("marker", "manifest", "key", "object")
#: JSON mutations only mean something for the one plaintext JSON document.
JSON_ONLY = {"deep-json", "utf16-json"}
#: Run on every commit; the rest is ``slow``.
FAST = {
    ("marker", "deep-json"),
    ("marker", "utf16-json"),
    ("manifest", "fifo"),
    ("manifest", "sparse-8g"),
    ("key", "link-file"),
    ("object", "sparse-8g"),
    ("object", "random"),
}


def _cases() -> list[object]:
    cases: list[object] = []
    for target in TARGETS:
        for mutation in MUTATIONS:
            if mutation in JSON_ONLY and target != "marker":
                continue
            marks = () if (target, mutation) in FAST else (pytest.mark.slow,)
            cases.append(pytest.param(target, mutation, marks=marks, id=f"{target}-{mutation}"))
    return cases


def _target_path(folder: Path, target: str) -> Path:
    if target == "object":
        return sorted((folder / "objects").iterdir())[0]
    return folder / {"marker": "vault.json", "manifest": "manifest.age", "key": "key.age"}[target]


def _setup(kv_home: Path, tmp_path: Path) -> tuple[Path, Path, Path]:
    init_vault(kv_home, tmp_path)
    item = tmp_path / "wallet.dat"
    item.write_bytes(b"version one")
    run = run_measured("add", str(item), "--name", "w", home=kv_home)
    assert run.code == 0, run.stderr
    a, b = tmp_path / "a", tmp_path / "b"
    add_local_dest(kv_home, "a", a)
    add_local_dest(kv_home, "b", b)
    run = run_measured("backup", home=kv_home, env=ENV)
    assert run.code in (0, 3), run.stderr
    return item, a, b


def _sane(run: Run, what: str) -> None:
    assert not run.timed_out, f"{what} hung"
    assert "Traceback" not in run.stderr, f"{what}: {run.stderr}"
    assert run.max_rss_mib < RSS_LIMIT_MIB, f"{what} used {run.max_rss_mib:.0f} MiB"


def _typed_error(run: Run) -> None:
    document = json.loads(run.stdout)
    assert document["schema"] and document.get("error"), run.stdout


@pytest.mark.parametrize(("target", "mutation"), _cases())
def test_one_hostile_file(kv_home: Path, tmp_path: Path, target: str, mutation: str) -> None:
    item, a, b = _setup(kv_home, tmp_path)
    before = manifest_of(b, kv_home)["generation"]
    MUTATIONS[mutation](_target_path(vault_folder(a, kv_home), target))

    # First the damaged state as it is (a backup may rewrite the damaged file and heal it).
    verify = run_measured("verify", "--json", home=kv_home, env=ENV)
    _sane(verify, "verify")
    assert verify.code == 4, verify.stdout
    out = tmp_path / "restored"
    restore = run_measured("restore", "w", "-o", str(out), home=kv_home, env=ENV)
    _sane(restore, "restore")
    assert restore.code == 0, restore.stderr
    assert out.read_bytes() == b"version one"
    fresh = tmp_path / "fresh-home"
    fresh.mkdir()
    recover = run_measured(
        "recover", str(a), "-o", str(tmp_path / "recovered"), "--json", home=fresh, env=ENV
    )
    _sane(recover, "recover")
    assert recover.code in (1, 4), recover.stdout
    if recover.code == 1:
        _typed_error(recover)

    item.write_bytes(b"version two")
    backup = run_measured("backup", "--json", home=kv_home, env=ENV)
    _sane(backup, "backup")
    # BackupReport.exit_code: destination a failed or held damage while b took the run.
    assert backup.code == 4, backup.stdout
    document = json.loads(backup.stdout)
    assert document["exit_code"] == 4
    dests = {d["name"]: d for d in document["destinations"]}
    assert dests["a"]["troubled"] and (dests["a"]["state"] != "ok" or dests["a"]["damage"])
    assert dests["b"]["state"] == "ok" and not dests["b"]["troubled"], dests["b"]
    assert manifest_of(b, kv_home)["generation"] > before, "b got no new version"
    _sane(run_measured("verify", "--json", home=kv_home, env=ENV), "verify after backup")


def test_symlinked_objects_folder_is_not_written_through(kv_home: Path, tmp_path: Path) -> None:
    item, a, b = _setup(kv_home, tmp_path)
    objects = vault_folder(a, kv_home) / "objects"
    elsewhere = tmp_path / "other-disk"
    shutil.copytree(objects, elsewhere)
    shutil.rmtree(objects)
    objects.symlink_to(elsewhere)
    held = sorted(p.name for p in elsewhere.iterdir())
    before = manifest_of(b, kv_home)["generation"]
    item.write_bytes(b"version two")

    backup = run_measured("backup", "--json", home=kv_home, env=ENV)
    _sane(backup, "backup")
    assert sorted(p.name for p in elsewhere.iterdir()) == held, "a write went through the link"
    states = {d["name"]: d["state"] for d in json.loads(backup.stdout)["destinations"]}
    assert states == {"a": "failed", "b": "ok"}, backup.stdout
    assert manifest_of(b, kv_home)["generation"] > before
    verify = run_measured("verify", "--json", home=kv_home, env=ENV)
    _sane(verify, "verify")
    assert verify.code == 4, verify.stdout

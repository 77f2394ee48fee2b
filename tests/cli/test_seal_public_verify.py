"""The seal's public half lives in config.toml (written at ``init``, and by ``drill`` or
``seal`` for configs of earlier releases; checked by the schema), and ``verify`` (no vault
key) uses it: a seal that does not verify, and a manifest of the same generation that
this machine did not write and the owner did not seal (a copy of the config folder with
``mac.key`` is enough to write one), each make ``verify`` exit 4.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from keyvault.crypto.seal import seal_public
from keyvault.vault.config import load_config

from .helpers import run_cli
from .test_backup_support import (
    PASSPHRASE,
    PHRASE,
    add_local_dest,
    init_vault,
    manifest_of,
    vault_folder,
    vault_identity,
)

ENV = {"KEYVAULT_PASSPHRASE": PASSPHRASE}


def _seal_public(home: Path) -> str | None:
    return load_config(home).require_vault().seal_public


def test_init_writes_the_seal_public_key_and_the_schema_checks_it(
    kv_home: Path, tmp_path: Path
) -> None:
    init_vault(kv_home, tmp_path)
    public = _seal_public(kv_home)
    assert public == seal_public(vault_identity(kv_home))
    text = (kv_home / "config.toml").read_text()
    assert public is not None and public in text
    (kv_home / "config.toml").write_text(text.replace(public, "kvseal1notakey"))
    broken = run_cli("status", "--json", home=kv_home)
    assert broken.code == 1 and "vault.seal_public" in broken.stdout + broken.stderr
    assert "Traceback" not in broken.stderr


def test_drill_writes_it_for_a_config_of_an_earlier_release(kv_home: Path, tmp_path: Path) -> None:
    init_vault(kv_home, tmp_path)
    config = kv_home / "config.toml"
    lines = [ln for ln in config.read_text().splitlines() if not ln.startswith("seal_public")]
    config.write_text("\n".join(lines) + "\n")
    assert _seal_public(kv_home) is None
    assert run_cli("add-phrase", "--name", "ledger", input=PHRASE).code == 0
    add_local_dest(kv_home, "usb", tmp_path / "usb")
    assert run_cli("backup").code in (0, 3)
    assert run_cli("drill", env=ENV).code == 0
    assert _seal_public(kv_home) == seal_public(vault_identity(kv_home))
    assert run_cli("verify").code == 0
    # A seal that no longer verifies (its generation changed) is a problem for verify.
    seal = vault_folder(tmp_path / "usb", kv_home) / "seal.json"
    document = json.loads(seal.read_text())
    document["manifest_sha256"] = "0" * 64  # the signature no longer fits
    seal.write_text(json.dumps(document))
    checked = run_cli("verify", "--json")
    assert checked.code == 4, checked.stdout
    [problem] = [c for c in checked.json()["checks"] if c["what"] == "seal"]
    assert problem["result"] == "damaged"


def test_a_forged_manifest_of_equal_generation_fails_verify(kv_home: Path, tmp_path: Path) -> None:
    init_vault(kv_home, tmp_path)
    wallet_file = tmp_path / "wallet.dat"
    wallet_file.write_bytes(b"one")
    assert run_cli("add", str(wallet_file), "--name", "hot").code == 0
    usb, nas = tmp_path / "usb", tmp_path / "nas"
    add_local_dest(kv_home, "usb", usb)
    add_local_dest(kv_home, "nas", nas)
    assert run_cli("backup").code in (0, 3)
    # The thief copies the config folder now (no passphrase). The owner's next run, with
    # the USB drive away, reserves generation 2 and writes it to the NAS only.
    thief = tmp_path / "thief-home"
    shutil.copytree(kv_home, thief)
    usb.rename(tmp_path / "usb-away")
    wallet_file.write_bytes(b"two")
    assert run_cli("backup").code in (0, 3)
    (tmp_path / "usb-away").rename(usb)
    owner_generation = manifest_of(nas, kv_home)["generation"]
    # The thief's run reserves generation 2 from his stale copy and writes it to the USB
    # drive (the NAS, already at 2, is another writer's to him).
    thief_file = tmp_path / "thief-wallet.dat"
    thief_file.write_bytes(b"the thief's")
    config = thief / "config.toml"
    config.write_text(config.read_text().replace(str(wallet_file), str(thief_file)))
    assert run_cli("backup", home=thief).code in (3, 4)
    assert manifest_of(usb, kv_home)["generation"] == owner_generation  # equal, not newer
    verified = run_cli("verify", "--json")
    assert verified.code == 4, verified.stdout
    [manifest] = [
        c for c in verified.json()["checks"] if c["what"] == "manifest" and c["dest"] == "usb"
    ]
    assert manifest["result"] == "conflict"
    assert "did not write" in manifest["message"], manifest
    # The owner's next backup replaces it and says so (exit 4).
    healing = run_cli("backup", "--json")
    assert healing.code == 4
    [usb_result] = [d for d in healing.json()["destinations"] if d["name"] == "usb"]
    assert any("not written by this machine" in line for line in usb_result["damage"])

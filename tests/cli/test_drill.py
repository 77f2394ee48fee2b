"""``keyvault drill`` end to end: each copy restored with the vault key and its wallet
identity compared with the record; tampering, a replaced wallet and a changed phrase
record are each named (exit 4); the byte budget rotates through the copies."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from keyvault.crypto import encrypt_bytes
from keyvault.crypto.seal import parse_seal_document, verify_seal
from keyvault.seedphrase import wallet
from keyvault.vault.config import load_config
from keyvault.vault.items import phrase_record_path

from ..unit.wallets.test_identity import ABANDON, OTHER, _descriptors, make_core_wallet
from .helpers import run_cli
from .test_backup_support import (
    PASSPHRASE,
    PHRASE,
    add_local_dest,
    flip_byte,
    make_vault,
    manifest_of,
    object_path,
    vault_folder,
    vault_identity,
)

ENV = {"KEYVAULT_PASSPHRASE": PASSPHRASE}
FP = wallet.phrase_fingerprint(PHRASE)


def _setup(home: Path, tmp_path: Path) -> Path:
    """A vault with a phrase, a Core descriptor wallet and a plain file, backed up to two
    folders. Returns the Core wallet's path."""
    make_vault(home)
    core = make_core_wallet(tmp_path / "src" / "wallet.dat", _descriptors(ABANDON))
    plain = tmp_path / "src" / "notes.txt"
    plain.write_bytes(os.urandom(3000))
    assert run_cli("add-phrase", "--name", "ledger", input=PHRASE).code == 0
    assert run_cli("add", str(core), "--name", "core").code == 0
    assert run_cli("add", str(plain), "--name", "notes").code == 0
    add_local_dest(home, "usb1", tmp_path / "usb1")
    add_local_dest(home, "usb2", tmp_path / "usb2")
    done = run_cli("backup", env=ENV)
    assert done.code in (0, 3), done.stderr
    return core


def _results(document: dict[str, object]) -> dict[tuple[str, str], dict[str, object]]:
    return {(c["item"], c["destination"]): c for c in document["copies"]}  # type: ignore[index,union-attr]


def test_every_copy_is_proven_the_same_wallet(kv_home: Path, tmp_path: Path) -> None:
    _setup(kv_home, tmp_path)
    done = run_cli("drill", "--json", env=ENV)
    assert done.code == 0, done.stdout + done.stderr
    report = done.json()
    results = _results(report)
    assert {c["result"] for c in results.values()} == {"proven"}
    assert len(results) == 6 and report["problems"] == 0 and report["overdue"] == []
    assert results[("ledger", "usb1")]["identity"]["fingerprint"] == FP  # type: ignore[index]
    assert results[("core", "usb2")]["proof"] == "6 public descriptors"
    assert report["seal_public"].startswith("kvseal1")
    # The proven generation is sealed beside each manifest, with the owner's seal key.
    assert sorted(report["sealed"]) == ["usb1", "usb2"]
    for dest in ("usb1", "usb2"):
        folder = vault_folder(tmp_path / dest, kv_home)
        public, statement, signature = parse_seal_document((folder / "seal.json").read_bytes())
        assert public == report["seal_public"]
        assert verify_seal(report["seal_public"], statement, signature)
        manifest = (folder / "manifest.age").read_bytes()
        assert statement.manifest_sha256 == hashlib.sha256(manifest).hexdigest()
        assert statement.generation == manifest_of(tmp_path / dest, kv_home)["generation"]
    assert "legal" not in done.stdout + done.stderr
    # A seal beside the manifest changes nothing for verify, backup and recover.
    assert run_cli("verify").code == 0
    assert run_cli("backup", env=ENV).code in (0, 3)
    recovered = run_cli(
        "recover",
        str(tmp_path / "usb1"),
        "-o",
        str(tmp_path / "rec"),
        "--passphrase-file",
        "-",
        input=PASSPHRASE,
        home=tmp_path / "fresh",
    )
    assert recovered.code == 0, recovered.stderr
    text = run_cli("drill", env=ENV)
    assert f"ledger @ usb1: proven restorable, same wallet (fingerprint {FP})" in text.stdout
    # The 24 words give the same key and the same seal key.
    words = tmp_path / "words.txt"
    assert run_cli("key", "export", "--format", "words", "-o", str(words), env=ENV).code == 0
    by_words = run_cli("drill", "--phrase-file", str(words), "--json")
    assert by_words.code == 0, by_words.stderr
    assert by_words.json()["seal_public"] == report["seal_public"]


def test_a_tampered_copy_is_named_damaged(kv_home: Path, tmp_path: Path) -> None:
    _setup(kv_home, tmp_path)
    flip_byte(object_path(tmp_path / "usb2", kv_home, "core"), 400)
    done = run_cli("drill", "--json", env=ENV)
    assert done.code == 4, done.stdout + done.stderr
    results = _results(done.json())
    assert results[("core", "usb2")]["result"] == "damaged"
    assert results[("core", "usb1")]["result"] == "proven"
    assert done.json()["sealed"] == ["usb1"]  # never a destination with a damaged copy
    text = run_cli("drill", env=ENV)
    assert text.code == 4 and "core @ usb2: DAMAGED" in text.stdout


def test_a_wallet_replaced_by_another_valid_wallet_is_a_mismatch(
    kv_home: Path, tmp_path: Path
) -> None:
    core = _setup(kv_home, tmp_path)
    core.unlink()
    make_core_wallet(core, _descriptors(OTHER))  # same format, another wallet
    assert run_cli("backup", env=ENV).code in (0, 3)
    done = run_cli("drill", "--json", env=ENV)
    assert done.code == 4
    results = _results(done.json())
    for dest in ("usb1", "usb2"):
        assert results[("core", dest)]["result"] == "mismatch"
        assert "restores a different wallet" in str(results[("core", dest)]["message"])
    assert results[("ledger", "usb1")]["result"] == "proven"
    assert "core @ usb1: MISMATCH" in run_cli("drill", env=ENV).stdout


def test_a_changed_phrase_record_is_a_mismatch(kv_home: Path, tmp_path: Path) -> None:
    _setup(kv_home, tmp_path)
    # What a thief with the config folder can do without the passphrase: encrypt another
    # phrase to the public recipient in place of the owner's, and back it up.
    item = load_config(kv_home).item("ledger")
    assert item is not None
    forged = {
        "format": "keyvault phrase record",
        "version": 1,
        "kind": "bip39",
        "name": "ledger",
        "phrase": ABANDON,
        "language": "english",
        "created": "2026-11-28T03:00:00Z",
        "nonce": "11" * 16,
    }
    recipient = vault_identity(kv_home).recipient
    path = phrase_record_path(kv_home, item)
    path.write_bytes(encrypt_bytes(json.dumps(forged).encode(), [recipient]))
    digest = path.with_suffix(".json")
    plain = json.dumps(forged).encode()
    digest.write_text(
        json.dumps(
            {
                "size": len(plain),
                "sha256": hashlib.sha256(plain).hexdigest(),
                "recipient": str(recipient),
            }
        )
    )
    assert run_cli("backup", env=ENV).code in (0, 3)
    done = run_cli("drill", "--json", env=ENV)
    assert done.code == 4
    results = _results(done.json())
    assert results[("ledger", "usb1")]["result"] == "mismatch"
    assert f"fingerprint 73c5da0a, recorded fingerprint {FP}" in str(
        results[("ledger", "usb1")]["message"]
    )


def test_budget_rotates_through_the_copies(kv_home: Path, tmp_path: Path) -> None:
    _setup(kv_home, tmp_path)
    budget = "13000"  # room for the 12 kB Core wallet, not for every copy
    first = run_cli("drill", "--budget", budget, "--json", env=ENV)
    assert first.code == 0, first.stderr
    one = first.json()
    drilled = {k for k, c in _results(one).items() if c["result"] == "proven"}
    skipped = {k for k, c in _results(one).items() if c["result"] == "skipped"}
    assert drilled and skipped and one["bytes_downloaded"] <= 13000
    assert {(o["item"], o["destination"]) for o in one["overdue"]} == skipped
    seen = set(drilled)
    for _ in range(6):
        if seen >= drilled | skipped:
            break
        again = run_cli("drill", "--budget", budget, "--json", env=ENV).json()
        now = {k for k, c in _results(again).items() if c["result"] == "proven"}
        assert now and now - seen, "each run drills copies not drilled before"
        seen |= now
    assert seen == drilled | skipped
    assert run_cli("drill", "--budget", "0", "--json", env=ENV).json()["overdue"] == []


def test_seal_signs_this_machines_generation_and_refuses_a_forgers(
    kv_home: Path, tmp_path: Path
) -> None:
    import shutil

    _setup(kv_home, tmp_path)
    done = run_cli("seal", "--json", env=ENV)
    assert done.code == 0, done.stderr
    assert sorted(done.json()["sealed"]) == ["usb1", "usb2"]
    folder = vault_folder(tmp_path / "usb1", kv_home)
    _, sealed, _ = parse_seal_document((folder / "seal.json").read_bytes())
    # A thief with a copy of the config folder (no passphrase) backs up his own phrase.
    forger = tmp_path / "forger-home"
    shutil.copytree(kv_home, forger)
    assert run_cli("add-phrase", "--name", "x", input=ABANDON, home=forger).code == 0
    assert run_cli("backup", home=forger).code in (0, 3)
    manifest = (folder / "manifest.age").read_bytes()
    assert hashlib.sha256(manifest).hexdigest() != sealed.manifest_sha256
    # The owner's verify names the foreign generation (exit 4); the owner's seal does not
    # cover it, and cannot be made to.
    assert run_cli("verify").code == 4
    refused = run_cli("seal", "--json", env=ENV)
    assert refused.code == 4
    assert sorted(refused.json()["not_sealed"]) == ["usb1", "usb2"]
    _, still, _ = parse_seal_document((folder / "seal.json").read_bytes())
    assert still == sealed

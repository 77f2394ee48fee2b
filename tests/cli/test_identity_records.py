"""Each version carries the identity of the wallet it holds, in local state and in the
encrypted manifest, so ``restore`` (this machine) and ``recover`` (a new machine with the
24 words) rebuild the identity of what they restored and say "same wallet as recorded"
or, for another wallet, exit 4; and ``list_source`` shows an heir what a source holds
before anything is restored.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
from pathlib import Path

from keyvault.backup.engine import list_source
from keyvault.crypto.vaultkey import identity_from_words
from keyvault.secret import Secret
from keyvault.seedphrase import wallet
from keyvault.vault import identities
from keyvault.wallets.identity import phrase_identity

from ..unit.wallets.test_identity import ABANDON
from .helpers import run_cli
from .test_backup_support import PASSPHRASE, PHRASE, add_local_dest, init_vault, manifest_of

ENV = {"KEYVAULT_PASSPHRASE": PASSPHRASE}


def _vault(home: Path, tmp_path: Path) -> tuple[Path, Path]:
    """A vault with a phrase and a wallet file, backed up to ``usb``; (usb, words file)."""
    init_vault(home, tmp_path)
    assert run_cli("add-phrase", "--name", "ledger", input=PHRASE).code == 0
    wallet_file = tmp_path / "wallet.dat"
    wallet_file.write_bytes(b"an opaque wallet file")
    assert run_cli("add", str(wallet_file), "--name", "hot").code == 0
    usb = tmp_path / "usb"
    add_local_dest(home, "usb", usb)
    assert run_cli("backup", env=ENV).code in (0, 3)
    words = tmp_path / "words.txt"
    assert run_cli("key", "export", "--format", "words", "-o", str(words), env=ENV).code == 0
    return usb, words


def test_versions_carry_identities_and_restore_and_recover_compare(
    kv_home: Path, tmp_path: Path
) -> None:
    usb, words = _vault(kv_home, tmp_path)
    fingerprint = wallet.phrase_fingerprint(PHRASE)
    versions = {i["name"]: i["versions"][-1] for i in manifest_of(usb, kv_home)["items"]}  # type: ignore[attr-defined]
    assert versions["ledger"]["identity"]["fingerprint"] == fingerprint
    assert versions["hot"]["identity"]["kind"] == "sha256"

    done = run_cli("restore", "ledger", "-o", str(tmp_path / "ledger.json"), env=ENV)
    assert done.code == 0, done.stderr
    assert f"same wallet as recorded (fingerprint {fingerprint})" in done.stdout
    as_json = run_cli("restore", "hot", "-o", str(tmp_path / "hot.dat"), "--json", env=ENV).json()[
        "restored"
    ]
    assert as_json["identity_check"] == "same" and as_json["recorded_identity"]["kind"] == "sha256"

    fresh = tmp_path / "fresh-home"
    recovered = run_cli(
        "recover", str(usb), "-o", str(tmp_path / "rec"), "--phrase-file", str(words), "--json",
        home=fresh,
    )  # fmt: skip
    assert recovered.code == 0, recovered.stderr
    checks = {r["name"]: r for r in recovered.json()["restored"]}
    assert checks["ledger"]["identity_check"] == "same"
    assert checks["ledger"]["identity"]["fingerprint"] == fingerprint
    assert checks["hot"]["identity_check"] == "same"
    text = run_cli(
        "recover", str(usb), "-o", str(tmp_path / "rec2"), "--phrase-file", str(words), home=fresh
    )
    assert f"same wallet as recorded (fingerprint {fingerprint})" in text.stdout


def test_a_copy_of_another_wallet_than_recorded_exits_4(kv_home: Path, tmp_path: Path) -> None:
    init_vault(kv_home, tmp_path)
    assert run_cli("add-phrase", "--name", "ledger", input=PHRASE).code == 0
    # The record says another wallet (a damaged or doctored identities.json): the version
    # backed up carries it, and what restores is not that wallet.
    identities.record(kv_home, "ledger", phrase_identity(ABANDON))
    usb = tmp_path / "usb"
    add_local_dest(kv_home, "usb", usb)
    assert run_cli("backup", env=ENV).code in (0, 3)
    words = tmp_path / "words.txt"
    assert run_cli("key", "export", "--format", "words", "-o", str(words), env=ENV).code == 0
    other = wallet.phrase_fingerprint(ABANDON)

    done = run_cli("restore", "ledger", "-o", str(tmp_path / "l.json"), "--json", env=ENV)
    assert done.code == 4, done.stdout
    assert done.json()["restored"]["identity_check"] == "different"
    assert "NOT the wallet recorded" in done.stderr and other in done.stderr
    recovered = run_cli(
        "recover", str(usb), "-o", str(tmp_path / "rec"), "--phrase-file", str(words), "--json",
        home=tmp_path / "fresh",
    )  # fmt: skip
    assert recovered.code == 4, recovered.stderr
    [entry] = recovered.json()["restored"]
    assert entry["identity_check"] == "different"
    assert entry["recorded_identity"]["fingerprint"] == other
    assert "NOT the wallet recorded" in recovered.stderr


def test_list_source_shows_what_a_source_holds(kv_home: Path, tmp_path: Path) -> None:
    usb, words = _vault(kv_home, tmp_path)
    key = identity_from_words(Secret(" ".join(words.read_text().split())))
    fresh = tmp_path / "heir-home"
    listing = list_source(str(usb), home=fresh, identities=[key])
    by_name = {h.name: h for h in listing.items}
    assert set(by_name) == {"ledger", "hot"}
    ledger = by_name["ledger"]
    assert (ledger.kind, ledger.version, ledger.sealed) == ("phrase", 1, False)
    assert ledger.identity is not None
    assert ledger.identity.fingerprint == wallet.phrase_fingerprint(PHRASE)
    assert by_name["hot"].size == len(b"an opaque wallet file")
    assert listing.seal == "none"
    # With the passphrase instead of the words; after a drill, everything is sealed.
    assert run_cli("drill", env=ENV).code == 0
    sealed = list_source(str(usb), home=fresh, passphrase=Secret(PASSPHRASE))
    assert sealed.seal == "sealed" and all(h.sealed for h in sealed.items)
    assert json.loads(json.dumps(sealed.to_dict()))["items"][0]["proof"]


def test_a_drill_gives_versions_of_earlier_releases_their_identity(
    kv_home: Path, tmp_path: Path
) -> None:
    usb, _ = _vault(kv_home, tmp_path)
    # As an earlier release left them: versions with no identity, a manifest without any.
    with contextlib.closing(sqlite3.connect(kv_home / "state.db")) as db, db:
        db.execute("DELETE FROM version_identities")
    assert run_cli("backup").code in (0, 3)

    def identities() -> dict[str, object]:
        items = manifest_of(usb, kv_home)["items"]
        return {i["name"]: i["versions"][-1]["identity"] for i in items}  # type: ignore[attr-defined]

    assert identities() == {"ledger": None, "hot": None}
    assert run_cli("drill", env=ENV).code == 0
    assert run_cli("backup").code in (0, 3)
    found = identities()
    assert found["ledger"]["fingerprint"] == wallet.phrase_fingerprint(PHRASE)  # type: ignore[index]
    assert found["hot"]["kind"] == "sha256"  # type: ignore[index]

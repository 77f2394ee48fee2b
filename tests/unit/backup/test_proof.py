"""keyvault.backup.proof: the one comparison of a recorded and a rebuilt identity."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from pathlib import Path

import pytest

from keyvault.backup.proof import compare, describe, restored_identity, snapshot_identity
from keyvault.secret import Secret
from keyvault.wallets import identity as identity_module
from keyvault.wallets.identity import Identity, phrase_identity

from ..wallets.test_identity import ABANDON, OTHER

SHA = "ab" * 32


def test_compare_each_case() -> None:
    mine, theirs = phrase_identity(ABANDON), phrase_identity(OTHER)
    assert compare(None, mine, SHA) == "not-recorded"
    assert compare(mine, mine, SHA) == "same"
    assert compare(mine, theirs, SHA) == "different"
    assert compare(mine, None, SHA) == "unknown"
    # Recorded with a BIP39 passphrase that was not stored: cannot be rebuilt to compare.
    with_passphrase = phrase_identity(ABANDON, Secret("TREZOR"))
    assert compare(with_passphrase, mine, SHA) == "unknown"
    # A hash identity is compared with the copy's hash, whatever was rebuilt.
    hashed = Identity(kind="sha256", format="folder", sha256=SHA)
    assert compare(hashed, None, SHA) == "same"
    assert compare(hashed, mine, "cd" * 32) == "different"
    # The format (partly from a file name a restore chooses) is not the wallet.
    xpubs = Identity(kind="electrum-xpubs", format="json", xpubs=("xpub" + "a" * 107,))
    assert compare(xpubs, replace(xpubs, format="unknown"), SHA) == "same"
    assert "same wallet as recorded (fingerprint" in describe("same", mine, mine)
    assert "NOT the wallet recorded" in describe("different", mine, theirs)


def test_snapshot_identity_of_a_large_file_is_its_hash() -> None:
    found = snapshot_identity("file", None, b"\0" * 100, "wallet.dat", SHA)
    assert found is not None and (found.kind, found.sha256) == ("sha256", SHA)
    assert snapshot_identity("folder", None, b"", "w", SHA) == Identity(
        kind="sha256", format="folder", sha256=SHA
    )


def test_a_restored_large_file_is_identified_by_the_hash_restore_checked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A file too large to parse: restore hands over the sha256 it has just checked, so the
    # file is not read again past its head (here a hash it cannot have, to show that).
    monkeypatch.setattr(identity_module, "MAX_IN_MEMORY", 1024)
    path = tmp_path / "big.dat"
    path.write_bytes(b"\x01" * 5000)
    found = restored_identity("file", None, path, SHA)
    assert (found.kind, found.sha256) == ("sha256", SHA)
    # Without it (a file nobody checked), the file is hashed.
    assert (
        identity_module.file_identity(path).sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    )

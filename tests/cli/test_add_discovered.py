"""``keyvault add --discovered`` end to end, then backup and restore of the wallets.

Discovery looks in the default places under the user's home: each test points ``HOME``
(and the XDG variables) at a fake Linux home, so the CLI's own ``Path.home()`` finds it.
The fake bitcoind (``tests/unit/wallets/test_copy.py``) runs in this process and answers
the CLI subprocess's ``backupwallet`` calls.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest

from keyvault.wallets.copy import copy_wallet

from ..unit.backup.wallet_helpers import spool_entries, wallet_rows
from ..unit.crypto.pty_run import run_in_pty
from ..unit.wallets.test_copy import FakeNode
from ..unit.wallets.test_discover import make_sqlite_wallet, write
from .helpers import run_cli
from .test_backup_support import PASSPHRASE, add_local_dest, make_vault

ENV = {"KEYVAULT_PASSPHRASE": PASSPHRASE}
CORE = "bitcoin-core-savings"
ELECTRUM = "electrum-default_wallet"


@pytest.fixture
def user_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fake Linux home (Bitcoin Core + Electrum wallets) that the CLI sees as ``~``."""
    home = tmp_path / "user"
    make_sqlite_wallet(home / ".bitcoin" / "wallets" / "savings" / "wallet.dat", encrypted=False)
    write(
        home / ".electrum" / "wallets" / "default_wallet",
        json.dumps({"seed_version": 59, "use_encryption": False, "wallet_type": "standard"}),
    )
    monkeypatch.setenv("HOME", str(home))
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "ELECTRUMDIR"):
        monkeypatch.delenv(name, raising=False)
    return home


def test_add_discovered_yes_then_backup_and_restore(
    kv_home: Path, user_home: Path, tmp_path: Path
) -> None:
    make_vault(kv_home)
    add_local_dest(kv_home, "usb", tmp_path / "usb")
    added = run_cli("add", "--discovered", "--yes", "--json")
    assert added.code == 0, added.stdout + added.stderr
    document = added.json()
    assert document["found"] == 2
    assert [(i["name"], i["wallet"]) for i in document["added"]] == [
        (CORE, "bitcoin-core"),
        (ELECTRUM, "electrum"),
    ]
    listed = {i["name"]: i for i in run_cli("list", "--json").json()["items"]}
    assert listed[CORE]["path"] == str(user_home / ".bitcoin/wallets/savings/wallet.dat")

    backup = run_cli("backup", "--json")
    assert backup.code in (0, 3), backup.stdout + backup.stderr  # 3: one destination only
    actions = {i["name"]: i["action"] for i in backup.json()["items"]}
    assert actions == {CORE: "new-version", ELECTRUM: "new-version"}
    assert spool_entries(kv_home) == []

    electrum = user_home / ".electrum" / "wallets" / "default_wallet"
    core = user_home / ".bitcoin" / "wallets" / "savings" / "wallet.dat"
    out = tmp_path / "restored"
    for name in (CORE, ELECTRUM):
        done = run_cli("restore", name, "-o", str(out / name), env=ENV)
        assert done.code == 0, done.stderr
    assert (out / ELECTRUM).read_bytes() == electrum.read_bytes()
    # The Core wallet was backed up from a consistent copy (no node runs: SQLite's
    # online backup), and that copy comes back byte for byte.
    assert copy_wallet(core, tmp_path / "expected.dat").method == "sqlite-backup"
    assert (out / CORE).read_bytes() == (tmp_path / "expected.dat").read_bytes()
    assert wallet_rows(out / CORE) == wallet_rows(core)

    again = run_cli("add", "--discovered", "--yes", "--json")
    assert again.code == 0
    assert again.json()["added"] == []
    assert [s["reason"] for s in again.json()["skipped"]] == [
        f"already protected as {CORE!r}",
        f"already protected as {ELECTRUM!r}",
    ]


def test_running_node_backs_up_through_backupwallet(
    kv_home: Path, user_home: Path, tmp_path: Path
) -> None:
    make_vault(kv_home)
    add_local_dest(kv_home, "usb", tmp_path / "usb")
    core = user_home / ".bitcoin" / "wallets" / "savings" / "wallet.dat"
    assert run_cli("add", "--discovered", "--yes").code == 0
    node = FakeNode(user_home / ".bitcoin", {"savings": core})
    try:
        backup = run_cli("backup", "--json")
        assert backup.code in (0, 3), backup.stdout + backup.stderr
        assert {i["name"]: i["action"] for i in backup.json()["items"]}[CORE] == "new-version"
        assert [(url, method) for url, method, _ in node.calls][:1] == [
            ("/wallet/savings", "backupwallet")
        ]
        assert all(Path(p[0]).is_relative_to(kv_home / "spool") for _, _, p in node.calls)
        assert spool_entries(kv_home) == []
        restored = tmp_path / "core.dat"
        assert run_cli("restore", CORE, "-o", str(restored), env=ENV).code == 0
        assert wallet_rows(restored) == wallet_rows(core)

        # The wallet changes; the node now refuses the copy: the item fails, the other
        # goes on, and no plaintext copy is left in the spool.
        node.connections["savings"].execute("INSERT INTO main VALUES (x'01', x'02')")
        node.connections["savings"].commit()
        node.fail_with = {"code": -4, "message": "Error: Wallet backup failed!"}
        calls = len(node.calls)
        failed = run_cli("backup", "--json")
        assert failed.code == 1, failed.stdout + failed.stderr
        items = {i["name"]: i for i in failed.json()["items"]}
        assert items[CORE]["action"] == "failed"
        assert "backupwallet failed" in items[CORE]["message"]
        assert items[ELECTRUM]["action"] == "unchanged"
        assert len(node.calls) > calls
        assert spool_entries(kv_home) == []
    finally:
        node.stop()


def _run_on_terminal(args: Sequence[str], answers: Sequence[str], timeout: float = 60) -> str:
    """Run the CLI with a pseudo-terminal as stdin/stdout; answer each confirm prompt."""
    code, output = run_in_pty(
        [sys.executable, "-m", "keyvault_cli", *args],
        [(b"[y/N]", answer.encode() + b"\n") for answer in answers],
        echo_off=False,
        timeout=timeout,
    )
    transcript = output.decode(errors="replace")
    assert code == 0, transcript
    return transcript


def test_add_discovered_asks_before_each_wallet(kv_home: Path, user_home: Path) -> None:
    make_vault(kv_home)
    transcript = _run_on_terminal(["add", "--discovered"], ["y", "n"])
    assert "Bitcoin Core: " in transcript and "Electrum: " in transcript
    assert f"protect it as {CORE!r}?" in transcript
    assert "skipped" in transcript and "not confirmed" in transcript
    names = [i["name"] for i in run_cli("list", "--json").json()["items"]]
    assert names == [CORE]


def test_add_discovered_usage_errors(kv_home: Path, user_home: Path, tmp_path: Path) -> None:
    no_vault = run_cli("add", "--discovered", "--yes", "--json")
    assert no_vault.code == 1
    assert no_vault.json()["error"]["type"] == "VaultNotInitializedError"
    make_vault(kv_home)
    as_json = run_cli("add", "--discovered", "--json")
    assert as_json.code == 2
    assert as_json.json()["error"]["type"] == "UsageError"
    assert "--yes" in as_json.json()["error"]["message"]
    no_terminal = run_cli("add", "--discovered")
    assert no_terminal.code == 2 and "--yes" in no_terminal.stderr
    wallet = user_home / ".electrum" / "wallets" / "default_wallet"
    assert run_cli("add", "--discovered", "--yes", str(wallet)).code == 2
    assert run_cli("add", "--discovered", "--yes", "--name", "x").code == 2
    assert run_cli("add", "--yes", str(wallet)).code == 2
    assert run_cli("add", "--data-dir", str(tmp_path), str(wallet)).code == 2
    assert run_cli("add").code == 2
    bad_dir = run_cli("add", "--discovered", "--yes", "--data-dir", str(tmp_path / "nope"))
    assert bad_dir.code == 2
    assert run_cli("list", "--json").json()["items"] == []


def test_add_discovered_named_data_dir_and_nothing_found(
    kv_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_vault(kv_home)
    empty_home = tmp_path / "empty"
    empty_home.mkdir()
    monkeypatch.setenv("HOME", str(empty_home))
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "ELECTRUMDIR"):
        monkeypatch.delenv(name, raising=False)
    nothing = run_cli("add", "--discovered", "--yes")
    assert nothing.code == 0
    assert "no wallet files found" in nothing.stdout and "--data-dir" in nothing.stdout
    custom = tmp_path / "node-data"
    make_sqlite_wallet(custom / "wallets" / "cold" / "wallet.dat", encrypted=True)
    found = run_cli("add", "--discovered", "--yes", "--data-dir", str(custom), "--json")
    assert found.code == 0, found.stdout + found.stderr
    (item,) = found.json()["added"]
    assert (item["name"], item["wallet"]) == ("bitcoin-core-cold", "bitcoin-core")

"""Drill results count: a copy whose last drill failed is an error for ``status --strict``
(3-2-1-1-0's "0 errors"), and the scheduler's alert inputs
(:func:`~keyvault.backup.drilldates.drill_findings`) name a copy whose drill failed or
that is overdue (``drill_every``, 90 days by default)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from keyvault.backup.drilldates import drill_findings
from keyvault.vault.state import utc_now

from .helpers import run_cli
from .test_backup_support import (
    PASSPHRASE,
    PHRASE,
    add_local_dest,
    flip_byte,
    init_vault,
    object_path,
)

ENV = {"KEYVAULT_PASSPHRASE": PASSPHRASE}
FAILED = "the last drill of the copy at usb failed (3-2-1-1-0)"


def _problems(home: Path) -> list[str]:
    done = run_cli("status", "--strict", "--json", home=home)
    assert done.code in (0, 3), done.stderr
    [ledger] = [v for v in done.json()["items"] if v["item"] == "ledger"]
    return list(ledger["problems"])


def test_a_failed_drill_fails_strict_status_and_alerts(kv_home: Path, tmp_path: Path) -> None:
    init_vault(kv_home, tmp_path)
    assert run_cli("add-phrase", "--name", "ledger", input=PHRASE).code == 0
    add_local_dest(kv_home, "usb", tmp_path / "usb")
    assert run_cli("backup").code in (0, 3)
    assert run_cli("drill", env=ENV).code == 0
    assert FAILED not in _problems(kv_home)
    assert drill_findings(kv_home, now=utc_now()) == ([], [])
    # Overdue once the proof is older than drill_every.
    later = utc_now() + timedelta(days=91)
    assert drill_findings(kv_home, now=later) == ([], [("ledger", "usb")])

    flip_byte(object_path(tmp_path / "usb", kv_home, "ledger"), 100)
    assert run_cli("drill", env=ENV).code == 4
    assert FAILED in _problems(kv_home)
    done = run_cli("status", "--strict", home=kv_home)
    assert done.code == 3 and "failed (3-2-1-1-0)" in done.stdout
    assert drill_findings(kv_home, now=utc_now()) == ([("ledger", "usb")], [])
    # Not strict: the drill result does not count (the 3-2-1 rule is about copies).
    plain = run_cli("status", "--json", home=kv_home).json()
    assert all(FAILED not in v["problems"] for v in plain["items"])

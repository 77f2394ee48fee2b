"""drill_status: the dashboard's read of drill.json (last proof, overdue copies)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

from keyvault.backup.drill import DRILL_FILE, drill_status
from keyvault.vault.state import format_time

NOW = datetime(2026, 6, 1, tzinfo=timezone.utc)


def _write(home: Path, copies: dict[tuple[str, str], datetime]) -> None:
    document = {
        "format": "keyvault drill state",
        "version": 1,
        "copies": {
            json.dumps([item, dest]): {"drilled": format_time(at), "proven": format_time(at)}
            for (item, dest), at in copies.items()
        },
    }
    (home / DRILL_FILE).write_text(json.dumps(document))


def test_last_proof_and_overdue_copies(tmp_path: Path) -> None:
    _write(
        tmp_path, {("w", "office"): NOW - timedelta(days=10), ("w", "b2"): NOW - timedelta(days=91)}
    )
    found = drill_status(tmp_path, {"w": (["office", "b2"], NOW - timedelta(days=400))}, now=NOW)
    assert found["w"].last_proven == NOW - timedelta(days=10)
    assert found["w"].overdue == ("b2",)
    # A shorter interval makes the recent one overdue too.
    found = drill_status(
        tmp_path, {"w": (["office", "b2"], None)}, now=NOW, drill_every=timedelta(days=5)
    )
    assert found["w"].overdue == ("office", "b2")


def test_a_never_drilled_copy_is_overdue_only_after_the_interval(tmp_path: Path) -> None:
    fresh = drill_status(tmp_path, {"w": (["office"], NOW - timedelta(days=1))}, now=NOW)
    assert fresh["w"].last_proven is None and fresh["w"].overdue == ()
    old = drill_status(tmp_path, {"w": (["office"], NOW - timedelta(days=91))}, now=NOW)
    assert old["w"].overdue == ("office",)
    unbacked = drill_status(tmp_path, {"w": (["office"], None)}, now=NOW)
    assert unbacked["w"].overdue == ()


def test_a_damaged_or_linked_file_is_no_history(tmp_path: Path) -> None:
    (tmp_path / DRILL_FILE).write_bytes(b"{not json")
    copies = {"w": (["office"], NOW - timedelta(days=1))}
    assert drill_status(tmp_path, copies, now=NOW)["w"].last_proven is None
    (tmp_path / DRILL_FILE).write_bytes(b"[]")  # JSON, but not an object
    assert drill_status(tmp_path, copies, now=NOW)["w"].last_proven is None
    (tmp_path / DRILL_FILE).unlink()
    elsewhere = tmp_path / "elsewhere.json"
    _write(tmp_path, {("w", "office"): NOW})
    (tmp_path / DRILL_FILE).rename(elsewhere)
    (tmp_path / DRILL_FILE).symlink_to(elsewhere)
    assert drill_status(tmp_path, copies, now=NOW)["w"].last_proven is None

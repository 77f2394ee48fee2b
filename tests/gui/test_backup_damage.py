"""A destination damaged on disk between two backups: the backup screen says, at a
glance, which destination held damage and what it was, and that the other one is fine
(the run's exit status 4, "a copy missing or damaged", reads as a warning)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from keyvault_gui.views.main_window import MainWindow
from pytestqt.qtbot import QtBot

from keyvault.backup.engine import BackupReport
from keyvault.errors import ExitCode

from ..cli.test_backup_support import vault_folder
from .flows import add_folder_destination, protect_a_wallet, run_and_wait


def _random_bytes(path: Path) -> None:
    path.write_bytes(os.urandom(path.stat().st_size))


@pytest.mark.parametrize(
    ("damage", "finding"),
    [
        (_random_bytes, "its manifest was damaged or not authentic; a new one is written"),
        (Path.unlink, "its manifest was missing; a new one is written"),
    ],
    ids=["random-bytes", "deleted"],
)
def test_backup_shows_each_destinations_damage(
    qtbot: QtBot,
    window: MainWindow,
    kv_home: Path,
    tmp_path: Path,
    damage: Callable[[Path], object],
    finding: str,
) -> None:
    protect_a_wallet(qtbot, window, tmp_path)
    for name in ("usb", "away"):
        (tmp_path / name).mkdir()
        add_folder_destination(qtbot, window, name, tmp_path / name)
    view = run_and_wait(qtbot, window, "backup_button")
    first = view.last_report
    assert isinstance(first, BackupReport)
    assert not any(d.damage for d in first.destinations)
    assert "DAMAGE" not in view.result.toPlainText()

    manifest = vault_folder(tmp_path / "usb", kv_home) / "manifest.age"
    damage(manifest)
    view = run_and_wait(qtbot, window, "backup_button")

    report = view.last_report
    assert isinstance(report, BackupReport)
    assert report.exit_code == ExitCode.COPY_MISSING_OR_DAMAGED
    # In the details: each destination's outcome, and under usb what was found there.
    lines = view.result.toPlainText().splitlines()
    usb = next(i for i, line in enumerate(lines) if line.startswith("usb: "))
    assert lines[usb : usb + 2] == ["usb: ok; DAMAGE FOUND there:", f"  - {finding}"], lines
    away = [line for line in lines if line.startswith("away: ")]
    assert away == ["away: ok"], lines
    assert sum("DAMAGE" in line for line in lines) == 1, lines
    # At a glance: a warning (not "done" alone) naming the damaged destination only.
    assert view.status.text() == "done, with a warning"
    assert view.attention.isVisibleTo(view)
    assert view.attention.text() == (
        "Warning: a copy is missing or damaged at usb. The other destinations hold this "
        "backup. The details are below."
    )
    assert manifest.exists()  # written again by this run

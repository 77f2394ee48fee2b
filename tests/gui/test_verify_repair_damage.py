"""A copy damaged at one destination between two runs: Verify says at a glance which
destination holds it and what was found (a warning, as ``keyvault verify``'s exit 4),
Repair says what it fixed, and a Verify after it is clean. When no good copy is left,
Repair says so as a warning too. Engine advice to run a ``keyvault`` command reads as
the button that does it."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from keyvault_gui.views._common import desktop_hints
from keyvault_gui.views.backup import BackupView, describe_verify
from keyvault_gui.views.main_window import MainWindow
from pytestqt.qtbot import QtBot

from keyvault.backup.engine import RepairReport, VerifyReport
from keyvault.backup.reports import CheckResult, CopyCheck

from ..cli.test_backup_support import vault_folder
from .flows import add_folder_destination, protect_a_wallet, run_and_wait


def _random_bytes(path: Path) -> None:
    path.write_bytes(os.urandom(path.stat().st_size))


def _backed_up_to_two(qtbot: QtBot, window: MainWindow, kv_home: Path, tmp_path: Path) -> None:
    """A vault with wallet.dat backed up to the folder destinations usb and away."""
    protect_a_wallet(qtbot, window, tmp_path)
    for name in ("usb", "away"):
        (tmp_path / name).mkdir()
        add_folder_destination(qtbot, window, name, tmp_path / name)
    run_and_wait(qtbot, window, "backup_button")


def _the_object(dest_root: Path, home: Path) -> Path:
    """The one stored copy (object file) of wallet.dat at a destination folder."""
    objects = [p for p in (vault_folder(dest_root, home) / "objects").rglob("*") if p.is_file()]
    assert len(objects) == 1, objects
    return objects[0]


def _clean(view: BackupView) -> None:
    """The run ended well: plain "done", no banner."""
    assert view.status.text() == "done"
    assert not view.attention.isVisibleTo(view)


@pytest.mark.parametrize(
    ("damage", "found", "why"),
    [
        (_random_bytes, "damaged", "its sha256 does not match the manifest"),
        (Path.unlink, "missing", "not at the destination"),
    ],
    ids=["random-bytes", "deleted"],
)
def test_verify_names_the_damaged_destination_and_repair_fixes_it(
    qtbot: QtBot,
    window: MainWindow,
    kv_home: Path,
    tmp_path: Path,
    damage: Callable[[Path], object],
    found: str,
    why: str,
) -> None:
    _backed_up_to_two(qtbot, window, kv_home, tmp_path)
    _clean(run_and_wait(qtbot, window, "verify_button"))

    damage(_the_object(tmp_path / "usb", kv_home))
    view = run_and_wait(qtbot, window, "verify_button")
    assert isinstance(view.last_report, VerifyReport)
    assert view.status.text() == "done, with a warning"
    assert view.attention.isVisibleTo(view)
    assert view.attention.text() == (
        f"Warning: copies are missing or damaged at usb (1 {found}). Repair copies them "
        "again from a good copy. The details are below."
    )
    # The details: the copies of wallet.dat, the manifest, the key at each destination.
    assert view.result.toPlainText().splitlines() == [
        "6 copies checked, 1 problem",
        f"usb: wallet.dat is {found}: {why}",
    ]

    view = run_and_wait(qtbot, window, "repair_button")
    report = view.last_report
    assert isinstance(report, RepairReport)
    _clean(view)
    assert view.result.toPlainText().splitlines() == [
        "1 repaired, 0 could not be",
        "usb: wallet.dat copied again",
    ]

    view = run_and_wait(qtbot, window, "verify_button")
    _clean(view)
    assert view.result.toPlainText() == "6 copies checked, 0 problems"


def test_repair_warns_when_no_good_copy_is_left(
    qtbot: QtBot, window: MainWindow, kv_home: Path, tmp_path: Path
) -> None:
    _backed_up_to_two(qtbot, window, kv_home, tmp_path)
    _the_object(tmp_path / "usb", kv_home).unlink()
    _random_bytes(_the_object(tmp_path / "away", kv_home))

    view = run_and_wait(qtbot, window, "repair_button")
    assert isinstance(view.last_report, RepairReport)
    assert view.status.text() == "done, with a warning"
    assert view.attention.isVisibleTo(view)
    assert view.attention.text() == (
        "Warning: some copies could not be repaired and are still missing or damaged at "
        "usb (1 missing), away (1 damaged). The details are below."
    )
    # The engine's advice, "run 'keyvault backup'", names the button instead.
    assert view.result.toPlainText().splitlines() == [
        "0 repaired, 2 could not be",
        "usb: wallet.dat still missing: no intact copy anywhere to copy from; click Back up now",
        "away: wallet.dat still damaged: no intact copy anywhere to copy from; click Back up now",
    ]


def test_verify_names_a_destination_that_is_not_connected(
    qtbot: QtBot, window: MainWindow, kv_home: Path, tmp_path: Path
) -> None:
    _backed_up_to_two(qtbot, window, kv_home, tmp_path)
    (tmp_path / "away").rename(tmp_path / "unplugged")

    view = run_and_wait(qtbot, window, "verify_button")
    assert view.status.text() == "done, with a warning"
    assert view.attention.text() == (
        "Warning: copies are missing or damaged at away (not connected). Connect what is "
        "not connected and verify again. The details are below."
    )
    lines = view.result.toPlainText().splitlines()
    assert lines[0] == "3 copies checked, 0 problems"
    assert lines[1].startswith("away: NOT CONNECTED, its copies count as missing ("), lines


@pytest.mark.parametrize(
    ("engine", "desktop"),
    [
        (
            "its copy of 'w' version 1 was found missing or damaged (gone); run 'keyvault repair'",
            "its copy of 'w' version 1 was found missing or damaged (gone); click Repair",
        ),
        (
            "nor sealed by the owner; a new one is written (see 'keyvault verify')",
            "nor sealed by the owner; a new one is written (click Verify copies)",
        ),
        (
            "run 'keyvault verify', then 'keyvault repair', until it reports 0 errors",
            "click Verify copies, then click Repair, until it reports 0 errors",
        ),
        ("run 'keyvault verify --dest usb' (never checked)", "click Verify copies (never checked)"),
        (
            "no intact copy anywhere to copy from; run 'keyvault backup'",
            "no intact copy anywhere to copy from; click Back up now",
        ),
        (
            "lost. Run 'keyvault backup' to a destination and print the recovery kit "
            "('keyvault paper kit')",
            "lost. Click Back up now with a destination connected and print the recovery kit "
            "(on the Print screen)",
        ),
        (
            "run 'keyvault backup' now: the original changed after its last backup",
            "click Back up now: the original changed after its last backup",
        ),
        (
            "run 'keyvault backup' to copy the current version to 'usb'",
            "click Back up now to copy the current version to 'usb'",
        ),
        ("Run 'keyvault paper kit' again", "Open the Print screen again"),
        ("run 'keyvault repair' now", "click Repair now"),
        (
            "run 'keyvault drill' to see why, 'keyvault repair' to re-copy it",
            "run 'keyvault drill' to see why, click Repair to re-copy it",
        ),
        ("see 'keyvault list'", "see 'keyvault list'"),
    ],
)
def test_desktop_hints_name_the_buttons(engine: str, desktop: str) -> None:
    assert desktop_hints(engine) == desktop


@pytest.mark.parametrize(
    ("results", "first_line"),
    [
        ([], "0 copies checked, 0 problems"),
        (["ok"], "1 copy checked, 0 problems"),
        (["missing"], "1 copy checked, 1 problem"),
        (["ok", "damaged", "missing"], "3 copies checked, 2 problems"),
    ],
)
def test_the_verify_summary_agrees_in_number(results: list[CheckResult], first_line: str) -> None:
    checks = [CopyCheck(dest="usb", what="object", result=result) for result in results]
    report = VerifyReport(deep=False, checks=checks)
    assert describe_verify(report).splitlines()[0] == first_line

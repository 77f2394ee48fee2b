"""The tray: colour of the overall verdict, its menu, notifications of scheduled runs."""

from __future__ import annotations

from pathlib import Path

from keyvault_gui.tray import Tray
from keyvault_gui.views.backup import BackupView
from keyvault_gui.views.dashboard import VERDICT_COLOR
from keyvault_gui.views.main_window import MainWindow
from keyvault_gui.views.overview import OverviewView
from pytestqt.qtbot import QtBot

from keyvault.schedule.alerts import Alert
from keyvault.schedule.timers import RunState, save_state

from .conftest import wait_idle
from .flows import create_vault_with_wizard


def _refresh(qtbot: QtBot, window: MainWindow) -> OverviewView:
    view = window.show_page("overview")
    assert isinstance(view, OverviewView)
    with qtbot.waitSignal(view.loaded, timeout=20_000):
        view.refresh()
    return view


def test_tray_colour_follows_the_verdict_and_its_menu(qtbot: QtBot, window: MainWindow) -> None:
    create_vault_with_wizard(qtbot, window)
    view = _refresh(qtbot, window)
    # A new vault key with no destination: the rule does not hold, the tray is red.
    assert view.sentence.text().startswith("1 key needs you")
    assert window.tray.color == VERDICT_COLOR["not-met"]
    assert window.tray.icon.toolTip() == f"keyvault: {view.sentence.text()}"
    image = window.tray.icon.icon().pixmap(32, 32).toImage()
    assert image.pixelColor(16, 16).name() == VERDICT_COLOR["not-met"]
    texts = [a.text() for a in window.tray.menu.actions() if not a.isSeparator()]
    assert texts[:3] == ["Back up now", "Verify", "Open keyvault"]
    assert "Quit" in texts
    # The menu's Verify runs verify on the backup screen.
    window.tray.verify_action.trigger()
    backup = window.page("backup")
    assert isinstance(backup, BackupView)
    qtbot.waitUntil(lambda: not backup.running, timeout=30_000)
    wait_idle(qtbot, window.runner)
    assert backup.result.toPlainText() != ""


def test_a_failed_scheduled_run_is_announced_once(
    qtbot: QtBot, window: MainWindow, kv_home: Path
) -> None:
    create_vault_with_wizard(qtbot, window)
    _refresh(qtbot, window)
    assert window.tray.shown == []
    failed = Alert("run-failed", "critical", "the scheduled backup failed: the drive is full")
    save_state(
        kv_home,
        RunState(last_run="2026-12-07T03:00:00Z", last_backup_exit=1, alerts=[failed.to_dict()]),
    )
    _refresh(qtbot, window)
    assert window.tray.shown == [
        ("keyvault: the scheduled backup failed", "the scheduled backup failed: the drive is full")
    ]
    _refresh(qtbot, window)  # the same run: not told twice
    assert len(window.tray.shown) == 1
    missing = Alert(
        "copy-missing", "critical", "a stored copy is missing or damaged; run 'keyvault repair'"
    )
    save_state(kv_home, RunState(last_run="2026-12-08T03:00:00Z", alerts=[missing.to_dict()]))
    _refresh(qtbot, window)
    # The alert's advice names the app's button, not the command.
    assert window.tray.shown[-1] == (
        "keyvault: a copy is missing",
        "a stored copy is missing or damaged; click Repair",
    )


def test_keep_running_in_the_tray_is_the_owners_choice(qtbot: QtBot, kv_home: Path) -> None:
    first = MainWindow(kv_home, open_wizard_if_needed=False)
    qtbot.addWidget(first)
    assert not first.keep_running_action.isChecked()
    first.keep_running_action.setChecked(True)
    first.close()
    again = MainWindow(kv_home, open_wizard_if_needed=False)
    qtbot.addWidget(again)
    assert again.keep_running_action.isChecked()
    assert isinstance(again.tray, Tray)
    again.quit_app()

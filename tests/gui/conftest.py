"""Fixtures for the GUI tests: a main window over the test's own KEYVAULT_HOME, offscreen.

The vault is created with scrypt work factor 16 (the core's minimum) to keep tests fast.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from keyvault_gui.tasks import TaskRunner
from keyvault_gui.views.main_window import MainWindow
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot

from ..destinations.b2_server import B2TestServer, KeyvaultSimulator, create_account

# pytest-qt makes its QApplication once per session, before the per-test fixture of
# tests/conftest.py sets this, so it has to be set when this module is imported.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

FAST_WORK_FACTOR = 16
#: A valid 12-word BIP39 phrase (the first official test vector's).
VALID_12 = "legal winner thank year wave sausage worth useful legal winner thank yellow"
#: The bucket of the ``b2`` fixture's account.
BUCKET = "kv-bucket"
#: A passphrase the core's strength estimate accepts (five random-looking words).
PASSPHRASE = "quartz fjord blimp vexed nymph kiwi"


@pytest.fixture(autouse=True)
def _no_desktop_notifications(monkeypatch: pytest.MonkeyPatch) -> None:
    """Notifications are captured, never shown on the desktop of whoever runs the tests
    (tests/gui/test_notifications.py points this at a private bus of its own)."""
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)


@pytest.fixture
def runner(qtbot: QtBot) -> Iterator[TaskRunner]:
    made = TaskRunner()
    yield made
    made.cancel_all()
    assert made.wait_for_done(30_000)


@pytest.fixture
def window(qtbot: QtBot, kv_home: Path, runner: TaskRunner) -> Iterator[MainWindow]:
    made = MainWindow(
        kv_home, runner=runner, work_factor=FAST_WORK_FACTOR, open_wizard_if_needed=False
    )
    qtbot.addWidget(made)
    made.show()
    yield made
    runner.wait_for_done(30_000)


def wait_idle(qtbot: QtBot, runner: TaskRunner, timeout: int = 20_000) -> None:
    """Wait until every task finished and its answer reached the GUI thread."""
    qtbot.waitUntil(lambda: not runner.busy, timeout=timeout)


def error_dialogs() -> list[QMessageBox]:
    """The error dialogs open right now."""
    return [
        w
        for w in QApplication.topLevelWidgets()
        if isinstance(w, QMessageBox) and w.objectName() == "errorDialog" and w.isVisible()
    ]


def close_error_dialogs() -> None:
    for box in error_dialogs():
        box.close()


@pytest.fixture
def vault_window(qtbot: QtBot, window: MainWindow) -> MainWindow:
    """The main window over a home whose vault the wizard just created."""
    from .flows import create_vault_with_wizard

    create_vault_with_wizard(qtbot, window)
    return window


@pytest.fixture
def b2(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[B2TestServer, tuple[str, str]]]:
    """The B2 HTTP test server (keyvault pointed at it) and the master (key ID, key) of
    an account with one bucket, :data:`BUCKET`."""
    with B2TestServer(KeyvaultSimulator(part_size=100_000)) as server:
        monkeypatch.setenv("KEYVAULT_B2_REALM", server.realm_url)
        monkeypatch.setenv("KEYVAULT_B2_TIMEOUT", "5")
        monkeypatch.setenv("KEYVAULT_B2_BACKOFF_MAX", "0.01")
        yield server, create_account(server.sim, BUCKET)

"""Desktop notifications over a real, private session bus (``dbus-daemon``).

Each test starts its own ``dbus-daemon`` (Debian package ``dbus-daemon``) with a config
that lists no service directories, so no notification daemon installed on this machine
can be activated, and points ``DBUS_SESSION_BUS_ADDRESS`` at it. A fake notification
service, registered on that bus through QtDBus (a different D-Bus library from the one
the app sends with), records each ``Notify`` call as the bus delivered it: its signature
(what GDBus-based services such as GNOME Shell check) and its arguments.
"""

from __future__ import annotations

import re
import selectors
import shutil
import subprocess
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from keyvault_gui.notify import NotificationUnavailable, send_desktop_notification
from keyvault_gui.tray import DRILL_TITLE
from keyvault_gui.views.main_window import MainWindow
from keyvault_gui.views.overview import OverviewView
from PySide6.QtDBus import QDBusConnection, QDBusMessage, QDBusVirtualObject
from pytestqt.qtbot import QtBot

from keyvault.backup.drill import drill
from keyvault.schedule.alerts import Alert
from keyvault.schedule.timers import RunState, save_state
from keyvault.secret import Secret
from keyvault.vault.keystore import unlock_vault_key
from keyvault.vault.state import utc_now

from .conftest import PASSPHRASE, wait_idle
from .flows import add_file_item, add_folder_destination, create_vault_with_wizard, run_and_wait

pytestmark = pytest.mark.skipif(
    shutil.which("dbus-daemon") is None, reason="needs dbus-daemon (Debian: dbus-daemon)"
)

_BUS_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:tmpdir=/tmp</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*"/>
    <allow receive_sender="*"/>
    <allow own="*"/>
  </policy>
</busconfig>
"""
_PATH = "/org/freedesktop/Notifications"
_NAME = "org.freedesktop.Notifications"


class FakeNotificationService(QDBusVirtualObject):
    """Answers every call at ``/org/freedesktop/Notifications``; keeps each Notify call."""

    def __init__(self) -> None:
        super().__init__()
        #: (signature, arguments) of each Notify call received.
        self.received: list[tuple[str, list[object]]] = []

    def introspect(self, path: str) -> str:
        return ""

    def handleMessage(self, message: QDBusMessage, connection: QDBusConnection) -> bool:
        if message.interface() == _NAME and message.member() == "Notify":
            self.received.append((message.signature(), list(message.arguments())))
        connection.send(message.createReply([len(self.received)]))
        return True


@pytest.fixture
def session_bus(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A private session bus for this test; its address is in DBUS_SESSION_BUS_ADDRESS."""
    config = tmp_path / "bus.conf"
    config.write_text(_BUS_CONFIG)
    daemon = subprocess.Popen(
        ["dbus-daemon", f"--config-file={config}", "--print-address=1", "--nofork"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert daemon.stdout is not None
        with selectors.DefaultSelector() as ready:
            ready.register(daemon.stdout, selectors.EVENT_READ)
            assert ready.select(timeout=10), "dbus-daemon did not print its address"
        address = daemon.stdout.readline().strip()
        assert address.startswith("unix:")
        monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", address)
        yield address
    finally:
        daemon.terminate()
        daemon.wait(timeout=10)


@pytest.fixture
def bus_monitor(session_bus: str) -> Iterator[subprocess.Popen[str]]:
    """``dbus-monitor`` (libdbus: a third decoder) printing every Notify call on the bus."""
    monitor = subprocess.Popen(
        ["dbus-monitor", "--address", session_bus, f"interface='{_NAME}',member='Notify'"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert monitor.stdout is not None
    with selectors.DefaultSelector() as ready:  # it says when it became a monitor
        ready.register(monitor.stdout, selectors.EVENT_READ)
        assert ready.select(timeout=10), "dbus-monitor did not start"
    yield monitor
    monitor.kill()
    monitor.wait(timeout=10)


def _notify_calls(monitor: subprocess.Popen[str]) -> list[str]:
    """The Notify calls dbus-monitor printed so far (it is stopped to read them all)."""
    monitor.terminate()
    out, _ = monitor.communicate(timeout=10)
    return [c for c in out.split("method call ")[1:] if "member=Notify" in c]


@pytest.fixture
def notification_service(session_bus: str) -> Iterator[FakeNotificationService]:
    """The fake service, registered on the private bus under its well-known name."""
    connection = QDBusConnection.connectToBus(session_bus, "fake-notifications")
    assert connection.isConnected(), connection.lastError().message()
    service = FakeNotificationService()
    assert connection.registerVirtualObject(_PATH, service)
    assert connection.registerService(_NAME)
    yield service
    connection.unregisterService(_NAME)
    connection.unregisterObject(_PATH)
    QDBusConnection.disconnectFromBus("fake-notifications")


def _refresh(qtbot: QtBot, window: MainWindow) -> None:
    view = window.show_page("overview")
    assert isinstance(view, OverviewView)
    with qtbot.waitSignal(view.loaded, timeout=20_000):
        view.refresh()
    wait_idle(qtbot, window.runner)


def test_failed_run_missing_copy_and_overdue_drill_go_to_the_notification_service(
    qtbot: QtBot,
    window: MainWindow,
    kv_home: Path,
    tmp_path: Path,
    notification_service: FakeNotificationService,
    bus_monitor: subprocess.Popen[str],
) -> None:
    create_vault_with_wizard(qtbot, window)
    wallet = tmp_path / "wallet.dat"
    wallet.write_bytes(b"WALLET" * 1000)
    add_file_item(qtbot, window, wallet)
    (tmp_path / "usb").mkdir()
    add_folder_destination(qtbot, window, "usb", tmp_path / "usb")
    run_and_wait(qtbot, window, "backup_button")
    _refresh(qtbot, window)
    assert notification_service.received == []

    failed = Alert("run-failed", "critical", "the scheduled backup failed: the drive is full")
    save_state(kv_home, RunState(last_run="2026-12-07T03:00:00Z", alerts=[failed.to_dict()]))
    _refresh(qtbot, window)
    qtbot.waitUntil(lambda: len(window.tray.delivered) == 1, timeout=10_000)
    assert window.tray.delivered == ["desktop"]
    signature, arguments = notification_service.received[0]
    assert signature == "susssasa{sv}i"
    app_name, replaces_id, icon, summary, body, actions, _hints, expire = arguments
    assert (app_name, replaces_id, icon) == ("keyvault", 0, "keyvault")
    assert summary == "keyvault: the scheduled backup failed"
    assert body == failed.message
    assert actions == []
    assert expire == 15_000

    missing = Alert("copy-missing", "critical", "a copy is missing at 'usb': run keyvault repair")
    save_state(kv_home, RunState(last_run="2026-12-08T03:00:00Z", alerts=[missing.to_dict()]))
    _refresh(qtbot, window)
    qtbot.waitUntil(lambda: len(notification_service.received) == 2, timeout=10_000)
    assert notification_service.received[1][1][3:5] == [
        "keyvault: a copy is missing",
        missing.message,
    ]

    # The wallet's copy was last proven by a drill 100 days ago: overdue, told once.
    vault_key = unlock_vault_key(kv_home, Secret(PASSPHRASE))
    assert not drill(kv_home, identities=[vault_key], now=utc_now() - timedelta(days=100)).problems
    _refresh(qtbot, window)
    qtbot.waitUntil(lambda: len(notification_service.received) == 3, timeout=10_000)
    assert notification_service.received[2][1][3:5] == [
        DRILL_TITLE,
        "no copy of 'wallet.dat' was proven restorable lately: run a drill (keyvault drill)",
    ]
    _refresh(qtbot, window)
    assert len(notification_service.received) == 3
    assert window.tray.delivered == ["desktop"] * 3
    # The hints, as libdbus reads them: the spec's urgency, critical (2) for a failed
    # run and a missing copy, normal (1) for the drill; the app's desktop entry.
    calls = _notify_calls(bus_monitor)
    assert len(calls) == 3
    urgencies = [re.findall(r'string "urgency"\s+variant\s+byte (\d)', call) for call in calls]
    assert urgencies == [["2"], ["2"], ["1"]]
    assert all(re.search(r'string "desktop-entry"\s+variant\s+string "keyvault"', c) for c in calls)
    assert all("uint32 0" in call for call in calls)


def test_without_a_notification_service_the_tray_message_is_used(
    qtbot: QtBot, window: MainWindow, session_bus: str
) -> None:
    # A session bus with no notification service on it (none running, none activatable).
    with pytest.raises(NotificationUnavailable, match="ServiceUnknown"):
        send_desktop_notification("title", "text")
    # The desktop has a tray: the message goes there.
    window.tray.icon.show()
    window.tray.notify("keyvault: a copy is missing", "connect the drive 'usb'")
    qtbot.waitUntil(lambda: len(window.tray.delivered) == 1, timeout=10_000)
    assert window.tray.delivered == ["tray"]
    # No tray either (Qt's offscreen platform has none): nothing to show it with, no error.
    window.tray.icon.hide()
    window.tray.notify("keyvault: a copy is missing", "connect the drive 'usb'")
    qtbot.waitUntil(lambda: len(window.tray.delivered) == 2, timeout=10_000)
    assert window.tray.delivered == ["tray", "none"]


def test_no_session_bus_or_a_vanished_one_is_unavailable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
    with pytest.raises(NotificationUnavailable, match="no session bus"):
        send_desktop_notification("title", "text")
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", f"unix:path={tmp_path / 'gone'}")
    with pytest.raises(NotificationUnavailable, match="FileNotFoundError"):
        send_desktop_notification("title", "text")

"""The tray icon: the overall verdict as a colour, a menu, and desktop notifications.

:class:`Tray` shows a round icon in the verdict's colour (green safe, amber needs you, red
not safe), with a menu: *Back up now*, *Verify*, *Open keyvault*, *Quit*. It announces
what a scheduled run left in ``schedule-state.json`` (read on the pool with the overview,
see :func:`.views.overview.load_overview`): a failed run, a missing copy or no recent backup
is told once per run; and a drill that became overdue is told once (again only after it
was done and fell overdue anew).

A notification goes to the freedesktop notification service on the session bus when one
answers (:mod:`.notify`, on the task pool: D-Bus is not waited on in the GUI thread), else
to Qt's tray message. Every notification is also kept in :attr:`Tray.shown` (title, text)
and the way it went in :attr:`Tray.delivered` (``desktop``, ``tray``, or ``none`` where
neither exists), so tests capture notifications without showing them.

Closing the main window leaves the tray running only when the owner chose so
(``tray/keep_running`` in the GUI settings); see :mod:`.views.main_window`.
"""

from __future__ import annotations

from collections.abc import Collection

from PySide6.QtCore import QObject, Qt, Signal, SignalInstance
from PySide6.QtGui import QAction, QColor, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import QMenu, QSystemTrayIcon

from keyvault.schedule.timers import RunState

from .notify import NotificationUnavailable, send_desktop_notification
from .tasks import TaskContext, TaskRunner
from .views._common import desktop_hints
from .views.dashboard import VERDICT_COLOR, item_phrase

__all__ = ["DRILL_TITLE", "NOTIFY_KINDS", "Tray", "verdict_icon"]

#: The alert kinds of a scheduled run that are announced (the others show in the app).
NOTIFY_KINDS = frozenset({"run-failed", "copy-missing", "backup-stale"})
_TITLES = {
    "run-failed": "keyvault: the scheduled backup failed",
    "copy-missing": "keyvault: a copy is missing",
    "backup-stale": "keyvault: no recent backup",
}
#: The title of the notification of a drill that became overdue.
DRILL_TITLE = "keyvault: a drill is overdue"


def verdict_icon(color: str, size: int = 64) -> QIcon:
    """A filled circle in ``color`` (crisp at any scale: drawn, not a bitmap file)."""
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setBrush(QColor(color))
    painter.setPen(QColor("#202020"))
    margin = size // 8
    painter.drawEllipse(margin, margin, size - 2 * margin, size - 2 * margin)
    painter.end()
    return QIcon(pixmap)


class Tray(QObject):
    """The tray icon of the main window; emits what the owner picks in its menu."""

    backup_requested = Signal()
    verify_requested = Signal()
    open_requested = Signal()
    quit_requested = Signal()

    def __init__(self, runner: TaskRunner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._runner = runner
        self.color = VERDICT_COLOR["ok"]
        self.shown: list[tuple[str, str]] = []
        self.delivered: list[str] = []
        self._announced_run: str | None = None
        self._announced_drills: frozenset[str] = frozenset()
        self.menu = QMenu()
        self.menu.setObjectName("trayMenu")
        self.backup_action = self._add("Back up now", self.backup_requested)
        self.verify_action = self._add("Verify", self.verify_requested)
        self.open_action = self._add("Open keyvault", self.open_requested)
        self.menu.addSeparator()
        self.quit_action = self._add("Quit", self.quit_requested)
        self.icon = QSystemTrayIcon(verdict_icon(self.color), self)
        self.icon.setToolTip("keyvault")
        self.icon.setContextMenu(self.menu)
        self.icon.activated.connect(self._activated)

    def _add(self, text: str, signal: SignalInstance) -> QAction:
        action = self.menu.addAction(text)
        action.triggered.connect(signal.emit)
        return action

    def _activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason == QSystemTrayIcon.ActivationReason.Trigger:
            self.open_requested.emit()

    def show(self) -> None:
        """Show the icon where the desktop has a tray (silently nothing elsewhere)."""
        if QSystemTrayIcon.isSystemTrayAvailable():
            self.icon.show()

    def set_verdict(self, state: str, sentence: str) -> None:
        """Colour the icon by the overall state and put the sentence in its tooltip."""
        self.color = VERDICT_COLOR.get(state, "#757575")
        self.icon.setIcon(verdict_icon(self.color))
        self.icon.setToolTip(f"keyvault: {sentence}")

    def notify(self, title: str, text: str, critical: bool = False) -> None:
        """Tell the owner ``title`` and ``text``: through the desktop's notification
        service when one answers, else as a tray message (kept in :attr:`shown`)."""
        self.shown.append((title, text))

        def work(context: TaskContext) -> bool:
            try:
                send_desktop_notification(title, text, critical=critical)
            except NotificationUnavailable:
                return False
            return True

        self._runner.submit(
            "notify",
            work,
            queue="notify",
            on_success=lambda sent: self._delivered(bool(sent), title, text, critical),
        )

    def _delivered(self, sent: bool, title: str, text: str, critical: bool) -> None:
        if sent:
            self.delivered.append("desktop")
        elif self.icon.isVisible() and QSystemTrayIcon.supportsMessages():
            icon = (
                QSystemTrayIcon.MessageIcon.Critical
                if critical
                else QSystemTrayIcon.MessageIcon.Warning
            )
            self.icon.showMessage(title, text, icon, 15_000)
            self.delivered.append("tray")
        else:
            self.delivered.append("none")

    def announce(self, state: RunState) -> None:
        """Announce the alerts of a scheduled run not announced yet (once per run; the last
        run's alerts are told once when the app starts)."""
        if state.last_run is None or state.last_run == self._announced_run:
            return
        self._announced_run = state.last_run
        for alert in state.alerts:
            kind = str(alert.get("kind", ""))
            if kind in NOTIFY_KINDS:
                self.notify(
                    _TITLES[kind],
                    desktop_hints(str(alert.get("message", ""))),
                    critical=alert.get("severity") == "critical",
                )

    def announce_drills(self, overdue: Collection[str]) -> None:
        """Tell the items whose drill became overdue since the last look (each once)."""
        new = sorted(set(overdue) - self._announced_drills)
        self._announced_drills = frozenset(overdue)
        if not new:
            return
        names = ", ".join(item_phrase(name) for name in new)
        self.notify(
            DRILL_TITLE,
            f"no copy of {names} was proven restorable lately: run a drill (keyvault drill)",
        )

"""The main window: a list of screens on the left, the current screen on the right.

It owns the :class:`~keyvault_gui.tasks.TaskRunner` the screens share, opens the
first-run wizard when this computer has no vault yet, and keeps only window geometry
and the last screen in the GUI settings.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QScrollArea,
    QStackedWidget,
    QWidget,
)

from keyvault.crypto.scrypt import DEFAULT_WORK_FACTOR
from keyvault.vault import keystore
from keyvault.vault.config import load_config

from ..settings import GuiSettings
from ..tasks import TaskContext, TaskRunner, show_error
from ..tray import Tray
from ._common import note
from .backup import BackupView
from .dashboard import overall_state, summary_sentence
from .destinations import DestinationsView
from .items import ItemsView
from .overview import ACTIONS, Overview, OverviewView
from .print_view import PrintView
from .restore import RestoreView
from .seed_phrases import SeedPhrasesView
from .wizard import VaultWizard

__all__ = ["PAGES", "MainWindow"]

#: The screens, in sidebar order: (key, title).
PAGES: tuple[tuple[str, str], ...] = (
    ("overview", "Overview"),
    ("phrases", "Seed phrases"),
    ("items", "Protected items"),
    ("destinations", "Destinations and copies"),
    ("backup", "Back up and verify"),
    ("restore", "Restore"),
    ("print", "Print"),
)


def _scrolling(page: QWidget, parent: QWidget) -> QScrollArea:
    """``page`` in a scroll area: a screen taller or wider than the window (a small screen,
    200 % scale) scrolls instead of squeezing its text until it is cut off."""
    area = QScrollArea(parent)
    area.setWidgetResizable(True)
    area.setFrameShape(QScrollArea.Shape.NoFrame)
    area.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the page's controls take the focus
    area.setWidget(page)
    return area


class MainWindow(QMainWindow):
    """keyvault's main window over the config dir ``home``."""

    #: Emitted after the vault, items, destinations or copies changed (views refresh).
    vault_changed = Signal()

    def __init__(
        self,
        home: Path,
        *,
        runner: TaskRunner | None = None,
        work_factor: int = DEFAULT_WORK_FACTOR,
        open_wizard_if_needed: bool = True,
    ) -> None:
        super().__init__()
        self.home = Path(home)
        self.runner = runner or TaskRunner(self)
        self.work_factor = work_factor
        self.settings = GuiSettings(self.home)
        self.wizard: VaultWizard | None = None
        self.has_vault: bool | None = None
        self.setWindowTitle("keyvault")
        self.setObjectName("mainWindow")
        self.resize(1100, 720)
        self.setMinimumSize(760, 520)

        self.nav = QListWidget(self)
        self.nav.setObjectName("navigation")
        self.nav.setAccessibleName("Screens")
        self.nav.setFixedWidth(210)
        self.nav.setSpacing(3)
        self.stack = QStackedWidget(self)
        self.pages: dict[str, QWidget] = {}
        for key, title in PAGES:
            page = self._build_page(key)
            page.setObjectName(f"page-{key}")
            self.pages[key] = page
            self.stack.addWidget(_scrolling(page, self.stack))
            changed = getattr(page, "changed", None)
            if changed is not None:
                changed.connect(self.vault_changed)
            QListWidgetItem(title, self.nav)
        self.nav.currentRowChanged.connect(self._page_changed)
        overview = self.pages["overview"]
        self.tray = Tray(self.runner, self)
        if isinstance(overview, OverviewView):
            overview.action_requested.connect(self.do_action)
            overview.loaded.connect(self._overview_loaded)
        self.tray.backup_requested.connect(lambda: self.do_action("backup", ""))
        self.tray.verify_requested.connect(lambda: self.do_action("verify", ""))
        self.tray.open_requested.connect(self.bring_to_front)
        self.tray.quit_requested.connect(self.quit_app)
        self.keep_running_action = self.tray.menu.addAction(
            "Keep running in the tray when the window closes"
        )
        self.keep_running_action.setCheckable(True)
        self.keep_running_action.setChecked(self.settings.get_int("tray/keep_running", 0) == 1)
        self.keep_running_action.toggled.connect(
            lambda on: self.settings.set("tray/keep_running", int(on))
        )
        self.tray.show()
        self._quitting = False
        # While open (or in the tray), look again every few minutes: a scheduled run's
        # failure or a drive pulled out is announced without the owner asking.
        self._poll = QTimer(self)
        self._poll.setInterval(5 * 60 * 1000)
        self._poll.timeout.connect(self._poll_overview)
        self._poll.start()
        self.vault_changed.connect(self.refresh_current)

        central = QWidget(self)
        layout = QHBoxLayout(central)
        layout.addWidget(self.nav)
        layout.addWidget(self.stack, 1)
        self.setCentralWidget(central)
        self.busy_label = QLabel(self)
        self.statusBar().addPermanentWidget(self.busy_label)
        self.runner.busy_changed.connect(
            lambda busy: self.busy_label.setText("working…" if busy else "")
        )
        for number in range(1, len(PAGES) + 1):
            shortcut = QShortcut(QKeySequence(f"Ctrl+{number}"), self)
            shortcut.activated.connect(lambda row=number - 1: self.nav.setCurrentRow(row))

        geometry = self.settings.get_bytes("window/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        self.nav.setCurrentRow(min(self.settings.get_int("window/page", 0), len(PAGES) - 1))
        if open_wizard_if_needed:
            QTimer.singleShot(0, self.check_vault)

    # --- pages ----------------------------------------------------------------------

    def _page_factories(self) -> dict[str, Callable[[], QWidget]]:
        return {
            "phrases": lambda: SeedPhrasesView(self.runner, self, self.home),
            "items": lambda: ItemsView(self.home, self.runner, self),
            "destinations": lambda: DestinationsView(self.home, self.runner, self),
            "overview": lambda: OverviewView(self.home, self.runner, self),
            "backup": lambda: BackupView(self.home, self.runner, self),
            "restore": lambda: RestoreView(self.home, self.runner, self),
            "print": lambda: PrintView(self.home, self.runner, self),
        }

    def _build_page(self, key: str) -> QWidget:
        factory = self._page_factories().get(key)
        if factory is not None:
            return factory()
        placeholder = note(f"{dict(PAGES)[key]}: not available in this build yet.", self)
        placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        return placeholder

    def page(self, key: str) -> QWidget:
        """The screen called ``key`` (see :data:`PAGES`)."""
        return self.pages[key]

    def show_page(self, key: str) -> QWidget:
        """Switch to the screen called ``key`` and return it."""
        self.nav.setCurrentRow([k for k, _ in PAGES].index(key))
        return self.pages[key]

    def current_page(self) -> QWidget | None:
        """The screen shown (the stack holds each screen inside its scroll area)."""
        row = self.nav.currentRow()
        return self.pages[PAGES[row][0]] if row >= 0 else None

    def _page_changed(self, row: int) -> None:
        if row < 0:
            return
        self.stack.setCurrentIndex(row)
        self.settings.set("window/page", row)
        self.refresh_current()

    def refresh_current(self) -> None:
        """Reload the screen shown (screens load their data when shown)."""
        refresh = getattr(self.current_page(), "refresh", None)
        if callable(refresh) and self.has_vault is not False:
            refresh()

    def do_action(self, action: str, item: str) -> None:
        """Carry out an overview row's fix (see :data:`~.overview.ACTIONS`)."""
        if action in ("backup", "verify", "repair"):
            view = self.show_page("backup")
            if isinstance(view, BackupView):
                {"backup": view.run_backup, "verify": view.run_verify, "repair": view.run_repair}[
                    action
                ]()
        elif action == "restore":
            self.show_page("restore")
        elif action in ACTIONS:  # add-*, move-destination, confirm-copy
            self.show_page("destinations")

    # --- tray -----------------------------------------------------------------------

    def _overview_loaded(self, overview: Overview) -> None:
        verdicts = [row.verdict for row in overview.rows]
        self.tray.set_verdict(
            overall_state(verdicts, overview.away, overview.drill_overdue),
            summary_sentence(verdicts, overview.away, overview.drill_overdue),
        )
        if overview.schedule is not None:
            self.tray.announce(overview.schedule)
        self.tray.announce_drills(overview.drill_overdue)

    def _poll_overview(self) -> None:
        overview = self.pages["overview"]
        if isinstance(overview, OverviewView) and self.has_vault:
            overview.refresh()

    def bring_to_front(self) -> None:
        """Show the window (from the tray) and raise it."""
        self.showNormal()
        self.raise_()
        self.activateWindow()

    def quit_app(self) -> None:
        """Close the window and end the app, whatever the tray setting."""
        self._quitting = True
        self.close()
        app = QApplication.instance()
        if app is not None:
            app.quit()

    # --- the vault ------------------------------------------------------------------

    def check_vault(self) -> None:
        """Find out (on the pool) whether a vault exists; open the wizard when not."""
        home = self.home

        def work(context: TaskContext) -> bool:
            return keystore.has_vault_key(home) or load_config(home).vault is not None

        def done(exists: bool) -> None:
            self.has_vault = exists
            if not exists:
                self.open_wizard()
            else:
                self.vault_changed.emit()

        self.runner.submit(
            "check-vault", work, on_success=done, on_error=lambda e: show_error(self, e)
        )

    def open_wizard(self) -> VaultWizard:
        """Show the first-run wizard (window-modal) and return it."""
        if self.wizard is None:
            self.wizard = VaultWizard(self.home, self.runner, self, work_factor=self.work_factor)
            self.wizard.vault_ready.connect(self._vault_ready)
            self.wizard.print_kit_requested.connect(self.print_kit)
            self.wizard.heir_requested.connect(self.start_heir_recovery)
            self.wizard.finished.connect(self._wizard_closed)
            self.wizard.setWindowModality(Qt.WindowModality.WindowModal)
        self.wizard.show()
        return self.wizard

    def print_kit(self) -> None:
        """Show the print screen with the recovery kit chosen."""
        view = self.show_page("print")
        if isinstance(view, PrintView):
            view.choose("kit")

    def start_heir_recovery(self) -> RestoreView:
        """The heir's path: the restore screen's recovery, with the kit as the key."""
        view = self.show_page("restore")
        assert isinstance(view, RestoreView)
        view.start_heir_path()
        return view

    def _vault_ready(self) -> None:
        self.has_vault = True
        self.vault_changed.emit()

    def _wizard_closed(self, _result: int) -> None:
        if self.wizard is not None:
            self.wizard.deleteLater()
        self.wizard = None

    # --- closing --------------------------------------------------------------------

    def closeEvent(self, event: QCloseEvent) -> None:
        self.settings.set("window/geometry", self.saveGeometry())
        self.settings.sync()
        if (
            not self._quitting
            and self.keep_running_action.isChecked()
            and self.tray.icon.isVisible()
        ):
            # The owner chose to keep the tray: hide the window, keep the runs going.
            event.ignore()
            self.hide()
            return
        self.tray.icon.hide()
        self.runner.cancel_all()
        self.runner.wait_for_done(10_000)
        super().closeEvent(event)

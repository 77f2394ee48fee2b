"""The "Back up and verify" screen: run a backup, a verification or a repair.

Each run is one engine call (:func:`keyvault.backup.engine.backup`, ``verify``,
``repair``) on the "engine" queue of the worker pool. The engine's progress events become
one progress bar per destination (and one for this computer: reading and encrypting).
Cancel stops the run at its next progress event; the engine's write order leaves every
destination with its previous good backup.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from keyvault.backup.engine import (
    BackupReport,
    CopyCheck,
    DestResult,
    ProgressEvent,
    RepairReport,
    VerifiedDest,
    VerifyReport,
    backup,
    repair,
    verify,
)
from keyvault.errors import ExitCode

from ..tasks import ErrorText, TaskContext, TaskHandle, TaskRunner, WorkFunction
from ._common import attention_style, desktop_hints, heading, note, run_task, show_progress

__all__ = [
    "BackupView",
    "backup_attention",
    "describe_backup",
    "describe_repair",
    "describe_verify",
    "repair_attention",
    "verify_attention",
]

#: Engine phases, in words.
PHASES = {
    "scan": "reading",
    "encrypt": "encrypting",
    "upload": "copying",
    "verify": "checking",
    "download": "fetching",
    "decrypt": "decrypting",
    "prune": "tidying",
}
#: The progress row for work done on this computer (no destination).
LOCAL_ROW = "this computer"


def describe_backup(report: BackupReport) -> str:
    """The result of a backup, in a few lines."""
    lines = []
    for item in report.items:
        what = {
            "unchanged": "unchanged",
            "new-version": f"backed up (version {item.version})",
            "original-missing": "original missing",
            "failed": "FAILED",
        }.get(item.action, item.action)
        lines.append(
            f"{item.name}: {what}" + (f": {desktop_hints(item.message)}" if item.message else "")
        )
    for dest in report.destinations:
        word = {"ok": "ok", "missing": "not connected"}.get(dest.state, dest.state.upper())
        extra = f", {dest.uploaded} copied" if dest.uploaded else ""
        found = "; DAMAGE FOUND there:" if dest.damage else ""
        lines.append(
            f"{dest.name}: {word}{extra}"
            + (f": {desktop_hints(dest.message)}" if dest.message else "")
            + found
        )
        lines += [f"  - {desktop_hints(damage)}" for damage in dest.damage]
        lines += [f"  {desktop_hints(note)}" for note in dest.notes]
    verdict = "the 3-2-1 rule holds" if report.policy_met else "the 3-2-1 rule is NOT met yet"
    lines.append(verdict + (" (some steps failed)" if report.failed else ""))
    return "\n".join(lines)


def backup_attention(report: BackupReport) -> tuple[str, bool] | None:
    """What the owner should see first after a backup, or ``None`` when it went well.

    Follows :attr:`BackupReport.exit_code` (the CLI's exit status): 4, a copy missing or
    damaged at a destination while another took the run, and 3, the 3-2-1 rule not met,
    are warnings; 1, an item that could not be read or no destination that took the run,
    is an error. Returns one plain sentence naming the destinations in trouble and
    whether it is an error (else a warning).
    """
    code = report.exit_code
    if code == ExitCode.OK:
        return None
    troubled = ", ".join(_trouble(d) for d in report.destinations if d.troubled)
    if code == ExitCode.COPY_MISSING_OR_DAMAGED:
        return (
            f"Warning: a copy is missing or damaged at {troubled}. The other "
            "destinations hold this backup. The details are below.",
            False,
        )
    if code == ExitCode.POLICY_NOT_MET:
        return "Warning: the 3-2-1 rule is not met yet. The details are below.", False
    failed = [i.name for i in report.items if i.action == "failed"]
    if failed:
        return f"Error: could not back up {', '.join(failed)}. The details are below.", True
    return (
        f"Error: no destination took this backup ({troubled}). The details are below.",
        True,
    )


def _trouble(dest: DestResult) -> str:
    """``dest``'s name and, unless it took the run (it held damage), how it ended."""
    if dest.state == "ok":
        return dest.name
    what = {"conflict": "written by another keyvault"}.get(dest.state, dest.state)
    return f"{dest.name} ({what})"


def _number_of(count: int, one: str, many: str) -> str:
    """``count`` with the noun that agrees with it: "1 problem", "0 problems"."""
    return f"{count} {one if count == 1 else many}"


def describe_verify(report: VerifyReport) -> str:
    """The result of a verification, in a few lines."""
    checked = _number_of(len(report.checks), "copy", "copies")
    lines = [f"{checked} checked, {_number_of(len(report.problems), 'problem', 'problems')}"]
    for check in report.problems:
        lines.append(f"{check.dest}: {check.item or check.what} is {check.result}" + _why(check))
    for dest, message in report.unavailable:
        lines.append(f"{dest}: NOT CONNECTED, its copies count as missing ({message})")
    for dest, message in report.offline:
        lines.append(f"{dest}: offline, not checked ({message})")
    for check in report.conflicts:
        lines.append(f"{check.dest}: {check.message or 'written by another keyvault'}")
    return "\n".join(lines)


def verify_attention(report: VerifyReport) -> tuple[str, bool] | None:
    """What the owner should see first after a verification, or ``None`` when every
    copy it covered is there and intact.

    Follows :attr:`VerifyReport.exit_code` (4: a copy missing or damaged, a destination
    that should be connected was not, or another writer's manifest): a warning, as the
    backup's exit status 4 is. Returns one plain sentence naming each such destination
    and what was found there, with what helps (Repair, connecting the destination), and
    ``False`` (not an error).
    """
    if not report.exit_code:
        return None
    found = ", ".join(
        f"{dest.name} ({_found(report, dest)})"
        for dest in report.destinations
        if dest.outcome in ("problems", "unavailable", "conflict")
    )
    helps = "Repair copies them again from a good copy. " if report.problems else ""
    if report.unavailable:
        helps += "Connect what is not connected and verify again. "
    return (
        f"Warning: copies are missing or damaged at {found}. {helps}The details are below.",
        False,
    )


def _found(report: VerifyReport, dest: VerifiedDest) -> str:
    """What the verification found wrong at ``dest``, in a few words."""
    if dest.outcome == "unavailable":
        return "not connected"
    if dest.outcome == "conflict":
        return "written by another keyvault"
    return _counted([c.result for c in report.problems if c.dest == dest.name])


def _counted(results: Sequence[str]) -> str:
    """``results`` counted: "1 damaged, 2 missing"."""
    return ", ".join(f"{results.count(r)} {r}" for r in sorted(set(results)))


def describe_repair(report: RepairReport) -> str:
    """The result of a repair, in a few lines."""
    lines = [f"{len(report.repaired)} repaired, {len(report.unrepaired)} could not be"]
    for check in report.repaired:
        lines.append(f"{check.dest}: {check.item or check.what} copied again")
    for check in report.unrepaired:
        lines.append(f"{check.dest}: {check.item or check.what} still {check.result}" + _why(check))
    for dest, message in report.before.unavailable:
        lines.append(f"{dest}: NOT CONNECTED, not checked ({message})")
    for dest, message in report.before.offline:
        lines.append(f"{dest}: offline, not checked ({message})")
    return "\n".join(lines)


def repair_attention(report: RepairReport) -> tuple[str, bool] | None:
    """What the owner should see first after a repair, or ``None`` when it fixed every
    copy it found missing or damaged.

    Follows :attr:`RepairReport.exit_code` (4: a copy could not be copied again): a
    warning naming each destination that still holds a missing or damaged copy and what
    is wrong there; ``False`` (not an error).
    """
    if not report.exit_code:
        return None
    names = dict.fromkeys(c.dest for c in report.unrepaired)
    still = ", ".join(
        f"{name} ({_counted([c.result for c in report.unrepaired if c.dest == name])})"
        for name in names
    )
    return (
        f"Warning: some copies could not be repaired and are still missing or damaged at "
        f"{still}. The details are below.",
        False,
    )


def _why(check: CopyCheck) -> str:
    """``check``'s own message, if any, as the end of a line."""
    return f": {desktop_hints(check.message)}" if check.message else ""


@dataclass
class _Bar:
    label: QLabel
    bar: QProgressBar


class BackupView(QWidget):
    """Buttons to run, a progress bar per destination, cancel, and the result."""

    #: Emitted after a run changed what status reports.
    changed = Signal()

    def __init__(self, home: Path, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.home = home
        self._runner = runner
        self.handle: TaskHandle | None = None
        self.last_report: BackupReport | VerifyReport | RepairReport | None = None
        self.backup_button = QPushButton("Back up now", self)
        self.verify_button = QPushButton("Verify copies", self)
        self.repair_button = QPushButton("Repair", self)
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.setEnabled(False)
        self.backup_button.clicked.connect(self.run_backup)
        self.verify_button.clicked.connect(self.run_verify)
        self.repair_button.clicked.connect(self.run_repair)
        self.cancel_button.clicked.connect(self.cancel)
        self.status = QLabel(self)
        self.status.setObjectName("runStatus")
        self.status.setWordWrap(True)
        #: What went wrong in the last backup, at a glance (hidden when it went well).
        self.attention = QLabel(self)
        self.attention.setObjectName("runAttention")
        self.attention.setWordWrap(True)
        self.attention.setTextFormat(Qt.TextFormat.PlainText)
        self.attention.setVisible(False)
        self.bars: dict[str, _Bar] = {}
        self.bar_form = QFormLayout()
        self.result = QPlainTextEdit(self)
        self.result.setObjectName("runResult")
        self.result.setAccessibleName("Result of the run")
        self.result.setReadOnly(True)
        buttons = QHBoxLayout()
        for button in (self.backup_button, self.verify_button, self.repair_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        layout.addWidget(heading("Back up and verify", self))
        layout.addWidget(
            note(
                "A backup copies every changed item to every connected destination and "
                "reads each copy back. Verify checks that the copies are still there and "
                "intact; repair copies missing or damaged ones again from a good copy. "
                "None of them needs your passphrase.",
                self,
            )
        )
        layout.addLayout(buttons)
        layout.addWidget(self.status)
        layout.addWidget(self.attention)
        layout.addLayout(self.bar_form)
        layout.addWidget(self.result, 1)

    @property
    def running(self) -> bool:
        """True while a run is in progress."""
        return self.handle is not None

    def run_backup(self) -> None:
        """Back up every item to every destination."""
        home = self.home

        def work(context: TaskContext) -> BackupReport:
            return backup(home, progress=lambda e: _post(context, e))

        self._start("backing up…", work, describe_backup, backup_attention)

    def run_verify(self) -> None:
        """Check every copy at every connected destination."""
        home = self.home

        def work(context: TaskContext) -> VerifyReport:
            return verify(home, progress=lambda e: _post(context, e))

        self._start("verifying…", work, describe_verify, verify_attention)

    def run_repair(self) -> None:
        """Copy again every missing or damaged copy from a good one."""
        home = self.home

        def work(context: TaskContext) -> RepairReport:
            return repair(home, progress=lambda e: _post(context, e))

        self._start("repairing…", work, describe_repair, repair_attention)

    def cancel(self) -> None:
        """Stop the run at its next progress event."""
        if self.handle is not None:
            self.handle.cancel()
            self.status.setText("cancelling…")

    def _start(
        self,
        what: str,
        work: WorkFunction,
        describe: Callable[[Any], str],
        attention: Callable[[Any], tuple[str, bool] | None],
    ) -> None:
        """Run ``work``; show its report in words (``describe``) and, when ``attention``
        gives one, the sentence the owner should see first (an error or a warning)."""
        if self.handle is not None:
            return
        self._clear_bars()
        self.attention.setVisible(False)
        self.status.setText(what)
        self.result.setPlainText("")
        self.cancel_button.setEnabled(True)

        def done(report: BackupReport | VerifyReport | RepairReport) -> None:
            self.last_report = report
            self.status.setText("done")
            self.result.setPlainText(describe(report))
            shown = attention(report)
            if shown is not None:
                text, severe = shown
                self.status.setText("done, with errors" if severe else "done, with a warning")
                self.attention.setText(text)
                self.attention.setStyleSheet(attention_style(severe))
                self.attention.setVisible(True)
            for entry in self.bars.values():
                if entry.bar.maximum() == 0:
                    entry.bar.setRange(0, 1)
                entry.bar.setValue(entry.bar.maximum())
            self.changed.emit()

        def failed(error: ErrorText) -> None:
            self.status.setText(f"stopped: {error.message}")
            self.changed.emit()

        def cancelled() -> None:
            self.status.setText("cancelled: every destination keeps its previous backup")
            self.changed.emit()

        self.handle = run_task(
            self._runner,
            self,
            what.rstrip("…"),
            work,
            done,
            busy=[self.backup_button, self.verify_button, self.repair_button],
            queue="engine",
            on_error=failed,
            on_cancel=cancelled,
            on_event=self._progress,
        )
        self.handle.finished.connect(self._finished)

    def _finished(self) -> None:
        self.handle = None
        self.cancel_button.setEnabled(False)

    def _clear_bars(self) -> None:
        for entry in self.bars.values():
            self.bar_form.removeRow(entry.label)
        self.bars = {}

    def _progress(self, event: ProgressEvent) -> None:
        row = event.dest or LOCAL_ROW
        entry = self.bars.get(row)
        if entry is None:
            label = QLabel(row, self)
            bar = QProgressBar(self)
            bar.setObjectName(f"progress:{row}")
            self.bar_form.addRow(label, bar)
            entry = self.bars[row] = _Bar(label, bar)
        show_progress(entry.bar, event)
        phase = PHASES.get(event.phase, event.phase)
        entry.bar.setFormat(f"{phase} {event.item or ''} %p%".strip())
        self.status.setText(f"{phase} {event.item or ''}".strip() + (f" → {row}"))


def _post(context: TaskContext, event: ProgressEvent) -> None:
    final = event.total is not None and event.done >= event.total
    context.post(event, (event.dest, event.phase, event.item), final=final)

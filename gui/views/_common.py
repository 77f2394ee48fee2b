"""Small helpers the views share: run a core call through the runner with busy state and
error dialogs, and build simple labelled rows, form dialogs and path fields."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Literal

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLayout,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QWidget,
)

from ..tasks import ErrorText, TaskHandle, TaskRunner, WorkFunction, show_error

if TYPE_CHECKING:
    from keyvault.backup.engine import ProgressEvent

__all__ = [
    "ask",
    "attention_style",
    "desktop_hints",
    "form_dialog",
    "heading",
    "note",
    "ok_cancel_buttons",
    "path_row",
    "row_table",
    "run_task",
    "show_progress",
]


def run_task(
    runner: TaskRunner,
    parent: QWidget,
    name: str,
    work: WorkFunction,
    on_success: Callable[[Any], None],
    *,
    busy: Sequence[QWidget] = (),
    queue: str | None = None,
    on_error: Callable[[ErrorText], None] | None = None,
    on_progress: Callable[[str, int, int], None] | None = None,
    on_cancel: Callable[[], None] | None = None,
    on_event: Callable[[Any], None] | None = None,
) -> TaskHandle:
    """Submit ``work``; disable ``busy`` widgets until it ends; errors become a dialog."""
    for widget in busy:
        widget.setEnabled(False)

    def failed(error: ErrorText) -> None:
        if on_error is not None:
            on_error(error)
        show_error(parent, error)

    handle = runner.submit(
        name,
        work,
        queue=queue,
        on_success=on_success,
        on_error=failed,
        on_progress=on_progress,
        on_cancel=on_cancel,
        on_event=on_event,
    )

    def restore() -> None:
        for widget in busy:
            widget.setEnabled(True)

    handle.finished.connect(restore)
    return handle


def show_progress(bar: QProgressBar, event: ProgressEvent) -> None:
    """Show ``event``'s bytes done out of total on ``bar``; busy when the total is unknown."""
    if event.total is None or event.total <= 0:
        bar.setRange(0, 0)  # busy indicator
    else:
        # QProgressBar counts in int; scale bytes to permille to stay within range.
        bar.setRange(0, 1000)
        bar.setValue(min(1000, event.done * 1000 // event.total))


def heading(text: str, parent: QWidget | None = None) -> QLabel:
    """A bold section heading."""
    label = QLabel(text, parent)
    font = label.font()
    font.setBold(True)
    font.setPointSizeF(font.pointSizeF() * 1.25)
    label.setFont(font)
    return label


def note(text: str, parent: QWidget | None = None) -> QLabel:
    """A wrapped explanatory paragraph."""
    label = QLabel(text, parent)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)
    return label


def attention_style(severe: bool) -> str:
    """The style sheet of a label that needs the owner's attention: red for something
    wrong now (``severe``), amber for a warning. It sets its own text colour too, so the
    text stays readable on the light background in dark mode as well."""
    background = "#fdecea" if severe else "#fff4e5"
    return f"background: {background}; color: #202020; padding: 8px; border-radius: 4px;"


#: The CLI commands that engine messages point to -> the button of the "Back up and
#: verify" screen that runs the same engine call.
_BUTTONS = {"backup": "Back up now", "verify": "Verify copies", "repair": "Repair"}
#: "run 'keyvault repair'", "Run 'keyvault backup'", "see 'keyvault verify'", "run
#: 'keyvault verify --dest usb'", or the quoted command alone ("'keyvault repair' to ...");
#: "'keyvault paper kit'" (the Print screen); and what follows "'keyvault backup'" that the
#: button's own words would garble: " now" ("click Back up now now") and " to a
#: destination" ("click Back up now to a destination": a button is not clicked to a place).
_CLI_HINT = re.compile(
    r"(?:\b(run|Run|see) )?'keyvault (backup|verify|repair|paper kit)(?: --dest [^']*)?'"
    r"( now\b| to a destination\b)?"
)
#: Those words after "'keyvault backup'" -> what follows "click Back up now" instead.
_AFTER_BACKUP = {" now": "", " to a destination": " with a destination connected"}


def desktop_hints(text: str) -> str:
    """``text`` (an engine message shown word for word) with each advice to run
    ``keyvault backup``, ``verify`` or ``repair`` turned into the button that does the
    same: "run 'keyvault repair'" and "see 'keyvault verify'" read "click Repair" and
    "click Verify copies"; "Run 'keyvault backup' to a destination" reads "Click Back up
    now with a destination connected" (the button backs up to every connected one), and
    "('keyvault paper kit')" "(on the Print screen)". ``--dest NAME`` is dropped (the
    button checks every destination); other commands are left as they are."""

    def click(match: re.Match[str]) -> str:
        said, command, after = match.group(1), match.group(2), match.group(3) or ""
        if command == "paper kit":
            hint = "open the Print screen" if said else "on the Print screen"
        else:
            if command == "backup":
                after = _AFTER_BACKUP.get(after, after)
            hint = f"click {_BUTTONS[command]}{after}"
        return hint[0].upper() + hint[1:] if said == "Run" else hint

    return _CLI_HINT.sub(click, text)


def ask(parent: QWidget, title: str, text: str, on_yes: Callable[[], None]) -> QMessageBox:
    """A non-blocking Yes/No question; ``on_yes`` runs when the user says yes."""
    box = QMessageBox(
        QMessageBox.Icon.Question,
        title,
        text,
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        parent,
    )
    box.setObjectName("question")
    box.setDefaultButton(QMessageBox.StandardButton.No)

    def clicked(button: object) -> None:
        if box.standardButton(button) == QMessageBox.StandardButton.Yes:  # type: ignore[arg-type]
            on_yes()

    box.buttonClicked.connect(clicked)
    box.open()
    return box


def ok_cancel_buttons(dialog: QDialog) -> QDialogButtonBox:
    """An OK/Cancel button box wired to ``dialog``'s accept and reject."""
    buttons = QDialogButtonBox(
        QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, dialog
    )
    buttons.accepted.connect(dialog.accept)
    buttons.rejected.connect(dialog.reject)
    return buttons


def form_dialog(dialog: QDialog, intro: str, rows: Sequence[tuple[str, QWidget | QLayout]]) -> None:
    """Lay ``dialog`` out as a form: ``intro`` as a note, one row per (label, field) (an
    empty label for a check box that names itself), then OK and Cancel. The fields are
    created before this call, so the keyboard goes through them in order, then the buttons."""
    buttons = ok_cancel_buttons(dialog)
    form = QFormLayout(dialog)
    form.addRow(note(intro, dialog))
    for label, field in rows:
        form.addRow(label, field)
    form.addRow(buttons)


#: What a path field's button asks for: a folder, a file to read, or a new file's name.
PathKind = Literal["folder", "open", "save"]


def path_row(
    parent: QWidget, edit: QLineEdit, title: str, kind: PathKind, button: str = "Choose…"
) -> QHBoxLayout:
    """``edit`` with a button beside it that opens the file dialog for ``kind`` (titled
    ``title``) and puts the path chosen there into ``edit``. Call it right after making
    ``edit``, so the keyboard reaches the button next."""
    browse = QPushButton(button, parent)

    def choose() -> None:
        if kind == "folder":
            name = QFileDialog.getExistingDirectory(parent, title)
        elif kind == "open":
            name, _filter = QFileDialog.getOpenFileName(parent, title)
        else:
            name, _filter = QFileDialog.getSaveFileName(parent, title)
        if name:
            edit.setText(name)

    browse.clicked.connect(choose)
    row = QHBoxLayout()
    row.addWidget(edit, 1)
    row.addWidget(browse)
    return row


def row_table(parent: QWidget, headers: list[str], stretch: int) -> QTableWidget:
    """A read-only table selected one whole row at a time; column ``stretch`` takes the
    spare width."""
    table = QTableWidget(0, len(headers), parent)
    table.setHorizontalHeaderLabels(headers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.horizontalHeader().setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
    table.verticalHeader().setVisible(False)
    return table

"""Fields for secrets: masked by default, with a reveal toggle and an explicit copy button.

:class:`SecretField` is for typing a secret (a passphrase, a phrase, a share);
:class:`SecretView` shows one the core produced (a new phrase, a share). Neither ever
puts its content into a signal, a tooltip, an accessible description or a setting: the
content leaves only through :meth:`SecretField.secret` / the copy button, as a
:class:`~keyvault.secret.Secret`. Qt's password echo mode already refuses copy, cut and
drag of the masked text.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSizePolicy,
    QToolButton,
    QWidget,
)

from keyvault.secret import Secret

from .clipboard import SecretClipboard, shared_clipboard

__all__ = ["SecretField", "SecretView"]

_MASK = "\u2022" * 12


def _buddy_text(field: QWidget) -> str:
    """The text of the label whose buddy is ``field`` (form rows set it), '' when none."""
    window = field.window()
    for label in window.findChildren(QLabel):
        if label.buddy() is field:
            return label.text().replace("&", "").rstrip(":").strip()
    return ""


def _reveal_copy_row(
    owner: QWidget,
    content: QWidget,
    *,
    reveal_tip: str | None,
    on_reveal: Callable[[bool], None],
    on_copy: Callable[[], None] | None,
) -> tuple[QToolButton, QToolButton | None]:
    """Lay out ``content`` with a checkable "Show" button and, when ``on_copy`` is given,
    a "Copy" button; return the two buttons."""
    reveal_button = QToolButton(owner)
    reveal_button.setText("Show")
    reveal_button.setCheckable(True)
    if reveal_tip is not None:
        reveal_button.setToolTip(reveal_tip)
    reveal_button.toggled.connect(on_reveal)
    layout = QHBoxLayout(owner)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.addWidget(content, 1)
    layout.addWidget(reveal_button)
    copy_button: QToolButton | None = None
    if on_copy is not None:
        copy_button = QToolButton(owner)
        copy_button.setText("Copy")
        copy_button.setToolTip("Copy; the clipboard is cleared after 30 seconds")
        copy_button.clicked.connect(on_copy)
        layout.addWidget(copy_button)
    return reveal_button, copy_button


def _show_reveal_state(reveal_button: QToolButton, revealed: bool) -> None:
    """Label the reveal button for ``revealed`` and keep its checked state in step."""
    reveal_button.setText("Hide" if revealed else "Show")
    if reveal_button.isChecked() != revealed:
        reveal_button.setChecked(revealed)


class SecretField(QWidget):
    """A masked line edit with a "Show" toggle (and, optionally, a copy button)."""

    #: Emitted when the text changes; it carries no text (read it with :meth:`secret`).
    changed = Signal()
    #: Emitted when the user presses Enter.
    submitted = Signal()

    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        placeholder: str = "",
        copyable: bool = False,
        clipboard: SecretClipboard | None = None,
    ) -> None:
        super().__init__(parent)
        self._clipboard = clipboard
        self.edit = QLineEdit(self)
        self.edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.edit.setPlaceholderText(placeholder)
        # Screen readers name the field by its placeholder until a label names it (showEvent).
        self.edit.setAccessibleName(placeholder)
        # Keep the text out of input-method prediction and history where the platform allows.
        self.edit.setInputMethodHints(
            Qt.InputMethodHint.ImhHiddenText
            | Qt.InputMethodHint.ImhSensitiveData
            | Qt.InputMethodHint.ImhNoPredictiveText
        )
        self.edit.textChanged.connect(lambda _text: self.changed.emit())
        self.edit.returnPressed.connect(self.submitted)
        self.reveal_button, self.copy_button = _reveal_copy_row(
            self,
            self.edit,
            reveal_tip="Show or hide what is typed",
            on_reveal=self.set_revealed,
            on_copy=self.copy_to_clipboard if copyable else None,
        )
        self.setFocusProxy(self.edit)

    def showEvent(self, event: QShowEvent) -> None:
        """Name the text field for screen readers after this field's own accessible name or
        the label that names it (a form label whose buddy it is), when there is one."""
        name = self.accessibleName() or _buddy_text(self)
        if name:
            self.edit.setAccessibleName(name)
        super().showEvent(event)

    def set_revealed(self, revealed: bool) -> None:
        """Show the text in clear (True) or masked (False)."""
        self.edit.setEchoMode(
            QLineEdit.EchoMode.Normal if revealed else QLineEdit.EchoMode.Password
        )
        _show_reveal_state(self.reveal_button, revealed)

    @property
    def revealed(self) -> bool:
        """True while the text is shown in clear."""
        return self.edit.echoMode() == QLineEdit.EchoMode.Normal

    def secret(self, label: str = "secret") -> Secret:
        """The typed text as a :class:`Secret`."""
        return Secret(self.edit.text(), label=label)

    def is_empty(self) -> bool:
        """True when nothing (or only whitespace) is typed."""
        return not self.edit.text().strip()

    def set_secret(self, secret: Secret) -> None:
        """Replace the text (e.g. after a suggestion is accepted)."""
        self.edit.setText(secret.reveal_text())

    def clear(self) -> None:
        """Forget the text and mask the field again."""
        self.edit.clear()
        self.set_revealed(False)

    def copy_to_clipboard(self) -> None:
        """Copy the text; it is cleared from the clipboard after 30 seconds."""
        if not self.is_empty():
            (self._clipboard or shared_clipboard()).copy(self.secret())


class SecretView(QWidget):
    """Shows a secret the core produced: masked until "Show", copy on request only."""

    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        copyable: bool = True,
        clipboard: SecretClipboard | None = None,
    ) -> None:
        super().__init__(parent)
        self._secret: Secret | None = None
        self._clipboard = clipboard
        self.label = QLabel(self)
        self.label.setWordWrap(True)
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        # Selectable only while revealed (see set_revealed), never while masked.
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
        self.label.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.reveal_button, self.copy_button = _reveal_copy_row(
            self,
            self.label,
            reveal_tip=None,
            on_reveal=self.set_revealed,
            on_copy=self.copy_to_clipboard if copyable else None,
        )
        self.set_secret(None)

    def set_secret(self, secret: Secret | None) -> None:
        """Show ``secret`` (masked unless revealed); None empties the view."""
        if self._secret is not None and self._secret is not secret:
            self._secret.wipe()
        self._secret = secret
        self.reveal_button.setEnabled(secret is not None)
        if self.copy_button is not None:
            self.copy_button.setEnabled(secret is not None)
        self.set_revealed(False)

    def secret(self) -> Secret | None:
        """The secret shown, if any."""
        return self._secret

    def set_revealed(self, revealed: bool) -> None:
        """Show the secret in clear (True) or masked (False)."""
        revealed = revealed and self._secret is not None
        if self._secret is None:
            self.label.setText("")
        elif revealed:
            self.label.setText(self._secret.reveal_text())
        else:
            self.label.setText(_MASK)
        self.label.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
            if revealed
            else Qt.TextInteractionFlag.NoTextInteraction
        )
        _show_reveal_state(self.reveal_button, revealed)

    @property
    def revealed(self) -> bool:
        """True while the secret is shown in clear."""
        return self.reveal_button.isChecked()

    def copy_to_clipboard(self) -> None:
        """Copy the secret; it is cleared from the clipboard after 30 seconds."""
        if self._secret is not None:
            (self._clipboard or shared_clipboard()).copy(self._secret)

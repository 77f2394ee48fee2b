"""The "Check" tab: live validation of a BIP39 phrase while it is typed.

Each edit (after a short pause) sends the phrase to :func:`keyvault.seedphrase.bip39.check`
on the worker pool; only the newest answer is shown. A wrong word shows its position and
the core's suggestions (click one to put it in place); an Electrum seed is named as such
(it is not BIP39, and not a mistake); a valid phrase shows its word count, language and
the 4-letter prefixes that identify each word (masked like the phrase itself, for metal
plates).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from keyvault.errors import InvalidMnemonicError, KeyvaultError
from keyvault.secret import Secret
from keyvault.seedphrase import bip39, electrum
from keyvault.vault import identities

from ..tasks import TaskContext, TaskRunner
from ..widgets.secret_field import SecretField, SecretView
from ._common import note

__all__ = ["CheckOutcome", "PhraseCheckTab", "check_phrase", "guard_label", "guard_line"]

#: Pause after the last keystroke before checking (ms).
DEBOUNCE_MS = 250
#: Suggestions shown as buttons (a "?" can have 128 completions; the rest are counted).
MAX_SUGGESTION_BUTTONS = 8


@dataclass(frozen=True)
class CheckOutcome:
    """What the check said, ready for display (the phrase itself is not in it)."""

    ok: bool
    message: str
    hint: str | None = None
    position: int | None = None
    suggestions: tuple[str, ...] = ()
    prefixes: Secret | None = None
    #: The phrase guard's line (no BIP39 passphrase): which recorded wallet it opens.
    guard: str | None = None


def check_phrase(phrase: Secret, language: str | None, home: Path | None = None) -> CheckOutcome:
    """Run the core check and turn its answer (or its error) into a :class:`CheckOutcome`;
    with ``home``, a valid phrase is also compared with the recorded wallets."""
    try:
        checked = bip39.check(phrase, language)
    except InvalidMnemonicError as exc:
        kind = electrum.kind(phrase)
        if kind is not None:
            return CheckOutcome(
                ok=True,
                message=f"this is an {electrum.describe(kind)}, not BIP39: restore it in "
                "Electrum, or inspect it here",
                hint=f"if the words came from a BIP39 wallet instead, a word is wrong "
                f"({exc.message})",
            )
        return CheckOutcome(
            ok=False,
            message=exc.message,
            hint=exc.hint,
            position=exc.position,
            suggestions=tuple(exc.suggestions),
        )
    words = checked.words.reveal_text().split(bip39.separator(checked.language))
    prefixes = Secret(" ".join(bip39.prefix4(w) for w in words), label="prefixes")
    return CheckOutcome(
        ok=True,
        message=f"valid: {checked.word_count} {checked.language.replace('_', ' ')} words",
        prefixes=prefixes,
        guard=_guard_without_passphrase(home, checked),
    )


def guard_line(
    home: Path | None, phrase: bip39.Phrase | Secret, passphrase: Secret | None = None
) -> str | None:
    """The phrase guard's line (as the CLI prints it): which recorded wallet the phrase
    (with ``passphrase``) opens; None without ``home``; damaged records say so instead of
    failing the check. Runs on the pool."""
    if home is None:
        return None
    try:
        return identities.check_phrase(home, phrase, passphrase).line
    except KeyvaultError as exc:
        return f"cannot compare with your recorded wallets: {exc.message}"


def _guard_without_passphrase(home: Path | None, phrase: bip39.Phrase) -> str | None:
    line = guard_line(home, phrase)
    if line == identities.NO_MATCH:
        # Here no passphrase was typed: a wallet with one is checked in the Inspect tab.
        return f"{line} (without a BIP39 passphrase; with one, use Inspect)"
    return line


def guard_label(parent: QWidget) -> QLabel:
    """The label that shows :func:`guard_line`."""
    label = QLabel(parent)
    label.setObjectName("phraseGuard")
    label.setWordWrap(True)
    return label


class PhraseCheckTab(QWidget):
    """Type a phrase; see at once whether it is valid, and which word is wrong."""

    def __init__(
        self, runner: TaskRunner, parent: QWidget | None = None, home: Path | None = None
    ) -> None:
        super().__init__(parent)
        self._runner = runner
        self._home = home
        self.phrase = SecretField(self, placeholder="type or paste the words, separated by spaces")
        self.language = QComboBox(self)
        self.language.addItem("detect", None)
        for name in bip39.LANGUAGES:
            self.language.addItem(name.replace("_", " "), name)
        self.status = QLabel(self)
        self.status.setObjectName("checkStatus")
        self.status.setWordWrap(True)
        self.position = QLabel(self)
        self.position.setObjectName("checkPosition")
        self.hint = QLabel(self)
        self.hint.setWordWrap(True)
        self.guard = guard_label(self)
        self.suggestion_row = QHBoxLayout()
        self.suggestion_buttons: list[QToolButton] = []
        self.more_suggestions = QLabel(self)
        self.prefixes = SecretView(self, copyable=False)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DEBOUNCE_MS)
        self._timer.timeout.connect(self.check_now)
        self.phrase.changed.connect(self._timer.start)
        self.language.currentIndexChanged.connect(lambda _i: self._timer.start())
        self.outcome: CheckOutcome | None = None

        form = QFormLayout()
        form.addRow("Phrase", self.phrase)
        form.addRow("Language", self.language)
        form.addRow("Result", self.status)
        form.addRow("Word", self.position)
        suggestions = QWidget(self)
        row = QHBoxLayout(suggestions)
        row.setContentsMargins(0, 0, 0, 0)
        row.addLayout(self.suggestion_row)
        row.addWidget(self.more_suggestions)
        row.addStretch(1)
        form.addRow("Did you mean", suggestions)
        form.addRow("", self.hint)
        form.addRow("4-letter prefixes", self.prefixes)
        form.addRow("Your wallets", self.guard)
        layout = QVBoxLayout(self)
        layout.addWidget(
            note(
                "Checks the words and the checksum while you type. Nothing is saved. "
                "Type ? in place of a word you cannot read to list the words that fit.",
                self,
            )
        )
        layout.addLayout(form)
        layout.addStretch(1)
        self._show(None)

    def check_now(self) -> None:
        """Check the current text (the debounce timer calls this)."""
        self._timer.stop()
        if self.phrase.is_empty():
            self._show(None)
            return
        secret = self.phrase.secret("phrase")
        language = self.language.currentData()
        home = self._home

        def work(context: TaskContext) -> CheckOutcome:
            return check_phrase(secret, language, home)

        self._runner.submit_latest("check-phrase", work, self._show)

    def _show(self, outcome: CheckOutcome | None) -> None:
        self.outcome = outcome
        for button in self.suggestion_buttons:
            self.suggestion_row.removeWidget(button)
            button.deleteLater()
        self.suggestion_buttons = []
        self.more_suggestions.setText("")
        if outcome is None:
            self.status.setText("")
            self.position.setText("")
            self.hint.setText("")
            self.guard.setText("")
            self.prefixes.set_secret(None)
            return
        color = "#2e7d32" if outcome.ok else "#c62828"
        self.status.setStyleSheet(f"color: {color}; font-weight: bold;")
        self.status.setText(outcome.message)
        self.position.setText(
            f"word {outcome.position} of the phrase" if outcome.position is not None else ""
        )
        self.hint.setText(f"hint: {outcome.hint}" if outcome.hint else "")
        self.prefixes.set_secret(outcome.prefixes)
        self.guard.setText(outcome.guard or "")
        for word in outcome.suggestions[:MAX_SUGGESTION_BUTTONS]:
            button = QToolButton(self)
            button.setText(word)
            button.setToolTip(f"put {word!r} in place of word {outcome.position}")
            button.setEnabled(outcome.position is not None)
            button.clicked.connect(lambda _checked=False, w=word: self.use_suggestion(w))
            self.suggestion_row.addWidget(button)
            self.suggestion_buttons.append(button)
        extra = len(outcome.suggestions) - MAX_SUGGESTION_BUTTONS
        if extra > 0:
            self.more_suggestions.setText(f"and {extra} more")

    def use_suggestion(self, word: str) -> None:
        """Put ``word`` at the position the last check pointed to."""
        if self.outcome is None or self.outcome.position is None:
            return
        tokens = self.phrase.edit.text().split()
        index = self.outcome.position - 1
        if index < len(tokens):
            tokens[index] = word
        else:
            tokens.append(word)
        self.phrase.set_secret(Secret(" ".join(tokens), label="phrase"))

"""The first-run wizard: create the vault (or bring an existing one to this computer).

Create: passphrase twice with a live strength meter -> the vault key is made
(:func:`keyvault.vault.keystore.create_vault`) -> its 24-word recovery phrase is shown,
hidden until asked for -> three random words are asked back -> offer to print the kit.

Import: the 24 words (:func:`keyvault.crypto.vaultkey.identity_from_words`) or an age key
file (:func:`keyvault.crypto.keys.parse_identity_file`) -> a new passphrase for this
computer -> :func:`keyvault.vault.keystore.install_vault_key`.

Every core call runs on the worker pool. The passphrase page is a commit page: once the
vault exists, Back cannot create a second one.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from keyvault.crypto import X25519Identity
from keyvault.crypto.keys import parse_identity_file
from keyvault.crypto.scrypt import DEFAULT_WORK_FACTOR
from keyvault.crypto.vaultkey import identity_from_words, identity_to_words
from keyvault.errors import InvalidKeyError, NotFoundError
from keyvault.secret import Secret
from keyvault.vault import keystore
from keyvault.vault.passphrase_strength import (
    PassphraseStrength,
    check_passphrase,
    estimate_strength,
)

from ..tasks import ErrorText, TaskContext, TaskRunner, show_error
from ..widgets.secret_field import SecretField
from ..widgets.strength_meter import StrengthMeter
from ..widgets.word_grid import WordGrid
from ._common import note, path_row

__all__ = ["VaultWizard"]

START, IMPORT, PASSPHRASE, WORDS, CONFIRM, DONE = range(6)
#: How many of the 24 words the user is asked to type back.
CONFIRM_WORDS = 3


@dataclass(frozen=True)
class _Created:
    vault_id: str
    words: Secret | None  # None when an existing key was imported


class StartPage(QWizardPage):
    """Create a new vault, or use an existing one on this computer."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTitle("Welcome to keyvault")
        self.setSubTitle("keyvault keeps your keys and wallet files from being lost.")
        self.create_radio = QRadioButton("Create a new vault (first time)", self)
        self.import_radio = QRadioButton(
            "I already have a vault: use its 24 words or its key file", self
        )
        self.heir_radio = QRadioButton(
            "I am recovering someone's keys: I have their recovery kit", self
        )
        self.heir_radio.toggled.connect(self.completeChanged)
        self.create_radio.setChecked(True)
        layout = QVBoxLayout(self)
        layout.addWidget(
            note(
                "The vault key encrypts every backup. It is protected by a passphrase "
                "on this computer, and can always be restored from 24 words you write "
                "down on paper.",
                self,
            )
        )
        layout.addWidget(self.create_radio)
        layout.addWidget(self.import_radio)
        layout.addWidget(self.heir_radio)
        layout.addStretch(1)

    def nextId(self) -> int:
        if self.heir_radio.isChecked():
            return -1  # no vault of one's own: Finish goes to the heir's recovery
        return IMPORT if self.import_radio.isChecked() else PASSPHRASE


class ImportPage(QWizardPage):
    """The existing vault key: its 24 words, or an age key file."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTitle("Use an existing vault key")
        self.words = SecretField(self, placeholder="the vault's 24 recovery words")
        self.key_file = QLineEdit(self)
        self.key_file.setAccessibleName("Age key file")
        self.key_file.setPlaceholderText("or an age key file (AGE-SECRET-KEY-1...)")
        row = path_row(self, self.key_file, "The vault key file", "open", "Browse…")
        form = QFormLayout(self)
        form.addRow(
            note(
                "To recover backups from a drive or B2 on a new computer, use Restore "
                "after this step.",
                self,
            )
        )
        form.addRow("24 words", self.words)
        form.addRow("Key file", row)
        self.words.changed.connect(self.completeChanged)
        self.key_file.textChanged.connect(lambda _t: self.completeChanged.emit())

    def isComplete(self) -> bool:
        return not self.words.is_empty() or bool(self.key_file.text().strip())

    def nextId(self) -> int:
        return PASSPHRASE


def _read_identity(words: Secret | None, key_file: str) -> X25519Identity:
    """The vault key from its words or a key file (core parsers; runs on the pool)."""
    if words is not None:
        return identity_from_words(words)
    path = Path(key_file).expanduser()
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise NotFoundError(f"no such file: {path}") from None
    except OSError as exc:
        raise NotFoundError(f"cannot read {path}: {exc.strerror}") from None
    identities = parse_identity_file(Secret(data, label="key file"))
    if len(identities) != 1:
        raise InvalidKeyError("the key file must hold exactly one age identity")
    return identities[0]


class PassphrasePage(QWizardPage):
    """The vault passphrase, twice, with a strength meter; Next makes the vault."""

    def __init__(self, wizard: VaultWizard) -> None:
        super().__init__(wizard)
        self._wizard = wizard
        self.setTitle("Choose the vault passphrase")
        self.setSubTitle("It unlocks the vault key on this computer. Five random words work well.")
        self.setCommitPage(True)
        self.setButtonText(QWizard.WizardButton.CommitButton, "Create")
        self.first = SecretField(self, placeholder="passphrase")
        self.second = SecretField(self, placeholder="the same passphrase again")
        self.meter = StrengthMeter(self)
        self.status = QLabel(self)
        self.status.setObjectName("passphraseStatus")
        self.status.setWordWrap(True)
        form = QFormLayout(self)
        form.addRow("Passphrase", self.first)
        form.addRow("Again", self.second)
        form.addRow("Strength", self.meter)
        form.addRow("", self.status)
        self.first.changed.connect(self._estimate)
        self.first.changed.connect(self.completeChanged)
        self.second.changed.connect(self.completeChanged)
        self.created: _Created | None = None
        self._running = False

    def initializePage(self) -> None:
        importing = self._wizard.start_page.import_radio.isChecked()
        self.setButtonText(
            QWizard.WizardButton.CommitButton, "Use this key" if importing else "Create"
        )

    def _estimate(self) -> None:
        if self.first.is_empty():
            self.meter.clear()
            return
        secret = self.first.secret("passphrase")

        def work(context: TaskContext) -> PassphraseStrength:
            return estimate_strength(secret)

        def show(strength: PassphraseStrength) -> None:
            self.meter.show_strength(strength.bits, strength.ok, strength.hint)

        self._wizard.runner.submit_latest("passphrase-strength", work, show)

    def isComplete(self) -> bool:
        return not self._running and not self.first.is_empty() and not self.second.is_empty()

    def validatePage(self) -> bool:
        if self.created is not None:
            return True
        if self._running:
            return False
        first, second = self.first.secret("passphrase"), self.second.secret("passphrase")
        if not first.equals(second):
            self.status.setText("the two passphrases differ")
            return False
        self.status.setText("creating the vault key…")
        self._running = True
        self.completeChanged.emit()
        wizard = self._wizard
        importing = wizard.start_page.import_radio.isChecked()
        words = None if wizard.import_page.words.is_empty() else wizard.import_page.words.secret()
        key_file = wizard.import_page.key_file.text().strip()
        home, work_factor = wizard.home, wizard.work_factor

        def work(context: TaskContext) -> _Created:
            check_passphrase(first)
            if importing:
                identity = _read_identity(words, key_file)
                section = keystore.install_vault_key(home, identity, first, work_factor=work_factor)
                return _Created(section.id, None)
            section, identity = keystore.create_vault(home, first, work_factor=work_factor)
            return _Created(section.id, identity_to_words(identity))

        wizard.runner.submit(
            "create-vault", work, on_success=self._created_ok, on_error=self._failed
        )
        return False

    def _created_ok(self, created: _Created) -> None:
        self._running = False
        self.created = created
        self.status.setText("")
        self.first.clear()
        self.second.clear()
        self._wizard.vault_ready.emit()
        self._wizard.next()

    def _failed(self, error: ErrorText) -> None:
        self._running = False
        self.status.setText(error.message + (f"\nhint: {error.hint}" if error.hint else ""))
        self.completeChanged.emit()
        show_error(self, error)

    def nextId(self) -> int:
        return DONE if self._wizard.start_page.import_radio.isChecked() else WORDS


class WordsPage(QWizardPage):
    """The 24 words of the vault key, to write down."""

    def __init__(self, wizard: VaultWizard) -> None:
        super().__init__(wizard)
        self._wizard = wizard
        self.setTitle("Write down your vault recovery phrase")
        self.setSubTitle(
            "With these 24 words anyone can open your backups. Write them on paper, in "
            "order; never photograph or type them into another computer."
        )
        self.grid = WordGrid(self)
        self.written = QCheckBox("I have written the 24 words down, in order", self)
        self.written.toggled.connect(lambda _on: self.completeChanged.emit())
        layout = QVBoxLayout(self)
        layout.addWidget(self.grid, 1)
        layout.addWidget(self.written)

    def initializePage(self) -> None:
        created = self._wizard.passphrase_page.created
        self.grid.set_words(created.words if created is not None else None)
        self.written.setChecked(False)

    def isComplete(self) -> bool:
        return self.written.isChecked()

    def nextId(self) -> int:
        return CONFIRM


class ConfirmPage(QWizardPage):
    """Three words, chosen at random, typed back from the paper."""

    def __init__(self, wizard: VaultWizard) -> None:
        super().__init__(wizard)
        self._wizard = wizard
        self.setTitle("Check what you wrote down")
        self.setSubTitle("Type these words from your paper copy.")
        self.form = QFormLayout()
        self.fields: list[SecretField] = []
        self.labels: list[QLabel] = []
        for _ in range(CONFIRM_WORDS):
            label = QLabel(self)
            field = SecretField(self, placeholder="the word at this position")
            field.set_revealed(True)  # one word at a time is fine to see while typing
            field.changed.connect(self.completeChanged)
            self.form.addRow(label, field)
            self.fields.append(field)
            self.labels.append(label)
        self.status = QLabel(self)
        self.status.setObjectName("confirmStatus")
        self.status.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addWidget(self.status)
        layout.addStretch(1)
        self.positions: list[int] = []

    def initializePage(self) -> None:
        created = self._wizard.passphrase_page.created
        count = len(created.words.reveal_text().split()) if created and created.words else 24
        chooser = secrets.SystemRandom()
        self.positions = sorted(chooser.sample(range(1, count + 1), CONFIRM_WORDS))
        for label, field, position in zip(self.labels, self.fields, self.positions, strict=True):
            label.setText(f"Word {position}")
            field.edit.setAccessibleName(f"Word {position}")
            field.clear()
            field.set_revealed(True)
        self.status.setText("")

    def isComplete(self) -> bool:
        return all(not f.is_empty() for f in self.fields)

    def validatePage(self) -> bool:
        created = self._wizard.passphrase_page.created
        if created is None or created.words is None:
            return True
        words = created.words.reveal_text().split()
        wrong = []
        for field, position in zip(self.fields, self.positions, strict=True):
            typed = field.secret().reveal_text().strip().lower().encode()
            if not hmac.compare_digest(typed, words[position - 1].encode()):
                wrong.append(position)
        if wrong:
            listed = ", ".join(str(p) for p in wrong)
            self.status.setText(
                f"word {listed} does not match: press Back and compare your paper with the "
                "words shown"
                if len(wrong) == 1
                else f"words {listed} do not match: press Back and compare your paper with "
                "the words shown"
            )
            return False
        return True

    def nextId(self) -> int:
        return DONE


class DonePage(QWizardPage):
    """The vault is ready; offer to print the recovery kit."""

    def __init__(self, wizard: VaultWizard) -> None:
        super().__init__(wizard)
        self.setTitle("Your vault is ready")
        self.print_kit = QCheckBox("Open the recovery kit for printing now", self)
        self.print_kit.setChecked(True)
        layout = QVBoxLayout(self)
        layout.addWidget(
            note(
                "Next: add the files and phrases to protect, then at least two backup "
                "destinations, one of them away from home. The overview shows when "
                "everything is safe.",
                self,
            )
        )
        layout.addWidget(self.print_kit)
        layout.addStretch(1)

    def nextId(self) -> int:
        return -1


class VaultWizard(QWizard):
    """The first-run wizard. ``vault_ready`` fires once the vault key exists."""

    vault_ready = Signal()
    #: Emitted on Finish when the user wants the recovery kit printed.
    print_kit_requested = Signal()
    #: Emitted on Finish when the user is an heir recovering someone's keys (no vault).
    heir_requested = Signal()

    def __init__(
        self,
        home: Path,
        runner: TaskRunner,
        parent: QWidget | None = None,
        *,
        work_factor: int = DEFAULT_WORK_FACTOR,
    ) -> None:
        super().__init__(parent)
        self.home = home
        self.runner = runner
        self.work_factor = work_factor
        self.setWindowTitle("keyvault: set up")
        self.setObjectName("vaultWizard")
        self.setOption(QWizard.WizardOption.NoBackButtonOnStartPage, True)
        self.start_page = StartPage(self)
        self.import_page = ImportPage(self)
        self.passphrase_page = PassphrasePage(self)
        self.words_page = WordsPage(self)
        self.confirm_page = ConfirmPage(self)
        self.done_page = DonePage(self)
        self.setPage(START, self.start_page)
        self.setPage(IMPORT, self.import_page)
        self.setPage(PASSPHRASE, self.passphrase_page)
        self.setPage(WORDS, self.words_page)
        self.setPage(CONFIRM, self.confirm_page)
        self.setPage(DONE, self.done_page)
        self.setStartId(START)
        self.resize(720, 560)
        self.finished.connect(self._forget_secrets)

    def accept(self) -> None:
        """Finish: forget the words; ask for the kit to be printed if wanted."""
        wants_kit = self.done_page.print_kit.isChecked() and self.currentId() == DONE
        heir = self.currentId() == START and self.start_page.heir_radio.isChecked()
        super().accept()
        if wants_kit:
            self.print_kit_requested.emit()
        if heir:
            self.heir_requested.emit()

    def _forget_secrets(self, _result: int) -> None:
        created = self.passphrase_page.created
        if created is not None and created.words is not None:
            created.words.wipe()
        self.words_page.grid.set_words(None)
        self.import_page.words.clear()

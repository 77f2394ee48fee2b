"""The "Seed phrases" screen: generate, check, inspect, split, combine, scan.

Every computation is a core call on the worker pool (:mod:`keyvault.seedphrase`,
:mod:`keyvault.paper.scan`); phrases and shares are typed into masked fields and shown
masked until the user asks to see them.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from keyvault.seedphrase import bip39, wallet
from keyvault.seedphrase.wallet import WalletInfo

from ..tasks import TaskContext, TaskRunner
from ..widgets.clipboard import shared_clipboard
from ..widgets.secret_field import SecretField
from ..widgets.word_grid import WordGrid
from ._common import heading, note, run_task
from .phrase_check import PhraseCheckTab, guard_label, guard_line
from .qr_scan import QrScanTab
from .seed_formats import Bip85Tab, Codex32Tab, PlateTab, SeedXorTab
from .shares import CombineTab, SplitTab

__all__ = ["GenerateTab", "InspectTab", "SeedPhrasesView"]


def language_combo(parent: QWidget, *, detect: bool = False) -> QComboBox:
    """A combo box of the BIP39 languages (data: the core's language name)."""
    combo = QComboBox(parent)
    if detect:
        combo.addItem("detect", None)
    for name in bip39.LANGUAGES:
        combo.addItem(name.replace("_", " "), name)
    return combo


class GenerateTab(QWidget):
    """Make a new phrase from the OS's randomness, optionally mixed with dice rolls."""

    def __init__(self, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._runner = runner
        self.word_count = QComboBox(self)
        for count in bip39.WORD_COUNTS:
            self.word_count.addItem(f"{count} words", count)
        self.word_count.setCurrentIndex(len(bip39.WORD_COUNTS) - 1)
        self.language = language_combo(self)
        self.dice = SecretField(self, placeholder="optional: dice rolls, e.g. 3 6 1 2 ...")
        self.dice_note = QLabel(self)
        self.dice_note.setWordWrap(True)
        self.generate_button = QPushButton("Generate", self)
        self.generate_button.setDefault(True)
        self.generate_button.clicked.connect(self.generate)
        self.words = WordGrid(self)
        self.copy_button = QPushButton("Copy the words", self)
        self.copy_button.setToolTip("The clipboard is cleared after 30 seconds")
        self.copy_button.setEnabled(False)
        self.copy_button.clicked.connect(self._copy)
        self.word_count.currentIndexChanged.connect(lambda _i: self._update_dice_note())
        form = QFormLayout()
        form.addRow("Length", self.word_count)
        form.addRow("Language", self.language)
        form.addRow("Dice", self.dice)
        form.addRow("", self.dice_note)
        layout = QVBoxLayout(self)
        layout.addWidget(
            note(
                "A new phrase from this computer's randomness. Dice rolls you type are "
                "mixed in: they can add to the randomness, never weaken it.",
                self,
            )
        )
        layout.addLayout(form)
        layout.addWidget(self.generate_button)
        layout.addWidget(self.words, 1)
        layout.addWidget(self.copy_button)
        self._update_dice_note()

    def _update_dice_note(self) -> None:
        count = int(self.word_count.currentData())
        rolls = bip39.DICE_ROLLS_FOR_FULL_STRENGTH[count]
        self.dice_note.setText(f"{rolls} fair rolls alone would give a {count}-word phrase.")

    def generate(self) -> None:
        """Generate a phrase with the chosen settings."""
        count = int(self.word_count.currentData())
        language = str(self.language.currentData())
        dice = None if self.dice.is_empty() else self.dice.secret("dice").reveal_text()

        def work(context: TaskContext) -> object:
            return bip39.generate(count, language, dice=dice)

        def done(phrase: object) -> None:
            self.dice.clear()
            self.words.set_words(phrase)  # type: ignore[arg-type]
            self.copy_button.setEnabled(True)

        run_task(self._runner, self, "generate-phrase", work, done, busy=[self.generate_button])

    def _copy(self) -> None:
        secret = self.words.secret()
        if secret is not None:
            shared_clipboard().copy(secret)


class InspectTab(QWidget):
    """Public facts of the wallet a phrase opens: fingerprint, account key, addresses."""

    def __init__(
        self, runner: TaskRunner, parent: QWidget | None = None, home: Path | None = None
    ) -> None:
        super().__init__(parent)
        self._runner = runner
        self._home = home
        self.phrase = SecretField(self, placeholder="the wallet's words")
        self.passphrase = SecretField(self, placeholder="optional BIP39 passphrase (25th word)")
        self.script = QComboBox(self)
        for script in wallet.SCRIPTS:
            self.script.addItem(script, script)
        self.testnet = QCheckBox("testnet", self)
        self.inspect_button = QPushButton("Inspect", self)
        self.inspect_button.clicked.connect(self.inspect)
        self.fingerprint = QLabel(self)
        self.fingerprint.setObjectName("fingerprint")
        self.path = QLabel(self)
        #: The phrase guard's line: which recorded wallet (if any) this phrase opens.
        self.guard = guard_label(self)
        self.details = QPlainTextEdit(self)
        self.details.setReadOnly(True)
        self.details.setAccessibleName("Wallet details: account key, descriptor, addresses")
        for label in (self.fingerprint, self.path):
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        form = QFormLayout()
        form.addRow("Phrase", self.phrase)
        form.addRow("Passphrase", self.passphrase)
        form.addRow("Script", self.script)
        form.addRow("", self.testnet)
        form.addRow("", self.inspect_button)
        form.addRow("Fingerprint", self.fingerprint)
        form.addRow("Account", self.path)
        form.addRow("Your wallets", self.guard)
        layout = QVBoxLayout(self)
        layout.addWidget(
            note(
                "Shows only public facts: compare the fingerprint with your wallet's to "
                "be sure a phrase (and passphrase) opens the wallet you think it does.",
                self,
            )
        )
        layout.addLayout(form)
        layout.addWidget(self.details, 1)

    def inspect(self) -> None:
        """Inspect the typed phrase."""
        phrase = self.phrase.secret("phrase")
        passphrase = None if self.passphrase.is_empty() else self.passphrase.secret("passphrase")
        script = self.script.currentData()
        testnet = self.testnet.isChecked()

        home = self._home

        def work(context: TaskContext) -> tuple[WalletInfo, str | None]:
            info = wallet.inspect(phrase, passphrase, script=script, testnet=testnet)
            return info, guard_line(home, phrase, passphrase)

        run_task(self._runner, self, "inspect-wallet", work, self._show, busy=[self.inspect_button])

    def _show(self, answer: tuple[WalletInfo, str | None]) -> None:
        info, guard = answer
        self.guard.setText(guard or "")
        self.fingerprint.setText(info.fingerprint)
        self.path.setText(f"{info.derivation_path} ({info.network})")
        lines = [
            "account key:",
            info.account_xpub,
            "",
            "descriptor:",
            info.descriptor,
            "",
            "first receive addresses:",
            *(f"{i}: {a}" for i, a in enumerate(info.addresses)),
        ]
        self.details.setPlainText("\n".join(lines))


class SeedPhrasesView(QWidget):
    """The seed phrase tools, one tab each (``home``: the config dir whose recorded
    wallets the phrase guard compares with; None before a vault exists)."""

    def __init__(
        self, runner: TaskRunner, parent: QWidget | None = None, home: Path | None = None
    ) -> None:
        super().__init__(parent)
        self.tabs = QTabWidget(self)
        self.generate_tab = GenerateTab(runner, self)
        self.check_tab = PhraseCheckTab(runner, self, home)
        self.inspect_tab = InspectTab(runner, self, home)
        self.split_tab = SplitTab(runner, self)
        self.combine_tab = CombineTab(runner, self)
        self.scan_tab = QrScanTab(runner, self)
        self.codex32_tab = Codex32Tab(runner, self)
        self.bip85_tab = Bip85Tab(runner, self)
        self.xor_tab = SeedXorTab(runner, self)
        self.plate_tab = PlateTab(runner, self)
        self.tabs.addTab(self.generate_tab, "Generate")
        self.tabs.addTab(self.check_tab, "Check")
        self.tabs.addTab(self.inspect_tab, "Inspect")
        self.tabs.addTab(self.split_tab, "Split into shares")
        self.tabs.addTab(self.combine_tab, "Combine shares")
        self.tabs.addTab(self.scan_tab, "Scan a QR code")
        self.tabs.addTab(self.codex32_tab, "codex32")
        self.tabs.addTab(self.bip85_tab, "BIP-85 child")
        self.tabs.addTab(self.xor_tab, "Seed XOR")
        self.tabs.addTab(self.plate_tab, "Metal plate")
        layout = QVBoxLayout(self)
        layout.addWidget(heading("Seed phrases", self))
        layout.addWidget(self.tabs, 1)

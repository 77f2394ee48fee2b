"""Seed-format tabs beside the BIP39 ones: codex32, BIP-85 children, Seed XOR, plates.

Each tab is an adapter: the work is a core call (:mod:`keyvault.seedphrase.codex32`,
:mod:`.bip85`, :mod:`.seedxor`, :mod:`.plate`) on the worker pool; secrets are typed into
masked fields and shown in masked views. A core error (with the character or word
position) becomes the usual error dialog, and is also shown in the tab's status line.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from keyvault.secret import Secret
from keyvault.seedphrase import bip39, bip85, codex32, plate, seedxor

from ..tasks import ErrorText, TaskContext, TaskRunner
from ..widgets.secret_field import SecretField, SecretView
from ._common import note, run_task

__all__ = ["Bip85Tab", "Codex32Tab", "PlateTab", "SeedXorTab"]


class _StringsForm(QWidget):
    """A growing list of masked fields, one secret string (share, part) per field."""

    def __init__(self, label: str, placeholder: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._label = label
        self._placeholder = placeholder
        self.fields: list[SecretField] = []
        self.form = QFormLayout()
        self.add_button = QPushButton(f"Add another {label}", self)
        self.add_button.clicked.connect(lambda: self.add_field())
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(self.form)
        layout.addWidget(self.add_button)
        for _ in range(2):
            self.add_field()

    def add_field(self) -> SecretField:
        """Add one more field and return it."""
        field = SecretField(self, placeholder=self._placeholder)
        self.fields.append(field)
        self.form.addRow(f"{self._label.capitalize()} {len(self.fields)}", field)
        return field

    def secrets(self) -> list[Secret]:
        """The non-empty fields' contents."""
        return [f.secret(self._label) for f in self.fields if not f.is_empty()]

    def clear(self) -> None:
        """Empty every field."""
        for field in self.fields:
            field.clear()


class _ResultList(QWidget):
    """Masked results, one labelled view per secret."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.layout_ = QVBoxLayout(self)
        self.layout_.setContentsMargins(0, 0, 0, 0)
        self.views: list[SecretView] = []
        self.labels: list[QLabel] = []

    def show_secrets(self, items: list[tuple[str, Secret]]) -> None:
        """Replace the shown results."""
        for view in self.views:
            view.set_secret(None)
            view.deleteLater()
        for label in self.labels:
            label.deleteLater()
        self.views, self.labels = [], []
        for text, secret in items:
            label = QLabel(text, self)
            view = SecretView(self)
            view.set_secret(secret)
            self.layout_.addWidget(label)
            self.layout_.addWidget(view)
            self.labels.append(label)
            self.views.append(view)


class Codex32Tab(QWidget):
    """Check, combine, split and re-make codex32 (BIP-93) strings."""

    def __init__(self, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._runner = runner
        self.strings = _StringsForm("string", "ms1... (type ? for an unreadable character)", self)
        self.threshold = QSpinBox(self)
        self.threshold.setRange(2, 9)
        self.shares = QSpinBox(self)
        self.shares.setRange(2, len(codex32.SHARE_INDICES))
        self.shares.setValue(3)
        self.check_button = QPushButton("Check", self)
        self.check_button.clicked.connect(self.check)
        self.combine_button = QPushButton("Combine", self)
        self.combine_button.clicked.connect(self.combine)
        self.split_button = QPushButton("Split the secret (string 1)", self)
        self.split_button.clicked.connect(self.split)
        self.status = QLabel(self)
        self.status.setWordWrap(True)
        self.status.setObjectName("codex32Status")
        self.results = _ResultList(self)
        form = QFormLayout()
        form.addRow("Shares needed", self.threshold)
        form.addRow("Shares made", self.shares)
        layout = QVBoxLayout(self)
        layout.addWidget(
            note(
                "codex32 strings carry a BIP32 master seed; their checksum finds wrong "
                "characters by position. Any 'needed' shares give the secret back.",
                self,
            )
        )
        layout.addWidget(self.strings)
        layout.addWidget(self.check_button)
        layout.addWidget(self.combine_button)
        layout.addLayout(form)
        layout.addWidget(self.split_button)
        layout.addWidget(self.status)
        layout.addWidget(self.results, 1)

    def _failed(self, error: ErrorText) -> None:
        self.status.setText(str(error.message))

    def check(self) -> None:
        """Check each typed string; name the wrong positions of the first bad one."""
        strings = self.strings.secrets()

        def work(context: TaskContext) -> list[str]:
            lines = []
            for number, text in enumerate(strings, start=1):
                info = codex32.check(text, number)
                kind = "secret" if info.is_secret else f"share {info.share_index}"
                lines.append(f"string {number}: valid {kind}, identifier {info.identifier}")
            return lines

        run_task(
            self._runner,
            self,
            "codex32-check",
            work,
            lambda lines: self.status.setText("\n".join(lines)),
            busy=[self.check_button],
            on_error=self._failed,
        )

    def combine(self) -> None:
        """Combine the typed shares into the codex32 secret."""
        strings = self.strings.secrets()

        def work(context: TaskContext) -> Secret:
            return codex32.combine(strings)

        def done(secret: Secret) -> None:
            self.status.setText("combined: the codex32 secret")
            self.results.show_secrets([("secret", secret)])
            self.strings.clear()

        run_task(
            self._runner,
            self,
            "codex32-combine",
            work,
            done,
            busy=[self.combine_button],
            on_error=self._failed,
        )

    def split(self) -> None:
        """Split the secret typed as string 1 into shares."""
        strings = self.strings.secrets()
        threshold, count = self.threshold.value(), self.shares.value()

        def work(context: TaskContext) -> list[Secret]:
            if not strings:
                raise ValueError("type the codex32 secret as string 1")
            return codex32.split(codex32.seed(strings[0]), threshold, max(count, threshold))

        def done(shares: list[Secret]) -> None:
            self.status.setText(f"any {threshold} of these {len(shares)} shares")
            self.results.show_secrets(
                [(f"share {codex32.check(s).share_index}", s) for s in shares]
            )
            self.strings.clear()

        run_task(
            self._runner,
            self,
            "codex32-split",
            work,
            done,
            busy=[self.split_button],
            on_error=self._failed,
        )


class Bip85Tab(QWidget):
    """Derive a BIP-85 child (phrase, WIF, xprv, hex, password) from a phrase."""

    def __init__(self, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._runner = runner
        self.phrase = SecretField(self, placeholder="the master phrase")
        self.passphrase = SecretField(self, placeholder="optional BIP39 passphrase")
        self.app = QComboBox(self)
        for name in bip85.APPLICATIONS:
            self.app.addItem(name, name)
        self.words = QComboBox(self)
        for count in bip39.WORD_COUNTS:
            self.words.addItem(f"{count} words", count)
        self.index = QSpinBox(self)
        self.index.setRange(0, 2**31 - 1)
        self.derive_button = QPushButton("Derive", self)
        self.derive_button.clicked.connect(self.derive)
        self.child = SecretView(self)
        self.child.setObjectName("bip85Child")
        form = QFormLayout()
        form.addRow("Phrase", self.phrase)
        form.addRow("Passphrase", self.passphrase)
        form.addRow("Application", self.app)
        form.addRow("Words (bip39)", self.words)
        form.addRow("Index", self.index)
        layout = QVBoxLayout(self)
        layout.addWidget(
            note(
                "A BIP-85 child is derived again from the same phrase and index whenever "
                "needed: it is shown here once and never stored.",
                self,
            )
        )
        layout.addLayout(form)
        layout.addWidget(self.derive_button)
        layout.addWidget(self.child)
        layout.addStretch(1)

    def derive(self) -> None:
        """Derive the child with the chosen settings."""
        phrase = self.phrase.secret("phrase")
        passphrase = None if self.passphrase.is_empty() else self.passphrase.secret("passphrase")
        app = self.app.currentData()
        words, index = int(self.words.currentData()), self.index.value()

        def work(context: TaskContext) -> Secret:
            seed = bip39.to_seed(phrase, passphrase)
            try:
                return bip85.child(bip85.root_from_seed(seed), app, index=index, words=words)
            finally:
                seed.wipe()

        run_task(
            self._runner,
            self,
            "bip85-child",
            work,
            self.child.set_secret,
            busy=[self.derive_button],
        )


class SeedXorTab(QWidget):
    """Split a phrase into Seed XOR parts, or combine every part back."""

    def __init__(self, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._runner = runner
        self.parts = _StringsForm("part", "a BIP39 phrase (one part; string 1 to split)", self)
        self.count = QSpinBox(self)
        self.count.setRange(seedxor.MIN_PARTS, seedxor.MAX_PARTS)
        self.split_button = QPushButton("Split phrase 1 into parts", self)
        self.split_button.clicked.connect(self.split)
        self.combine_button = QPushButton("Combine all parts", self)
        self.combine_button.clicked.connect(self.combine)
        self.results = _ResultList(self)
        form = QFormLayout()
        form.addRow("Parts to make", self.count)
        layout = QVBoxLayout(self)
        layout.addWidget(
            note(
                "Seed XOR (Coldcard): every part is a valid phrase; all parts are needed, "
                "and fewer parts open other valid wallets.",
                self,
            )
        )
        layout.addWidget(self.parts)
        layout.addLayout(form)
        layout.addWidget(self.split_button)
        layout.addWidget(self.combine_button)
        layout.addWidget(self.results, 1)

    def split(self) -> None:
        """Split the phrase typed first."""
        phrases, count = self.parts.secrets(), self.count.value()

        def work(context: TaskContext) -> list[Secret]:
            if not phrases:
                raise ValueError("type the phrase to split as part 1")
            return seedxor.split(phrases[0], count)

        def done(parts: list[Secret]) -> None:
            self.results.show_secrets(
                [(f"part {n} of {len(parts)}", p) for n, p in enumerate(parts, start=1)]
            )
            self.parts.clear()

        run_task(self._runner, self, "xor-split", work, done, busy=[self.split_button])

    def combine(self) -> None:
        """Combine every typed part."""
        parts = self.parts.secrets()

        def work(context: TaskContext) -> Secret:
            return seedxor.combine(parts)

        def done(phrase: Secret) -> None:
            self.results.show_secrets([("phrase", phrase)])
            self.parts.clear()

        run_task(self._runner, self, "xor-combine", work, done, busy=[self.combine_button])


class PlateTab(QWidget):
    """A phrase as Stackbit 1248 columns or a TinySeed binary grid, to check a plate."""

    def __init__(self, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._runner = runner
        self.phrase = SecretField(self, placeholder="the phrase punched on the plate")
        self.format = QComboBox(self)
        self.format.addItem("1248 (Stackbit style)", "1248")
        self.format.addItem("binary (TinySeed style)", "binary")
        self.show_button = QPushButton("Show the plate", self)
        self.show_button.clicked.connect(self.show_plate)
        self.grid = QPlainTextEdit(self)
        self.grid.setReadOnly(True)
        self.grid.setObjectName("plateGrid")
        self.grid.setAccessibleName("The plate's punch pattern")
        font = self.grid.font()
        font.setFamily("monospace")
        self.grid.setFont(font)
        form = QFormLayout()
        form.addRow("Phrase", self.phrase)
        form.addRow("Format", self.format)
        layout = QVBoxLayout(self)
        layout.addWidget(
            note("Word numbers count from 1 (abandon = 1, zoo = 2048), as plates do.", self)
        )
        layout.addLayout(form)
        layout.addWidget(self.show_button)
        layout.addWidget(self.grid, 1)

    def show_plate(self) -> None:
        """Draw the grid for the typed phrase (cleared when the tab's phrase is cleared)."""
        phrase = self.phrase.secret("phrase")
        chosen: plate.PlateFormat = "binary" if self.format.currentData() == "binary" else "1248"

        def work(context: TaskContext) -> Secret:
            return plate.text(plate.rows(phrase, chosen), chosen)

        run_task(
            self._runner,
            self,
            "plate",
            work,
            lambda text: self.grid.setPlainText(text.reveal_text()),
            busy=[self.show_button],
        )

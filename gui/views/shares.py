"""SLIP-39 tabs: split a BIP39 phrase into T-of-N shares, and combine shares back.

Split and combine are :func:`keyvault.seedphrase.split_bip39` and
:func:`keyvault.seedphrase.combine_to_bip39` on the worker pool; shares are typed into
masked fields and shown masked, one per row.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QFormLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from keyvault.secret import Secret
from keyvault.seedphrase import combine_to_bip39, split_bip39

from ..tasks import TaskContext, TaskRunner
from ..widgets.secret_field import SecretField, SecretView
from ._common import note, run_task

__all__ = ["CombineTab", "SplitTab"]


class SplitTab(QWidget):
    """Split a phrase into SLIP-39 shares: any ``threshold`` of ``shares`` restore it."""

    def __init__(self, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._runner = runner
        self.phrase = SecretField(self, placeholder="the BIP39 phrase to split")
        self.threshold = QSpinBox(self)
        self.threshold.setRange(1, 16)
        self.threshold.setValue(2)
        self.shares = QSpinBox(self)
        self.shares.setRange(1, 16)
        self.shares.setValue(3)
        self.split_button = QPushButton("Split", self)
        self.split_button.clicked.connect(self.split)
        self.results = QWidget(self)
        self.results_layout = QVBoxLayout(self.results)
        self.share_views: list[SecretView] = []
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.results)
        form = QFormLayout()
        form.addRow("Phrase", self.phrase)
        form.addRow("Shares needed", self.threshold)
        form.addRow("Shares made", self.shares)
        layout = QVBoxLayout(self)
        layout.addWidget(
            note(
                "SLIP-39 shares (Trezor's standard): any 'needed' of them give the phrase "
                "back; fewer reveal nothing. Keep them in different places.",
                self,
            )
        )
        layout.addLayout(form)
        layout.addWidget(self.split_button)
        layout.addWidget(scroll, 1)

    def split(self) -> None:
        """Split the typed phrase."""
        phrase = self.phrase.secret("phrase")
        threshold, count = self.threshold.value(), self.shares.value()

        def work(context: TaskContext) -> list[list[Secret]]:
            return split_bip39(phrase, threshold=threshold, shares=count)

        run_task(self._runner, self, "split-shares", work, self._show, busy=[self.split_button])

    def _show(self, groups: list[list[Secret]]) -> None:
        for view in self.share_views:
            view.set_secret(None)
            view.deleteLater()
        self.share_views = []
        shares = [share for group in groups for share in group]
        for number, share in enumerate(shares, start=1):
            label = QLabel(f"share {number} of {len(shares)}", self.results)
            view = SecretView(self.results)
            view.set_secret(share)
            self.results_layout.addWidget(label)
            self.results_layout.addWidget(view)
            self.share_views.append(view)
        self.phrase.clear()


class CombineTab(QWidget):
    """Type enough SLIP-39 shares to get the BIP39 phrase back."""

    def __init__(self, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._runner = runner
        self.fields: list[SecretField] = []
        self.form = QFormLayout()
        self.add_button = QPushButton("Add another share", self)
        self.add_button.clicked.connect(lambda: self.add_field())
        self.combine_button = QPushButton("Combine", self)
        self.combine_button.clicked.connect(self.combine)
        self.result = SecretView(self)
        self.result.setObjectName("combinedPhrase")
        layout = QVBoxLayout(self)
        layout.addWidget(note("Type each share in its own field, in any order.", self))
        layout.addLayout(self.form)
        layout.addWidget(self.add_button)
        layout.addWidget(self.combine_button)
        layout.addWidget(QLabel("Phrase", self))
        layout.addWidget(self.result)
        layout.addStretch(1)
        for _ in range(2):
            self.add_field()

    def add_field(self) -> SecretField:
        """Add one more share field and return it."""
        field = SecretField(self, placeholder="the share's 20 or 33 words")
        self.fields.append(field)
        self.form.addRow(f"Share {len(self.fields)}", field)
        return field

    def combine(self) -> None:
        """Combine the typed shares."""
        shares = [f.secret("share") for f in self.fields if not f.is_empty()]

        def work(context: TaskContext) -> Secret:
            return combine_to_bip39(shares)

        def done(phrase: Secret) -> None:
            self.result.set_secret(phrase)
            for field in self.fields:
                field.clear()

        run_task(self._runner, self, "combine-shares", work, done, busy=[self.combine_button])

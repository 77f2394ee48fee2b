"""A numbered grid of phrase words (1-12 down the first column, 13-24 down the second...),
masked until the user asks to see them, as on a hardware wallet's recovery card."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QCheckBox, QGridLayout, QLabel, QVBoxLayout, QWidget

from keyvault.secret import Secret

__all__ = ["WordGrid"]

_ROWS = 12
_HIDDEN = "\u2022" * 6


class WordGrid(QWidget):
    """Shows the words of a phrase in numbered slots; hidden until "Show the words"."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._secret: Secret | None = None
        self.reveal = QCheckBox("Show the words (make sure nobody is watching)", self)
        self.reveal.toggled.connect(self._refresh)
        self._grid = QGridLayout()
        self._grid.setHorizontalSpacing(24)
        self._labels: list[QLabel] = []
        layout = QVBoxLayout(self)
        layout.addWidget(self.reveal)
        layout.addLayout(self._grid)
        layout.addStretch(1)

    def set_words(self, secret: Secret | None) -> None:
        """Show the words of ``secret`` (space-separated); None empties the grid."""
        self._secret = secret
        for label in self._labels:
            self._grid.removeWidget(label)
            label.deleteLater()
        self._labels = []
        count = len(secret.reveal_text().split()) if secret is not None else 0
        mono = QFont("monospace")
        mono.setStyleHint(QFont.StyleHint.Monospace)
        for index in range(count):
            label = QLabel(self)
            label.setFont(mono)
            label.setTextFormat(Qt.TextFormat.PlainText)
            label.setObjectName(f"word{index + 1}")
            self._grid.addWidget(label, index % _ROWS, index // _ROWS)
            self._labels.append(label)
        self.reveal.setChecked(False)
        self._refresh()

    def secret(self) -> Secret | None:
        """The phrase shown, if any."""
        return self._secret

    def word_count(self) -> int:
        """How many slots the grid has."""
        return len(self._labels)

    def shown_words(self) -> list[str]:
        """The words as displayed right now (the slots read back, masked or not)."""
        return [label.text().split(". ", 1)[1] for label in self._labels]

    def _refresh(self) -> None:
        words = self._secret.reveal_text().split() if self._secret is not None else []
        revealed = self.reveal.isChecked()
        for index, label in enumerate(self._labels):
            shown = words[index] if revealed else _HIDDEN
            label.setText(f"{index + 1:2}. {shown}")
            label.setTextInteractionFlags(
                Qt.TextInteractionFlag.TextSelectableByMouse
                if revealed
                else Qt.TextInteractionFlag.NoTextInteraction
            )

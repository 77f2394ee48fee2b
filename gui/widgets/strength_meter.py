"""A passphrase strength meter: a bar and one line of advice.

It only displays what :func:`keyvault.vault.passphrase_strength.estimate_strength`
computed (on the worker pool); it never judges a passphrase itself.
"""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QProgressBar, QVBoxLayout, QWidget

__all__ = ["StrengthMeter"]

#: Bits at which the bar is full (the core's minimum is about 50).
_FULL_BITS = 100


class StrengthMeter(QWidget):
    """Bar (0 to 100 bits) plus the core's verdict and advice."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.bar = QProgressBar(self)
        self.bar.setRange(0, _FULL_BITS)
        self.bar.setTextVisible(True)
        self.bar.setFormat("")
        self.label = QLabel(self)
        self.label.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.bar)
        layout.addWidget(self.label)
        self.clear()

    def clear(self) -> None:
        """Show the empty state."""
        self.bar.setValue(0)
        self.bar.setFormat("")
        self.label.setText("Five or more random words make a strong passphrase.")
        self.ok = False

    def show_strength(self, bits: float, ok: bool, advice: str) -> None:
        """Show an estimate: ``bits`` of guessing work, whether it is enough, and advice."""
        self.ok = ok
        self.bar.setValue(min(_FULL_BITS, round(bits)))
        self.bar.setFormat(f"about {bits:.0f} bits")
        verdict = "strong enough" if ok else "too weak"
        self.label.setText(f"{verdict}: {advice}" if not ok else f"{verdict}")
        color = "#2e7d32" if ok else "#c62828"
        self.bar.setStyleSheet(f"QProgressBar::chunk {{ background-color: {color}; }}")

"""The "Wallet configuration" dialog: a configuration's identity and its cosigner map.

The record is encrypted to the vault key, so the dialog asks the vault passphrase, then
reads it on the worker pool (:mod:`keyvault.vault.configurations`): the descriptor, the
wallet's script, threshold and first addresses, and for each key the seed phrase of this
vault that holds it or where it is kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QPushButton,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from keyvault.configs import ConfigRecord, CosignerEntry, cosigner_map, holding_summary
from keyvault.secret import Secret
from keyvault.vault import keystore
from keyvault.vault.configurations import held_fingerprints, read_configuration_item

from ..tasks import TaskContext, TaskRunner
from ..widgets.secret_field import SecretField
from ._common import note, row_table, run_task

__all__ = ["ConfigurationDialog", "ConfigurationView"]


@dataclass(frozen=True)
class ConfigurationView:
    """What the dialog shows, read on the pool."""

    record: ConfigRecord
    entries: list[CosignerEntry]


def read_view(home: Path, name: str, passphrase: Secret) -> ConfigurationView:
    """Unlock the vault key, read the configuration and map its keys to phrase items."""
    identity = keystore.unlock_vault_key(home, passphrase)
    identities = [identity, *reversed(keystore.previous_identities(home, passphrase))]
    record = read_configuration_item(home, name, identities)
    return ConfigurationView(record, cosigner_map(record, held_fingerprints(home, identities)))


class ConfigurationDialog(QDialog):
    """One wallet configuration, opened with the vault passphrase."""

    def __init__(
        self, home: Path, name: str, runner: TaskRunner, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Wallet configuration: {name}")
        self.setObjectName("configurationDialog")
        self.home, self.name, self._runner = home, name, runner
        self.passphrase = SecretField(self, placeholder="vault passphrase (opens the record)")
        self.show_button = QPushButton("Show", self)
        self.show_button.clicked.connect(self.load)
        self.summary = QLabel("", self)
        self.summary.setWordWrap(True)
        self.descriptor = QLabel("", self)
        self.descriptor.setWordWrap(True)
        self.addresses = QLabel("", self)
        self.addresses.setWordWrap(True)
        self.holding = QLabel("", self)
        self.holding.setWordWrap(True)
        self.cosigners = row_table(self, ["Key", "Fingerprint", "Derivation", "Where it is"], 3)
        self.cosigners.setObjectName("cosignerTable")
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        close.rejected.connect(self.reject)
        form = QFormLayout()
        form.addRow("Vault passphrase", self.passphrase)
        form.addRow("", self.show_button)
        layout = QVBoxLayout(self)
        layout.addWidget(
            note(
                "A descriptor cannot spend, but it shows every address and balance of the "
                "wallet: it is stored encrypted like a seed phrase.",
                self,
            )
        )
        layout.addLayout(form)
        for label in (self.summary, self.descriptor, self.addresses, self.holding):
            layout.addWidget(label)
        layout.addWidget(self.cosigners, 1)
        layout.addWidget(close)
        self.view: ConfigurationView | None = None

    def load(self) -> None:
        """Read the configuration (on the pool) with the typed passphrase."""
        home, name = self.home, self.name
        passphrase = self.passphrase.secret("vault passphrase")

        def work(context: TaskContext) -> ConfigurationView:
            try:
                return read_view(home, name, passphrase)
            finally:
                passphrase.wipe()

        run_task(
            self._runner, self, "read-configuration", work, self._show, busy=[self.show_button]
        )

    def _show(self, view: ConfigurationView) -> None:
        self.view = view
        self.passphrase.clear()
        config = view.record.config
        self.summary.setText(f"{config.summary} ({config.network})")
        self.descriptor.setText(config.descriptor)
        change = f"; first change address {config.change[0]}" if config.change else ""
        self.addresses.setText(f"first receive address {config.receive[0]}{change}")
        self.holding.setText(holding_summary(view.entries, config.threshold))
        self.cosigners.setRowCount(len(view.entries))
        for row, entry in enumerate(view.entries):
            where = (
                f"in this vault: seed phrase '{entry.held_by}'"
                if entry.held_by
                else "not in this vault" + (f": {entry.location}" if entry.location else "")
            )
            cells = [entry.letter, entry.fingerprint or "?", entry.derivation or "-", where]
            for column, text in enumerate(cells):
                self.cosigners.setItem(row, column, QTableWidgetItem(text))

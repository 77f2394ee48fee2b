"""The "Protected items" screen: files, folders and seed phrases kept safe.

Adding and removing are :mod:`keyvault.vault.items` calls; "Found on this computer" lists
:func:`keyvault.wallets.discover.discover` finds. Everything runs on the worker pool.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from keyvault.secret import Secret
from keyvault.vault.config import ItemConfig
from keyvault.vault.items import (
    CONFIG_KIND,
    PHRASE_KINDS,
    add_path_item,
    add_phrase_item,
    list_items,
    remove_item,
)
from keyvault.wallets.discover import WalletFind, discover

from ..tasks import TaskContext, TaskRunner
from ..widgets.secret_field import SecretField
from ._common import ask, form_dialog, heading, note, ok_cancel_buttons, row_table, run_task
from .configurations import ConfigurationDialog

__all__ = ["AddPhraseDialog", "DiscoverDialog", "ItemsView"]

_KIND_WORDS = {"file": "file", "folder": "folder", "phrase": "seed phrase"}


class AddPhraseDialog(QDialog):
    """Name, kind and words of a seed phrase to protect."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Protect a seed phrase")
        self.setObjectName("addPhraseDialog")
        self.name = QLineEdit(self)
        self.name.setPlaceholderText("e.g. hardware wallet")
        self.kind = QComboBox(self)
        self.kind.addItem("BIP39 (checked)", "bip39")
        self.kind.addItem("other words (Electrum, Monero…)", "other")
        assert {self.kind.itemData(i) for i in range(self.kind.count())} == set(PHRASE_KINDS)
        self.phrase = SecretField(self, placeholder="the words, separated by spaces")
        form_dialog(
            self,
            "The phrase is stored only encrypted to the vault key and backed up like "
            "any other item.",
            [("Name", self.name), ("Kind", self.kind), ("Words", self.phrase)],
        )


class DiscoverDialog(QDialog):
    """Wallet files found on this computer; tick the ones to protect."""

    def __init__(self, finds: list[WalletFind], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Wallets found on this computer")
        self.setObjectName("discoverDialog")
        self.finds = finds
        self.list = QListWidget(self)
        self.list.setAccessibleName("Wallet files found: tick the ones to protect")
        for find in finds:
            label = f"{find.software}: {find.path}"
            entry = QListWidgetItem(label, self.list)
            entry.setCheckState(Qt.CheckState.Checked)
        buttons = ok_cancel_buttons(self)
        layout = QVBoxLayout(self)
        if not finds:
            layout.addWidget(note("No wallet files were found in the usual places.", self))
        layout.addWidget(self.list, 1)
        layout.addWidget(buttons)

    def chosen(self) -> list[Path]:
        """The paths the user ticked."""
        return [
            find.path
            for row, find in enumerate(self.finds)
            if self.list.item(row).checkState() == Qt.CheckState.Checked
        ]


class ItemsView(QWidget):
    """The table of protected items, with add and remove."""

    #: Emitted after an item was added or removed.
    changed = Signal()

    def __init__(self, home: Path, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.home = home
        self._runner = runner
        self.items: list[ItemConfig] = []
        self.table = row_table(self, ["Name", "Kind", "Where", "Added"], 2)
        self.table.setObjectName("itemsTable")
        self.table.setAccessibleName("Protected items")
        self.add_file_button = QPushButton("Add a file…", self)
        self.add_folder_button = QPushButton("Add a folder…", self)
        self.add_phrase_button = QPushButton("Add a seed phrase…", self)
        self.discover_button = QPushButton("Find wallets on this computer…", self)
        self.remove_button = QPushButton("Remove", self)
        self.configuration_button = QPushButton("Show wallet configuration…", self)
        self.configuration_button.clicked.connect(self.open_configuration)
        self.add_file_button.clicked.connect(self._choose_file)
        self.add_folder_button.clicked.connect(self._choose_folder)
        self.add_phrase_button.clicked.connect(self.open_add_phrase)
        self.discover_button.clicked.connect(self.find_wallets)
        self.remove_button.clicked.connect(self._confirm_remove)
        buttons = QHBoxLayout()
        for button in (
            self.add_file_button,
            self.add_folder_button,
            self.add_phrase_button,
            self.discover_button,
        ):
            buttons.addWidget(button)
        buttons.addStretch(1)
        # The selected item's buttons on a row of their own: six in one row do not fit
        # the window at 200 % scale.
        selected = QHBoxLayout()
        selected.addWidget(self.configuration_button)
        selected.addWidget(self.remove_button)
        selected.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(heading("Protected items", self))
        layout.addWidget(
            note(
                "Wallet files and folders stay where they are; keyvault keeps encrypted "
                "copies at your destinations. Seed phrases are stored encrypted here.",
                self,
            )
        )
        layout.addLayout(buttons)
        layout.addWidget(self.table, 1)
        layout.addLayout(selected)
        self.phrase_dialog: AddPhraseDialog | None = None

    # --- reading ----------------------------------------------------------------------

    def refresh(self) -> None:
        """Reload the items from the config (on the pool)."""
        home = self.home

        def work(context: TaskContext) -> list[ItemConfig]:
            return list_items(home)

        run_task(self._runner, self, "list-items", work, self._show)

    def _show(self, items: list[ItemConfig]) -> None:
        self.items = items
        self.table.setRowCount(len(items))
        for row, item in enumerate(items):
            where = item.path if item.kind != "phrase" else "stored encrypted by keyvault"
            kind = _KIND_WORDS.get(item.kind, item.kind)
            if item.phrase_kind == CONFIG_KIND:
                kind = "wallet configuration"
            values = [item.name, kind, where or "", item.added]
            for column, value in enumerate(values):
                self.table.setItem(row, column, QTableWidgetItem(value))
        self.remove_button.setEnabled(bool(items))

    def item_names(self) -> list[str]:
        """The names shown, in order."""
        return [item.name for item in self.items]

    # --- adding -----------------------------------------------------------------------

    def _choose_file(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self, "Choose a file to protect")
        if name:
            self.add_path(Path(name))

    def _choose_folder(self) -> None:
        name = QFileDialog.getExistingDirectory(self, "Choose a folder to protect")
        if name:
            self.add_path(Path(name))

    def add_path(self, path: Path, name: str | None = None) -> None:
        """Protect the file or folder at ``path``."""
        home = self.home

        def work(context: TaskContext) -> ItemConfig:
            return add_path_item(home, path, name)

        run_task(self._runner, self, "add-item", work, self._added, queue="config")

    def open_add_phrase(self) -> AddPhraseDialog:
        """Open the "protect a seed phrase" dialog (non-blocking) and return it."""
        dialog = AddPhraseDialog(self)
        dialog.accepted.connect(lambda: self._add_phrase(dialog))
        dialog.finished.connect(lambda _r: dialog.phrase.clear())
        self.phrase_dialog = dialog
        dialog.open()
        return dialog

    def _add_phrase(self, dialog: AddPhraseDialog) -> None:
        home = self.home
        name = dialog.name.text().strip()
        kind = str(dialog.kind.currentData())
        phrase: Secret = dialog.phrase.secret("phrase")

        def work(context: TaskContext) -> ItemConfig:
            try:
                return add_phrase_item(home, name, phrase, kind=kind)
            finally:
                phrase.wipe()

        run_task(self._runner, self, "add-phrase", work, self._added, queue="config")

    def _added(self, _item: ItemConfig) -> None:
        self.changed.emit()
        self.refresh()

    def find_wallets(self) -> None:
        """Look for wallet files in the usual places (on the pool) and offer them."""

        def work(context: TaskContext) -> list[WalletFind]:
            return discover()

        def show(finds: list[WalletFind]) -> None:
            dialog = DiscoverDialog(finds, self)
            dialog.accepted.connect(lambda: self._add_paths(dialog.chosen()))
            dialog.open()

        run_task(self._runner, self, "discover", work, show, busy=[self.discover_button])

    def _add_paths(self, paths: list[Path]) -> None:
        for path in paths:
            self.add_path(path)

    def open_configuration(self) -> ConfigurationDialog | None:
        """Open the selected wallet configuration's identity and cosigner map."""
        name = self.selected_name()
        item = next((i for i in self.items if i.name == name), None)
        if item is None or item.phrase_kind != CONFIG_KIND:
            return None
        dialog = ConfigurationDialog(self.home, item.name, self._runner, self)
        dialog.finished.connect(lambda _r: dialog.passphrase.clear())
        dialog.open()
        return dialog

    # --- removing ---------------------------------------------------------------------

    def selected_name(self) -> str | None:
        """The name of the selected item, if any."""
        rows = self.table.selectionModel().selectedRows()
        return self.items[rows[0].row()].name if rows else None

    def _confirm_remove(self) -> None:
        name = self.selected_name()
        if name is None:
            return
        ask(
            self,
            "Stop protecting",
            f"Stop protecting {name!r}? Its copies at the destinations are pruned by later "
            "backups.",
            lambda: self.remove(name),
        )

    def remove(self, name: str) -> None:
        """Stop protecting ``name``."""
        home = self.home

        def work(context: TaskContext) -> ItemConfig:
            return remove_item(home, name)

        run_task(self._runner, self, "remove-item", work, self._added, queue="config")

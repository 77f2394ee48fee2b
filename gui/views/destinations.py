"""The "Destinations and copies" screen.

Destinations: folders on drives (media kind, offsite, offline) and B2 buckets, each with
whether it is present right now (:func:`keyvault.destinations.factory.open_destination`
and ``check_available``, one serial queue per destination); added and removed through
:mod:`keyvault.backup.setup`, as ``keyvault dest`` does. Physical copies: the paper and
metal copies of phrases and of the vault key, with where they are and when they were
last confirmed (:mod:`keyvault.vault.copies`, as ``keyvault copy``). Every call runs on
the worker pool.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from keyvault.backup.setup import (
    LOCAL_MEDIA,
    MAX_IMMUTABLE_DAYS,
    AddedB2Destination,
    AddedLocalDestination,
    RemovedDestination,
    add_b2_destination,
    add_local_destination,
    check_b2_destination,
    remove_destination,
)
from keyvault.destinations.b2.credentials import B2Credentials
from keyvault.destinations.factory import describe_location, open_destination
from keyvault.errors import InvalidValueError, KeyvaultError
from keyvault.secret import Secret
from keyvault.vault.config import Config, DestinationConfig, PhysicalCopyConfig, load_config
from keyvault.vault.copies import (
    PHYSICAL_KINDS,
    VAULT_KEY_ITEM,
    CopyStanding,
    confirm_physical_copy,
    copy_standing,
    record_physical_copy,
    remove_physical_copy,
)

from ..tasks import TaskContext, TaskRunner
from ..widgets.secret_field import SecretField
from ._common import ask, form_dialog, heading, note, path_row, row_table, run_task

__all__ = ["AddB2Dialog", "AddFolderDialog", "DestinationsView", "RecordCopyDialog"]

#: Where a B2 key can be kept (``keyring``/``file`` of
#: :mod:`keyvault.destinations.b2.credentials`), as offered.
B2_STORES: tuple[tuple[str, str], ...] = (
    ("keyring", "the system keyring"),
    ("file", "a private file in keyvault's settings folder (for timers and servers)"),
)


@dataclass(frozen=True)
class Presence:
    """Whether a destination answered just now, and why not."""

    name: str
    present: bool
    reason: str | None


class AddFolderDialog(QDialog):
    """A folder on a drive as a destination: name, folder, media kind, offsite, offline."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Add a folder destination")
        self.setObjectName("addFolderDialog")
        self.name = QLineEdit(self)
        self.name.setPlaceholderText("e.g. usb-stick")
        self.path = QLineEdit(self)
        self.path.setAccessibleName("Folder")
        row = path_row(self, self.path, "The folder on the drive", "folder", "Browse…")
        self.media = QComboBox(self)
        for kind in LOCAL_MEDIA:
            self.media.addItem(kind, kind)
        self.media.setCurrentIndex(LOCAL_MEDIA.index("external"))
        self.offsite = QCheckBox("kept away from home (offsite)", self)
        self.offline = QCheckBox("normally disconnected (offline)", self)
        form_dialog(
            self,
            "Connect and mount the drive first. keyvault marks the folder so that an "
            "unplugged drive is never mistaken for an empty folder.",
            [
                ("Name", self.name),
                ("Folder", row),
                ("Medium", self.media),
                ("", self.offsite),
                ("", self.offline),
            ],
        )


class AddB2Dialog(QDialog):
    """A Backblaze B2 bucket as a destination: name, bucket, prefix, application key,
    where to keep the key, and an optional Object Lock period.

    The key is read from its masked field only when the dialog is accepted, as a
    :class:`~keyvault.secret.Secret`, and the field is cleared then.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Add a Backblaze B2 bucket")
        self.setObjectName("addB2Dialog")
        self.name = QLineEdit(self)
        self.name.setPlaceholderText("e.g. offsite")
        self.bucket = QLineEdit(self)
        self.prefix = QLineEdit(self)
        self.prefix.setPlaceholderText("optional, e.g. laptop")
        self.key_id = QLineEdit(self)
        self.key = SecretField(self, placeholder="the application key")
        self.store = QComboBox(self)
        for value, text in B2_STORES:
            self.store.addItem(text, value)
        self.immutable_days = QSpinBox(self)
        self.immutable_days.setRange(0, MAX_IMMUTABLE_DAYS)
        self.immutable_days.setSpecialValueText("no lock")
        self.immutable_days.setSuffix(" days")
        self.compliance = QCheckBox("compliance mode (nobody can shorten the lock)", self)
        form_dialog(
            self,
            "keyvault checks the key and the bucket before saving anything. The key is "
            "kept in the place you choose, never in keyvault's settings file.",
            [
                ("Name", self.name),
                ("Bucket", self.bucket),
                ("Prefix", self.prefix),
                ("Application key ID", self.key_id),
                ("Application key", self.key),
                ("Keep the key in", self.store),
                ("Object Lock", self.immutable_days),
                ("", self.compliance),
            ],
        )


class RecordCopyDialog(QDialog):
    """A paper or metal copy: of what, what it is, where it is kept."""

    def __init__(self, phrase_items: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Record a physical copy")
        self.setObjectName("recordCopyDialog")
        self.item = QComboBox(self)
        self.item.addItem("the vault key (recovery kit)", VAULT_KEY_ITEM)
        for name in phrase_items:
            self.item.addItem(name, name)
        self.kind = QComboBox(self)
        for kind in PHYSICAL_KINDS:
            self.kind.addItem(kind, kind)
        self.location = QLineEdit(self)
        self.location.setPlaceholderText("where it is kept, e.g. bank safe deposit box")
        self.offsite = QCheckBox("kept away from home (offsite)", self)
        form_dialog(
            self,
            "Never type the words here: only where the copy is and what it is.",
            [
                ("Copy of", self.item),
                ("Kind", self.kind),
                ("Location", self.location),
                ("", self.offsite),
            ],
        )


class DestinationsView(QWidget):
    """Destinations (with presence) and recorded physical copies."""

    #: Emitted after a destination or a copy was added, removed or confirmed.
    changed = Signal()

    def __init__(self, home: Path, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.home = home
        self._runner = runner
        self.config: Config | None = None
        self.presence: dict[str, Presence] = {}

        self.dest_table = row_table(self, ["Name", "Where", "Medium", "Flags", "Present"], 1)
        self.dest_table.setObjectName("destinationsTable")
        self.dest_table.setAccessibleName("Destinations")
        self.add_folder_button = QPushButton("Add a folder…", self)
        self.add_b2_button = QPushButton("Add Backblaze B2…", self)
        self.remove_dest_button = QPushButton("Remove", self)
        self.check_button = QPushButton("Check presence", self)
        self.add_folder_button.clicked.connect(self.open_add_folder)
        self.add_b2_button.clicked.connect(self.open_add_b2)
        self.remove_dest_button.clicked.connect(self._confirm_remove_destination)
        self.check_button.clicked.connect(self.check_presence)

        self.copy_table = row_table(self, ["Copy of", "Kind", "Location", "Confirmed", "Counts"], 2)
        self.copy_table.setObjectName("copiesTable")
        self.copy_table.setAccessibleName("Paper and metal copies")
        self.record_button = QPushButton("Record a copy…", self)
        self.confirm_button = QPushButton("It is still there", self)
        self.remove_copy_button = QPushButton("Forget", self)
        self.record_button.clicked.connect(self.open_record_copy)
        self.confirm_button.clicked.connect(self._confirm_selected_copy)
        self.remove_copy_button.clicked.connect(self._confirm_remove_copy)

        dest_buttons = QHBoxLayout()
        for button in (self.add_folder_button, self.add_b2_button, self.check_button):
            dest_buttons.addWidget(button)
        dest_buttons.addStretch(1)
        dest_buttons.addWidget(self.remove_dest_button)
        copy_buttons = QHBoxLayout()
        for button in (self.record_button, self.confirm_button):
            copy_buttons.addWidget(button)
        copy_buttons.addStretch(1)
        copy_buttons.addWidget(self.remove_copy_button)
        layout = QVBoxLayout(self)
        layout.addWidget(heading("Destinations", self))
        layout.addWidget(
            note(
                "Where encrypted copies go. 3-2-1: three copies, on two kinds of media, "
                "one of them away from home.",
                self,
            )
        )
        layout.addLayout(dest_buttons)
        #: What the last change of a destination asks the person to check (else hidden).
        self.notice = note("", self)
        self.notice.setObjectName("destinationNotice")
        self.notice.setVisible(False)
        layout.addWidget(self.notice)
        layout.addWidget(self.dest_table, 3)
        layout.addWidget(heading("Paper and metal copies", self))
        layout.addWidget(
            note(
                "Copies keyvault cannot read: confirm at least once a year that each is "
                "still where you put it and readable.",
                self,
            )
        )
        layout.addLayout(copy_buttons)
        layout.addWidget(self.copy_table, 2)
        self.folder_dialog: AddFolderDialog | None = None
        self.b2_dialog: AddB2Dialog | None = None
        self.copy_dialog: RecordCopyDialog | None = None

    # --- reading ----------------------------------------------------------------------

    def refresh(self) -> None:
        """Reload the config, then check which destinations are present."""
        home = self.home

        def work(context: TaskContext) -> Config:
            return load_config(home)

        def show(config: Config) -> None:
            self.config = config
            self._show()
            self.check_presence()

        run_task(self._runner, self, "load-config", work, show)

    def check_presence(self) -> None:
        """Ask each destination whether it is there (one serial queue per destination)."""
        if self.config is None:
            return
        home = self.home
        for entry in self.config.destinations:

            def work(context: TaskContext, entry: DestinationConfig = entry) -> Presence:
                try:
                    open_destination(entry, home).check_available()
                except KeyvaultError as exc:
                    return Presence(entry.name, False, exc.message)
                return Presence(entry.name, True, None)

            self._runner.submit(
                f"presence:{entry.name}",
                work,
                queue=f"dest:{entry.name}",
                on_success=self._presence_known,
            )

    def _presence_known(self, presence: Presence) -> None:
        self.presence[presence.name] = presence
        self._show()

    def _show(self) -> None:
        config = self.config
        if config is None:
            return
        dests = config.destinations
        self.dest_table.setRowCount(len(dests))
        for row, entry in enumerate(dests):
            flags = [f for f, on in (("offsite", entry.offsite), ("offline", entry.offline)) if on]
            known = self.presence.get(entry.name)
            present = "checking…" if known is None else "yes" if known.present else "MISSING"
            cells = [entry.name, describe_location(entry), entry.media, ", ".join(flags)]
            for column, value in enumerate([*cells, present]):
                cell = QTableWidgetItem(value)
                if column == 4 and known is not None and known.reason:
                    cell.setToolTip(known.reason)
                self.dest_table.setItem(row, column, cell)
        now = datetime.now(timezone.utc)
        limit = config.policy.physical_max_age_days
        self.copy_table.setRowCount(len(config.copies))
        for row, copy in enumerate(config.copies):
            standing = copy_standing(copy, limit, now)
            days, counts = standing.confirmed_days_ago, standing.counts
            when = "never" if days is None else "today" if days == 0 else f"{days} days ago"
            what = "vault key" if copy.item == VAULT_KEY_ITEM else copy.item
            place = copy.location + (" (offsite)" if copy.offsite else "")
            cells = [what, copy.kind, place, when, "yes" if counts else "confirm it now"]
            for column, value in enumerate(cells):
                self.copy_table.setItem(row, column, QTableWidgetItem(value))

    def destination_names(self) -> list[str]:
        """The destinations shown, in order."""
        return [d.name for d in self.config.destinations] if self.config else []

    # --- destinations -----------------------------------------------------------------

    def open_add_folder(self) -> AddFolderDialog:
        """Open the "add a folder" dialog (non-blocking) and return it."""
        dialog = AddFolderDialog(self)
        dialog.accepted.connect(
            lambda: self.add_folder(
                dialog.name.text().strip(),
                Path(dialog.path.text().strip()),
                media=str(dialog.media.currentData()),
                offsite=dialog.offsite.isChecked(),
                offline=dialog.offline.isChecked(),
            )
        )
        self.folder_dialog = dialog
        dialog.open()
        return dialog

    def add_folder(
        self, name: str, path: Path, *, media: str, offsite: bool, offline: bool
    ) -> None:
        """Add the folder ``path`` as destination ``name``."""
        home = self.home

        def work(context: TaskContext) -> AddedLocalDestination:
            return add_local_destination(
                home, name, path, media=media, offsite=offsite, offline=offline
            )

        run_task(self._runner, self, "add-destination", work, self._changed, queue="config")

    def open_add_b2(self) -> AddB2Dialog:
        """Open the "add a B2 bucket" dialog (non-blocking) and return it."""
        dialog = AddB2Dialog(self)

        def accepted() -> None:
            # Pasted keys often carry a space or a newline; a B2 key never has one.
            key = Secret(dialog.key.edit.text().strip(), label="B2 application key")
            dialog.key.clear()
            self.add_b2(
                dialog.name.text().strip(),
                bucket=dialog.bucket.text().strip(),
                prefix=dialog.prefix.text().strip(),
                key_id=dialog.key_id.text().strip(),
                key=key,
                store=str(dialog.store.currentData()),
                immutable_days=dialog.immutable_days.value(),
                compliance=dialog.compliance.isChecked(),
            )

        dialog.accepted.connect(accepted)
        dialog.rejected.connect(dialog.key.clear)
        self.b2_dialog = dialog
        dialog.open()
        return dialog

    def add_b2(
        self,
        name: str,
        *,
        bucket: str,
        prefix: str,
        key_id: str,
        key: Secret,
        store: str,
        immutable_days: int = 0,
        compliance: bool = False,
    ) -> None:
        """Check the key and the bucket at B2, then add them as destination ``name``.

        ``key`` is wiped once the work is done, whatever its outcome.
        """
        home = self.home

        def work(context: TaskContext) -> AddedB2Destination:
            try:
                target = check_b2_destination(
                    home,
                    name,
                    bucket=bucket,
                    prefix=prefix,
                    immutable_days=immutable_days,
                    compliance=compliance,
                )
                if not key_id or any(c.isspace() for c in key_id) or key.is_empty():
                    raise InvalidValueError("give the application key ID and the key")
                credentials = B2Credentials(key_id, key, "prompt")
                return add_b2_destination(home, target, credentials, store=store)
            finally:
                key.wipe()

        run_task(self._runner, self, "add-b2", work, self._changed, queue="config")

    def _selected(self, table: QTableWidget) -> int | None:
        rows = table.selectionModel().selectedRows()
        return rows[0].row() if rows else None

    def _confirm_remove_destination(self) -> None:
        row = self._selected(self.dest_table)
        if row is None or self.config is None:
            return
        name = self.config.destinations[row].name
        ask(
            self,
            "Remove destination",
            f"Stop backing up to {name!r}? The copies already there are left in place.",
            lambda: self.remove_destination(name),
        )

    def remove_destination(self, name: str) -> None:
        """Stop backing up to ``name``."""
        home = self.home

        def work(context: TaskContext) -> RemovedDestination:
            return remove_destination(home, name)

        run_task(self._runner, self, "remove-destination", work, self._changed, queue="config")

    # --- physical copies --------------------------------------------------------------

    def open_record_copy(self) -> RecordCopyDialog:
        """Open the "record a physical copy" dialog (non-blocking) and return it."""
        phrases = [i.name for i in self.config.items if i.kind == "phrase"] if self.config else []
        dialog = RecordCopyDialog(phrases, self)
        dialog.accepted.connect(
            lambda: self.record_copy(
                str(dialog.item.currentData()),
                str(dialog.kind.currentData()),
                dialog.location.text(),
                offsite=dialog.offsite.isChecked(),
            )
        )
        self.copy_dialog = dialog
        dialog.open()
        return dialog

    def record_copy(self, item: str, kind: str, location: str, *, offsite: bool) -> None:
        """Record a paper or metal copy of ``item``."""
        home = self.home

        def work(context: TaskContext) -> CopyStanding:
            return record_physical_copy(home, item, kind, location, offsite=offsite)

        run_task(self._runner, self, "record-copy", work, self._changed, queue="config")

    def _confirm_selected_copy(self) -> None:
        row = self._selected(self.copy_table)
        if row is not None and self.config is not None:
            self.confirm_copy(self.config.copies[row].id)

    def confirm_copy(self, copy_id: str) -> None:
        """Record that copy ``copy_id`` is still there today."""
        home = self.home

        def work(context: TaskContext) -> CopyStanding:
            return confirm_physical_copy(home, copy_id)

        run_task(self._runner, self, "confirm-copy", work, self._changed, queue="config")

    def _confirm_remove_copy(self) -> None:
        row = self._selected(self.copy_table)
        if row is None or self.config is None:
            return
        copy_id = self.config.copies[row].id
        ask(
            self,
            "Forget copy",
            "Forget this copy (destroyed or lost)?",
            lambda: self.remove_copy(copy_id),
        )

    def remove_copy(self, copy_id: str) -> None:
        """Forget copy ``copy_id``."""
        home = self.home

        def work(context: TaskContext) -> PhysicalCopyConfig:
            return remove_physical_copy(home, copy_id)

        run_task(self._runner, self, "remove-copy", work, self._changed, queue="config")

    def _changed(self, result: object) -> None:
        warnings: tuple[str, ...] = ()
        if isinstance(result, (AddedLocalDestination, RemovedDestination)):
            warnings = result.warnings
        elif isinstance(result, AddedB2Destination):
            warnings = result.probe.warnings
        self.notice.setText("\n".join(f"Check: {w}" for w in warnings))
        self.notice.setVisible(bool(warnings))
        self.changed.emit()
        self.refresh()

"""The "Restore" screen.

Restore an item: pick the item, a version, where to read it from and where to write it;
the vault passphrase unlocks the vault key (:func:`keyvault.vault.keystore.unlock_vault_key`,
and earlier keys after a rotation), then :func:`keyvault.backup.engine.restore` writes a
new file or folder (never over an existing one).

Recover on a new computer: a backup folder (or ``b2://bucket/prefix``) and the 24 words,
the vault passphrase or the recovery kit's key; "Show what will be restored" lists the
items the backup holds, each with the wallet identity recorded with it (e.g. the master
fingerprint, to compare with the kit) and whether the owner's seal covers it
(:func:`keyvault.backup.engine.list_source`, which writes nothing but the local state file
it reads), then :func:`keyvault.backup.engine.recover_from_source` restores every item.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from keyvault.backup.engine import (
    RecoverReport,
    RestoreResult,
    list_source,
    recover_from_source,
    restore,
)
from keyvault.backup.sources import SourceListing
from keyvault.crypto import X25519Identity
from keyvault.crypto.vaultkey import identity_from_words
from keyvault.destinations.b2.credentials import B2Credentials
from keyvault.secret import Secret
from keyvault.vault import keystore
from keyvault.vault.config import load_config
from keyvault.vault.state import VersionRecord, open_state

from ..tasks import ErrorText, TaskContext, TaskRunner, show_error
from ..widgets.secret_field import SecretField
from ._common import heading, note, path_row, row_table, run_task, show_progress
from .kit_scan import KitScan, read_kit

__all__ = ["RestoreChoices", "RestoreView"]


@dataclass(frozen=True)
class RestoreChoices:
    """What can be restored: items with their stored versions, and the destinations."""

    versions: dict[str, list[VersionRecord]]
    destinations: list[str]


def load_choices(home: Path) -> RestoreChoices:
    """Items, versions and destinations from the config and local state (on the pool)."""
    config = load_config(home)
    with open_state(home) as state:
        versions = {item.name: state.versions(item.name) for item in config.items}
    return RestoreChoices(versions, [d.name for d in config.destinations])


@dataclass(frozen=True)
class _Opening:
    """A backup to recover from and what opens it, read from the screen on the GUI
    thread, used and then wiped on the pool."""

    source: str
    words: Secret | None
    passphrase: Secret | None
    kit_identity: X25519Identity | None
    b2_credentials: B2Credentials | None

    def identities(self) -> list[X25519Identity]:
        """The vault key: from the 24 words, else the kit's (none: the passphrase opens
        the ``key.age`` stored with the backup)."""
        identity = identity_from_words(self.words) if self.words is not None else self.kit_identity
        return [identity] if identity is not None else []

    def wipe(self) -> None:
        """Forget the secrets (the typed words, passphrase and B2 key)."""
        b2_key = self.b2_credentials.key if self.b2_credentials is not None else None
        for secret in (self.words, self.passphrase, b2_key):
            if secret is not None:
                secret.wipe()


class RestoreView(QWidget):
    """Restore one item, or recover everything on a new computer."""

    #: Emitted after a recovery changed local state.
    changed = Signal()

    def __init__(self, home: Path, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.home = home
        self._runner = runner
        self.choices: RestoreChoices | None = None
        self.last_result: RestoreResult | RecoverReport | None = None

        self.item = QComboBox(self)
        self.version = QComboBox(self)
        self.source = QComboBox(self)
        self.target = QLineEdit(self)
        self.target.setPlaceholderText("a new file or folder name (never an existing one)")
        target_row = path_row(self, self.target, "Restore into", "save")
        self.passphrase = SecretField(self, placeholder="vault passphrase")
        self.restore_button = QPushButton("Restore", self)
        self.restore_button.clicked.connect(self.run_restore)
        self.restore_progress = QProgressBar(self)
        self.item.currentIndexChanged.connect(lambda _i: self._fill_versions())
        restore_box = QGroupBox("Restore an item", self)
        form = QFormLayout(restore_box)
        form.addRow("Item", self.item)
        form.addRow("Version", self.version)
        form.addRow("From", self.source)
        form.addRow("Into", target_row)
        form.addRow("Passphrase", self.passphrase)
        form.addRow(self.restore_button, self.restore_progress)

        self.recover_source = QLineEdit(self)
        self.recover_source.setPlaceholderText("a backup folder, or b2://bucket/prefix")
        source_row = path_row(self, self.recover_source, "The backup folder", "folder")
        self.with_words = QRadioButton("the 24 words", self)
        self.with_passphrase = QRadioButton("the vault passphrase", self)
        self.with_kit = QRadioButton("the recovery kit", self)
        self.with_words.setChecked(True)
        self.scan_button = QPushButton("Scan the kit's key or shares (photo or PDF)…", self)
        self.scan_button.clicked.connect(self._choose_kit_scan)
        self.kit_status = QLabel("no key read from a kit yet", self)
        self.kit_status.setWordWrap(True)
        self.kit_identity: X25519Identity | None = None
        self._kit_shares: list[Secret] = []
        #: The kit's B2 read key, for a b2:// backup (typed here, never the environment).
        self.recover_b2_key_id = QLineEdit(self)
        self.recover_b2_key_id.setPlaceholderText("the key ID on the kit's 'Cloud access' page")
        self.recover_b2_key_id.setAccessibleName("B2 key ID")
        self.recover_b2_key = SecretField(
            self, placeholder="the application key on that page (spaces or not)"
        )
        self.recover_words = SecretField(self, placeholder="the vault's 24 recovery words")
        self.recover_passphrase = SecretField(self, placeholder="vault passphrase")
        self.recover_out = QLineEdit(self)
        self.recover_out.setPlaceholderText("a folder to restore everything into")
        out_row = path_row(self, self.recover_out, "Restore everything into", "folder")
        self.preview_button = QPushButton("Show what will be restored", self)
        self.preview_button.clicked.connect(self.run_preview)
        #: What the backup holds, item by item, before anything is restored.
        self.contents = row_table(
            self, ["Item", "Kind", "Backed up", "Size", "Identity", "Sealed"], 0
        )
        self.contents.setObjectName("backupContents")
        self.contents.setAccessibleName("What the backup holds")
        self.contents.setVisible(False)
        self.contents_note = QLabel("", self)
        self.contents_note.setWordWrap(True)
        self.last_contents: SourceListing | None = None
        self.recover_button = QPushButton("Recover everything", self)
        self.recover_button.clicked.connect(self.run_recover)
        self.recover_progress = QProgressBar(self)
        key_row = QHBoxLayout()
        key_row.addWidget(self.with_words)
        key_row.addWidget(self.with_passphrase)
        key_row.addWidget(self.with_kit)
        key_row.addStretch(1)
        recover_box = QGroupBox("Recover on a new computer", self)
        rform = QFormLayout(recover_box)
        rform.addRow(
            note(
                "Restores every item from one backup (a drive or B2) when this computer "
                "has nothing yet. Only an authentic, newest backup is accepted.",
                recover_box,
            )
        )
        rform.addRow("Backup", source_row)
        rform.addRow("B2 key ID", self.recover_b2_key_id)
        rform.addRow("B2 key", self.recover_b2_key)
        self._recover_form = rform
        self.recover_source.textChanged.connect(self._show_b2_fields)
        self._show_b2_fields()
        rform.addRow("Open with", key_row)
        rform.addRow("24 words", self.recover_words)
        rform.addRow("Passphrase", self.recover_passphrase)
        rform.addRow(self.scan_button, self.kit_status)
        rform.addRow(self.preview_button, self.contents_note)
        rform.addRow(self.contents)
        rform.addRow("Into", out_row)
        rform.addRow(self.recover_button, self.recover_progress)

        self.result = QPlainTextEdit(self)
        self.result.setObjectName("restoreResult")
        self.result.setAccessibleName("Result of the restore")
        self.result.setReadOnly(True)
        layout = QVBoxLayout(self)
        layout.addWidget(heading("Restore", self))
        layout.addWidget(restore_box)
        layout.addWidget(recover_box)
        layout.addWidget(QLabel("Result", self))
        layout.addWidget(self.result, 1)

    # --- choices ----------------------------------------------------------------------

    def refresh(self) -> None:
        """Reload items, versions and destinations (on the pool)."""
        home = self.home

        def work(context: TaskContext) -> RestoreChoices | None:
            if load_config(home).vault is None:
                return None
            return load_choices(home)

        run_task(self._runner, self, "restore-choices", work, self._show_choices)

    def _show_choices(self, choices: RestoreChoices | None) -> None:
        self.choices = choices
        current = self.item.currentData()
        self.item.clear()
        self.source.clear()
        if choices is None:
            return
        for name, versions in choices.versions.items():
            self.item.addItem(f"{name} ({len(versions)} versions)", name)
        if current is not None:
            self.item.setCurrentIndex(max(0, self.item.findData(current)))
        self.source.addItem("any destination holding an intact copy", None)
        for name in choices.destinations:
            self.source.addItem(name, name)
        self._fill_versions()

    def _fill_versions(self) -> None:
        self.version.clear()
        name = self.item.currentData()
        if self.choices is None or name is None:
            return
        self.version.addItem("the newest", None)
        for record in reversed(self.choices.versions.get(str(name), [])):
            when = record.created.strftime("%Y-%m-%d %H:%M")
            self.version.addItem(f"version {record.version}, {when}", record.version)

    # --- the heir's path: the key from the recovery kit ----------------------------------

    def start_heir_path(self) -> None:
        """Set the recovery up for an heir: open with the kit, start at the backup."""
        self.with_kit.setChecked(True)
        self.result.setPlainText(
            "Recovering someone's keys: scan the key page of their recovery kit (a photo or "
            "the PDF), or its share pages one after the other, or type the 24 words; then "
            "choose the backup: a drive folder, or b2://BUCKET/FOLDER with the bucket and "
            "folder the kit names and the key ID and key on its 'Cloud access' page; and a "
            "new folder to restore into."
        )
        self.recover_source.setFocus()

    def _choose_kit_scan(self) -> None:
        name, _filter = QFileDialog.getOpenFileName(
            self, "A photo or PDF of the kit", "", "Images and PDF (*.png *.jpg *.jpeg *.pdf)"
        )
        if name:
            self.scan_kit(Path(name))

    def scan_kit(self, path: Path) -> None:
        """Read the vault key from a photo or PDF of the kit (its QR code), or add the
        share pages found there to those scanned before (on the pool)."""
        earlier = list(self._kit_shares)

        def work(context: TaskContext) -> KitScan:
            return read_kit(path, earlier)

        run_task(self._runner, self, "scan-kit", work, self._kit_scanned, busy=[self.scan_button])

    def _kit_scanned(self, scan: KitScan) -> None:
        self._kit_shares = scan.shares
        if scan.identity is not None:
            self.kit_identity = scan.identity
            self.with_kit.setChecked(True)
        self.kit_status.setText(scan.message)

    # --- restore one item -------------------------------------------------------------

    def run_restore(self) -> None:
        """Restore the chosen item version into the chosen target."""
        home = self.home
        name = self.item.currentData()
        if name is None or not self.target.text().strip():
            self.result.setPlainText("choose an item and a new file or folder name first")
            return
        version = self.version.currentData()
        from_dest = self.source.currentData()
        target = Path(self.target.text().strip()).expanduser()
        passphrase = self.passphrase.secret("passphrase")
        self.passphrase.clear()

        def work(context: TaskContext) -> RestoreResult:
            try:
                identities = [
                    keystore.unlock_vault_key(home, passphrase),
                    *keystore.previous_identities(home, passphrase),
                ]
            finally:
                passphrase.wipe()
            return restore(
                home,
                str(name),
                target,
                identities=identities,
                version=version,
                from_dest=from_dest,
                progress=lambda e: context.post(e, "restore"),
            )

        def done(result: RestoreResult) -> None:
            self.last_result = result
            self.restore_progress.setRange(0, 1)
            self.restore_progress.setValue(1)
            self.result.setPlainText(
                f"restored {result.name} version {result.version} from {result.source}\n"
                f"into {result.path} ({result.size} bytes, checked against its sha256)"
            )

        run_task(
            self._runner,
            self,
            "restore",
            work,
            done,
            busy=[self.restore_button],
            queue="engine",
            on_event=lambda e: show_progress(self.restore_progress, e),
        )

    # --- the backup to recover from, and its key ----------------------------------------

    def _show_b2_fields(self) -> None:
        on_b2 = self.recover_source.text().strip().startswith("b2://")
        self._recover_form.setRowVisible(self.recover_b2_key_id, on_b2)
        self._recover_form.setRowVisible(self.recover_b2_key, on_b2)

    def _b2_credentials(self) -> B2Credentials | None:
        """The typed B2 read key, None when not both parts are given (then the
        environment's key is used, as the CLI does). Spaces are dropped: the kit prints
        the key in groups of four, and a B2 key or key ID never holds one."""
        key_id = "".join(self.recover_b2_key_id.text().split())
        if not key_id or self.recover_b2_key.is_empty():
            return None
        typed = self.recover_b2_key.secret("B2 application key")
        try:
            key = Secret("".join(typed.reveal_text().split()), label="B2 application key")
        finally:
            typed.wipe()
        return B2Credentials(key_id, key, "typed")

    def _opening(self, source: str) -> _Opening | None:
        """The backup ``source`` and what opens it as chosen under "Open with" (the words,
        the passphrase or the kit's key), with the typed B2 key for a ``b2://`` one; None,
        with the reason in the result box, when the kit was not scanned yet."""
        if self.with_kit.isChecked() and self.kit_identity is None:
            self.result.setPlainText("scan the kit's key page (or enough share pages) first")
            return None
        b2_credentials = self._b2_credentials() if source.startswith("b2://") else None
        if self.with_kit.isChecked():
            return _Opening(source, None, None, self.kit_identity, b2_credentials)
        if self.with_words.isChecked():
            words = self.recover_words.secret("words")
            return _Opening(source, words, None, None, b2_credentials)
        passphrase = self.recover_passphrase.secret("passphrase")
        return _Opening(source, None, passphrase, None, b2_credentials)

    # --- see what will be restored ------------------------------------------------------

    def run_preview(self) -> None:
        """List what the chosen backup holds for the chosen key (nothing is written)."""
        home = self.home
        source = self.recover_source.text().strip()
        if not source:
            self.result.setPlainText("choose the backup first")
            return
        opening = self._opening(source)
        if opening is None:
            return

        def work(context: TaskContext) -> SourceListing:
            try:
                return list_source(
                    opening.source,
                    home=home,
                    identities=opening.identities(),
                    passphrase=opening.passphrase,
                    b2_credentials=opening.b2_credentials,
                )
            finally:
                opening.wipe()

        run_task(
            self._runner,
            self,
            "preview-backup",
            work,
            self._show_contents,
            busy=[self.preview_button],
            queue="engine",
        )

    def _show_contents(self, listing: SourceListing) -> None:
        self.last_contents = listing
        seal = {
            "sealed": "the owner's seal covers this backup",
            "older": "the owner's seal covers an earlier backup (items changed since are "
            "marked not sealed; their sealed versions are restored beside them)",
            "none": "the owner did not seal it",
            "invalid": "a seal is there but does not verify with this key: do not trust it",
        }[listing.seal]
        lines = [f"{len(listing.items)} items, backup generation {listing.generation}; {seal}."]
        # Other vaults' folders at the same place (or damaged ones): named, not listed.
        lines += [f"Skipped the folder of vault {vault}: {why}" for vault, why in listing.skipped]
        self.contents_note.setText("\n".join(lines))
        self.contents.setRowCount(len(listing.items))
        for row, held in enumerate(listing.items):
            cells = (
                held.name,
                f"{held.kind} ({held.phrase_kind})" if held.phrase_kind else held.kind,
                held.created.replace("T", " ").removesuffix("Z"),
                _size(held.size),
                # What the heir compares with the kit's list (None: an earlier release).
                held.identity.proof if held.identity else "not recorded in the backup",
                "sealed" if held.sealed else "not sealed",
            )
            for column, text in enumerate(cells):
                self.contents.setItem(row, column, QTableWidgetItem(text))
        self.contents.resizeColumnsToContents()
        self.contents.setVisible(True)

    # --- recover everything -----------------------------------------------------------

    def run_recover(self) -> None:
        """Recover every item from the chosen backup into the chosen folder."""
        home = self.home
        source = self.recover_source.text().strip()
        out = self.recover_out.text().strip()
        if not source or not out:
            self.result.setPlainText("choose the backup and a folder to restore into first")
            return
        opening = self._opening(source)
        if opening is None:
            return
        self.recover_words.clear()
        self.recover_passphrase.clear()
        self.recover_b2_key.clear()
        out_dir = Path(out).expanduser()

        def work(context: TaskContext) -> RecoverReport:
            try:
                return recover_from_source(
                    opening.source,
                    out_dir,
                    home=home,
                    identities=opening.identities(),
                    passphrase=opening.passphrase,
                    progress=lambda e: context.post(e, "recover"),
                    b2_credentials=opening.b2_credentials,
                )
            finally:
                opening.wipe()

        def done(report: RecoverReport) -> None:
            self.last_result = report
            self.recover_progress.setRange(0, 1)
            self.recover_progress.setValue(1)
            lines = [f"vault {report.vault_id}, backup generation {report.generation}"]
            lines += [f"restored {r.name} version {r.version} -> {r.path}" for r in report.restored]
            lines += [f"FAILED {name}: {message}" for name, message in report.failed]
            self.result.setPlainText("\n".join(lines))
            self.changed.emit()
            if report.failed:
                # Some items were not restored (a full disk...): say so, not only in the text.
                total = len(report.failed) + len(report.restored)
                show_error(
                    self,
                    ErrorText(
                        f"{len(report.failed)} of {total} items could not be restored"
                        if total > 1
                        else "the item could not be restored",
                        hint=f"{report.failed[0][0]}: {report.failed[0][1]}",
                    ),
                )

        run_task(
            self._runner,
            self,
            "recover",
            work,
            done,
            busy=[self.recover_button],
            queue="engine",
            on_event=lambda e: show_progress(self.recover_progress, e),
        )


def _size(size: int) -> str:
    """A size in the units a person reads (bytes, KB, MB, GB; 1000-based, as file managers)."""
    value = float(size)
    for unit in ("bytes", "KB", "MB"):
        if value < 1000:
            return f"{size} bytes" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{value:.1f} GB"

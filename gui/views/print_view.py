"""The "Print" screen: preview every paper document, then print it or save it as a PDF.

Documents are built and rendered by the core (:func:`keyvault.paper.vault_kit.vault_kit`,
the call behind ``keyvault paper kit``, so the kit has the same pages as the CLI's;
:mod:`keyvault.paper.documents`; :func:`keyvault.paper.render.render_pdf`) on the worker
pool; the preview draws each page rasterised by the core
(:func:`keyvault.paper.scan.rasterise_pdf`, through :mod:`keyvault_gui.pdf_preview`).
Printing goes through the system dialog (QPrinter) with the pages drawn at 300 dpi;
"Save as PDF" writes the core's PDF bytes atomically with mode 0600.

The PDF of a kit or a phrase sheet holds secrets: it stays in memory while shown and is
dropped by "Clear" and when another document is previewed.

A kit can carry a read-only key for each B2 destination (its 'Cloud access' page, as
``keyvault paper kit --b2-read-key``): the heir reaches the bucket with it. Each preview
of such a kit creates new keys in B2, made with the destinations' stored keys.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QImage, QPainter, QPixmap
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from keyvault.atomic import atomic_write
from keyvault.paper.documents import blank_sheet, phrase_sheet, public_sheet, share_sheets
from keyvault.paper.kit import B2ReadKey
from keyvault.paper.render import render_pdf
from keyvault.paper.sheets import Document, PaperSize
from keyvault.paper.vault_kit import vault_kit
from keyvault.secret import Secret
from keyvault.seedphrase import split_bip39, wallet
from keyvault.vault import keystore

from ..pdf_preview import PRINT_DPI, page_images
from ..tasks import TaskContext, TaskRunner
from ..widgets.secret_field import SecretField
from ._common import heading, note, run_task

__all__ = ["DOCUMENTS", "PrintView", "Rendered"]

#: key -> title, in the order offered.
DOCUMENTS: dict[str, str] = {
    "kit": "Recovery kit (the vault key, for heirs)",
    "kit-split": "Recovery kit split into shares (T of N holders)",
    "phrase": "Seed phrase sheet",
    "shares": "SLIP-39 share sheets",
    "public": "Public wallet facts (no secret)",
    "blank": "Blank hand-copy sheet (no secret)",
}

_SPOOLER_WARNING = (
    "Printing sends the pages through this computer's print queue, and some printers keep "
    "a copy. For the most careful setup print the blank sheet and write the words by hand."
)


@dataclass(frozen=True)
class Rendered:
    """A rendered document: its PDF bytes and the preview images of its pages."""

    title: str
    pdf: bytes
    pages: list[QImage]
    secret: bool
    #: The read-only B2 keys made for it: (destination, key ID); the keys are only in it.
    read_keys: tuple[tuple[str, str], ...] = ()


class PrintView(QWidget):
    """Choose a document, preview it, print it or save it as a PDF."""

    def __init__(self, home: Path, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.home = home
        self._runner = runner
        self.rendered: Rendered | None = None
        self.document = QComboBox(self)
        self.document.setObjectName("documentChoice")
        for key, title in DOCUMENTS.items():
            self.document.addItem(title, key)
        self.paper = QComboBox(self)
        self.paper.addItem("A4", "a4")
        self.paper.addItem("US Letter", "letter")
        self.label = QLineEdit(self)
        self.label.setPlaceholderText("optional label printed on the sheet, e.g. 'Ledger'")
        self.passphrase = SecretField(self, placeholder="vault passphrase (opens the vault key)")
        self.phrase = SecretField(self, placeholder="the seed phrase")
        self.bip39_passphrase = SecretField(self, placeholder="optional BIP39 passphrase")
        self.threshold = QSpinBox(self)
        self.threshold.setRange(2, 16)
        self.threshold.setValue(2)
        self.shares = QSpinBox(self)
        self.shares.setRange(2, 16)
        self.shares.setValue(3)
        self.words = QComboBox(self)
        for count in (12, 15, 18, 21, 24):
            self.words.addItem(f"{count} words", count)
        self.words.setCurrentIndex(4)
        self.b2_read_keys = QCheckBox("add a read-only key per B2 bucket", self)
        self.b2_read_keys.setToolTip(
            "A 'Cloud access' page with a new read-only key for each B2 destination, "
            "so that the heir can reach the backups there"
        )
        self.form = QFormLayout()
        self.form.addRow("Document", self.document)
        self.form.addRow("Paper", self.paper)
        self.form.addRow("Label", self.label)
        self.form.addRow("Vault passphrase", self.passphrase)
        self.form.addRow("Seed phrase", self.phrase)
        self.form.addRow("BIP39 passphrase", self.bip39_passphrase)
        self.form.addRow("Shares needed", self.threshold)
        self.form.addRow("Shares made", self.shares)
        self.form.addRow("Blank for", self.words)
        self.form.addRow("Cloud access", self.b2_read_keys)
        self.document.currentIndexChanged.connect(lambda _i: self._show_fields())

        self.preview_button = QPushButton("Preview", self)
        self.print_button = QPushButton("Print…", self)
        self.save_button = QPushButton("Save as PDF…", self)
        self.clear_button = QPushButton("Clear", self)
        self.preview_button.clicked.connect(self.preview)
        self.print_button.clicked.connect(self._print_dialog)
        self.save_button.clicked.connect(self._save_dialog)
        self.clear_button.clicked.connect(self.clear)
        buttons = QHBoxLayout()
        for button in (self.preview_button, self.print_button, self.save_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.clear_button)
        self.info = QLabel(self)
        self.info.setWordWrap(True)
        self.pages_box = QWidget(self)
        self.pages_layout = QVBoxLayout(self.pages_box)
        self.pages_layout.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        self.page_labels: list[QLabel] = []
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.pages_box)
        scroll.setObjectName("printPreview")

        left = QWidget(self)
        left_layout = QVBoxLayout(left)
        left_layout.addWidget(heading("Print", left))
        left_layout.addWidget(note(_SPOOLER_WARNING, left))
        left_layout.addLayout(self.form)
        left_layout.addLayout(buttons)
        left_layout.addWidget(self.info)
        left_layout.addStretch(1)
        left.setMaximumWidth(460)
        layout = QHBoxLayout(self)
        layout.addWidget(left)
        layout.addWidget(scroll, 1)
        self._show_fields()
        self._update_buttons()

    # --- the form ---------------------------------------------------------------------

    def choose(self, key: str) -> None:
        """Select document ``key`` (see :data:`DOCUMENTS`)."""
        self.document.setCurrentIndex(self.document.findData(key))

    def _show_fields(self) -> None:
        key = self.document.currentData()
        fields: dict[str, set[QWidget]] = {
            "kit": {self.passphrase, self.b2_read_keys},
            "kit-split": {self.passphrase, self.threshold, self.shares, self.b2_read_keys},
            "phrase": {self.phrase, self.bip39_passphrase, self.label},
            "shares": {self.phrase, self.threshold, self.shares, self.label},
            "public": {self.phrase, self.bip39_passphrase, self.label},
            "blank": {self.words, self.label},
        }
        wanted = fields[str(key)]
        for field in (
            self.passphrase,
            self.phrase,
            self.bip39_passphrase,
            self.threshold,
            self.shares,
            self.words,
            self.label,
            self.b2_read_keys,
        ):
            self.form.setRowVisible(field, field in wanted)

    # --- building ---------------------------------------------------------------------

    def preview(self) -> None:
        """Build and render the chosen document, then show its pages (on the pool)."""
        key = str(self.document.currentData())
        home = self.home
        paper = str(self.paper.currentData())
        label = self.label.text().strip()
        passphrase = None if self.passphrase.is_empty() else self.passphrase.secret()
        phrase = None if self.phrase.is_empty() else self.phrase.secret("phrase")
        extra = None if self.bip39_passphrase.is_empty() else self.bip39_passphrase.secret()
        threshold, count = self.threshold.value(), self.shares.value()
        words = int(self.words.currentData())
        read_keys = self.b2_read_keys.isChecked()
        self.passphrase.clear()
        self.clear()
        scale = self.devicePixelRatioF()

        def work(context: TaskContext) -> Rendered:
            try:
                document, read_keys_made = _build(
                    key,
                    home,
                    paper,
                    label,
                    passphrase,
                    phrase,
                    extra,
                    threshold,
                    count,
                    words,
                    read_keys,
                )
            finally:
                for secret in (passphrase, phrase, extra):
                    if secret is not None:
                        secret.wipe()
            try:
                pdf = render_pdf(document)
            finally:
                for made_key in read_keys_made:  # from now on, only in the PDF
                    made_key.application_key.wipe()
            context.check_cancelled()
            holds_secrets = any(page.secret for page in document.pages)
            made = tuple((k.destination, k.key_id) for k in read_keys_made)
            images = page_images(pdf, scale=scale)
            return Rendered(DOCUMENTS[key], pdf, images, holds_secrets, made)

        run_task(
            self._runner, self, "render-document", work, self._show, busy=[self.preview_button]
        )

    def _show(self, rendered: Rendered) -> None:
        self.clear()
        self.rendered = rendered
        for number, image in enumerate(rendered.pages, start=1):
            label = QLabel(self.pages_box)
            label.setObjectName(f"page{number}")
            label.setPixmap(QPixmap.fromImage(image))
            label.setStyleSheet("border: 1px solid #999; background: white;")
            self.pages_layout.addWidget(label)
            self.page_labels.append(label)
        self._tell()
        self._update_buttons()

    def _tell(self, done: str = "") -> None:
        """Describe the document shown (and the read-only B2 keys made for it, which the
        owner may want to delete later), then what was ``done`` with it."""
        rendered = self.rendered
        if rendered is None:
            self.info.setText(done)
            return
        secret = "holds secrets: keep it safe" if rendered.secret else "holds no secret"
        lines = [f"{rendered.title}: {len(rendered.pages)} pages; {secret}."]
        lines += [
            f"Created the read-only B2 key {key_id} for {name!r}: it is printed only in this "
            "kit; delete it in B2's web interface if the kit is lost."
            for name, key_id in rendered.read_keys
        ]
        self.info.setText("\n".join([*lines, done] if done else lines))

    def clear(self) -> None:
        """Drop the document (its PDF may hold secrets) and its preview."""
        for label in self.page_labels:
            self.pages_layout.removeWidget(label)
            label.deleteLater()
        self.page_labels = []
        self.rendered = None
        self.info.setText("")
        self._update_buttons()

    def _update_buttons(self) -> None:
        self.print_button.setEnabled(self.rendered is not None)
        self.save_button.setEnabled(self.rendered is not None)

    # --- output -----------------------------------------------------------------------

    def _save_dialog(self) -> None:
        if self.rendered is None:
            return
        name, _ = QFileDialog.getSaveFileName(self, "Save as PDF", "", "PDF (*.pdf)")
        if name:
            self.save_pdf(Path(name))

    def save_pdf(self, path: Path) -> None:
        """Write the document's PDF to ``path`` (atomically, mode 0600, never over a file)."""
        if self.rendered is None:
            return
        pdf = self.rendered.pdf

        def work(context: TaskContext) -> Path:
            atomic_write(path, pdf, overwrite=False)
            return path

        run_task(
            self._runner,
            self,
            "save-pdf",
            work,
            lambda saved: self._tell(f"saved to {saved}"),
            busy=[self.save_button],
        )

    def _print_dialog(self) -> None:
        if self.rendered is None:
            return
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        dialog = QPrintDialog(printer, self)
        dialog.accepted.connect(lambda: self.print_to(printer))
        dialog.show()

    def print_to(self, printer: QPrinter) -> None:
        """Draw the pages at print resolution (on the pool), then print them."""
        if self.rendered is None:
            return
        pdf = self.rendered.pdf

        def work(context: TaskContext) -> list[QImage]:
            return page_images(pdf, dpi=PRINT_DPI)

        def paint(images: list[QImage]) -> None:
            painter = QPainter(printer)
            try:
                for number, image in enumerate(images):
                    if number:
                        printer.newPage()
                    area = painter.viewport()
                    size = image.size().scaled(area.size(), Qt.AspectRatioMode.KeepAspectRatio)
                    painter.drawImage(QRect(area.topLeft(), size), image)
            finally:
                painter.end()
            self._tell(f"sent {len(images)} pages to {printer.printerName() or 'the file'}")

        run_task(self._runner, self, "print", work, paint, busy=[self.print_button])


def _build(
    key: str,
    home: Path,
    paper: str,
    label: str,
    passphrase: Secret | None,
    phrase: Secret | None,
    extra: Secret | None,
    threshold: int,
    count: int,
    words: int,
    read_keys: bool,
) -> tuple[Document, list[B2ReadKey]]:
    """The chosen document, built by the core (runs on the pool), and the read-only B2
    keys made for it: a kit with ``read_keys`` gets a new one for each B2 destination."""
    day = date.today()
    size: PaperSize = "letter" if paper == "letter" else "a4"
    if key in ("kit", "kit-split"):
        if passphrase is None:
            raise ValueError("type the vault passphrase: the kit prints the vault key")
        built = vault_kit(
            home,
            lambda: keystore.unlock_vault_key(home, passphrase),
            day=day,
            split=(threshold, count) if key == "kit-split" else None,
            b2_read_keys="all" if read_keys else (),
            paper=size,
        )
        return built.document, list(built.read_keys)
    if key == "blank":
        return blank_sheet(day=day, words=words, label=label, paper=size), []
    if phrase is None:
        raise ValueError("type the seed phrase first")
    if key == "phrase":
        return phrase_sheet(phrase, day=day, label=label, bip39_passphrase=extra, paper=size), []
    if key == "shares":
        groups = split_bip39(phrase, threshold=threshold, shares=count)
        return share_sheets(groups, day=day, label=label, paper=size), []
    info = wallet.inspect(phrase, extra)
    facts = public_sheet(info, day=day, label=label, passphrase_used=extra is not None, paper=size)
    return facts, []

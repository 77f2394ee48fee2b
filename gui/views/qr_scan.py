"""The "Scan a QR code" tab: read a SeedQR (Standard or Compact) from an image file.

Decoding is :func:`keyvault.paper.scan.decode_qr_images` and
:func:`keyvault.seedphrase.from_seedqr`, on the worker pool.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QLabel, QPushButton, QVBoxLayout, QWidget

from keyvault.errors import NotFoundError
from keyvault.paper.scan import decode_qr_images
from keyvault.secret import Secret
from keyvault.seedphrase import from_seedqr

from ..tasks import TaskContext, TaskRunner
from ..widgets.secret_field import SecretView
from ._common import note, run_task

__all__ = ["QrScanTab", "ScanResult"]

IMAGE_FILTER = "Images (*.png *.jpg *.jpeg *.bmp *.gif *.tif *.tiff *.webp);;All files (*)"


@dataclass(frozen=True)
class ScanResult:
    """The phrase found and how many QR codes the image held."""

    phrase: Secret
    codes: int


def scan_seedqr(path: Path) -> ScanResult:
    """The phrase of the first SeedQR in the image (core calls only)."""
    payloads = decode_qr_images(path)
    if not payloads:
        raise NotFoundError(
            "no QR code was found in the image",
            hint="use a sharp, well-lit photo with the whole code in view",
        )
    return ScanResult(from_seedqr(payloads[0]), len(payloads))


class QrScanTab(QWidget):
    """Open an image, find its SeedQR, show the phrase (masked)."""

    def __init__(self, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._runner = runner
        self.open_button = QPushButton("Open an image…", self)
        self.open_button.clicked.connect(self._choose)
        self.source = QLabel(self)
        self.source.setWordWrap(True)
        self.result = SecretView(self)
        self.result.setObjectName("scannedPhrase")
        layout = QVBoxLayout(self)
        layout.addWidget(
            note(
                "Reads SeedSigner's SeedQR (Standard and Compact) from a photo or a scan.",
                self,
            )
        )
        layout.addWidget(self.open_button)
        layout.addWidget(self.source)
        layout.addWidget(self.result)
        layout.addStretch(1)

    def _choose(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self, "Open an image", "", IMAGE_FILTER)
        if name:
            self.scan_file(Path(name))

    def scan_file(self, path: Path) -> None:
        """Scan the image at ``path``."""

        def work(context: TaskContext) -> ScanResult:
            return scan_seedqr(path)

        def done(result: ScanResult) -> None:
            extra = f" (the first of {result.codes} codes)" if result.codes > 1 else ""
            self.source.setText(f"SeedQR read from {path.name}{extra}")
            self.result.set_secret(result.phrase)

        run_task(self._runner, self, "scan-qr", work, done, busy=[self.open_button])

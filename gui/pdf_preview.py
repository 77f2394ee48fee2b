"""Preview pages of a PDF the core rendered: poppler's ``pdftoppm`` turns each page into
an image in memory (the PDF goes in on stdin and the image comes out on stdout, so a
kit full of secrets never touches the disk). PySide6-Essentials has no QtPdf.

:func:`page_images` runs on the worker pool; it returns QImages, which (unlike
QPixmaps) may be made off the GUI thread.
"""

from __future__ import annotations

import shutil
import subprocess

from PySide6.QtGui import QImage

from keyvault.errors import ImageReadError
from keyvault.paper.render import count_pages

__all__ = ["PREVIEW_DPI", "PRINT_DPI", "page_images"]

PREVIEW_DPI = 60
PRINT_DPI = 300


def page_images(pdf: bytes, *, dpi: int = PREVIEW_DPI) -> list[QImage]:
    """Every page of ``pdf`` as an image at ``dpi``."""
    tool = shutil.which("pdftoppm")
    if tool is None:
        raise ImageReadError(
            "the preview needs poppler's pdftoppm, which is not installed",
            hint="install poppler-utils, or save the PDF and open it in a PDF viewer",
        )
    images = []
    for number in range(1, count_pages(pdf) + 1):
        proc = subprocess.run(
            [tool, "-r", str(dpi), "-f", str(number), "-l", str(number), "-"],
            input=pdf,
            capture_output=True,
            check=False,
        )
        image = QImage.fromData(proc.stdout)  # the PPM header says what it is
        if proc.returncode != 0 or image.isNull():
            raise ImageReadError(f"page {number} of the document could not be drawn")
        images.append(image)
    return images

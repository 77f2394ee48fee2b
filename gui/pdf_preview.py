"""Preview pages of a PDF the core rendered, as images.

The core rasterises (:func:`keyvault.paper.scan.rasterise_pdf`: poppler's ``pdftoppm``
reads the PDF from a pipe and writes the pages to one, so a kit full of secrets never
touches the disk); this module only turns its grayscale pages into QImages.
PySide6-Essentials has no QtPdf.

:func:`page_images` runs on the worker pool; it returns QImages, which (unlike
QPixmaps) may be made off the GUI thread.
"""

from __future__ import annotations

from PySide6.QtGui import QImage

from keyvault.paper.scan import rasterise_pdf

__all__ = ["PREVIEW_DPI", "PRINT_DPI", "page_images"]

PREVIEW_DPI = 60
PRINT_DPI = 300


def page_images(pdf: bytes, *, dpi: int = PREVIEW_DPI, scale: float = 1.0) -> list[QImage]:
    """Every page of ``pdf`` as an image at ``dpi`` (the sheets are black and white, so
    grayscale). ``scale`` is the screen's device pixel ratio: the pages are rendered with
    that many more pixels and marked so, to show at the same size, sharp (200 % scale).
    Raises :class:`~keyvault.errors.ImageReadError` without ``pdftoppm`` or for a
    document it cannot read."""
    images = []
    for page in rasterise_pdf(pdf, dpi=round(dpi * scale)):
        width, height = page.size
        # copy(): the QImage must own its pixels, not borrow the Python bytes.
        image = QImage(page.tobytes(), width, height, width, QImage.Format.Format_Grayscale8)
        image = image.copy()
        image.setDevicePixelRatio(scale)
        images.append(image)
    return images

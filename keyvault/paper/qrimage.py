"""QR codes at an exact version, mode and error-correction level, as a matrix, PNG or SVG.

:func:`qr_matrix` builds the module matrix with ``qrcode`` (forcing numeric or byte mode,
version and level L, so a SeedQR matches SeedSigner's bit for bit). The PDF renderer
draws that matrix itself; :func:`write_png` and :func:`write_svg` write stand-alone
images. Images of a seed are secrets: both writers go through ``atomic_write`` with
mode 0600 and, by default, refuse to replace an existing file.
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, Literal

from keyvault.atomic import atomic_write

__all__ = [
    "QUIET_ZONE",
    "Matrix",
    "dark_runs",
    "png_bytes",
    "qr_matrix",
    "smallest_version",
    "svg_text",
    "write_png",
    "write_qr_image",
    "write_svg",
]

#: Light modules around the code, as the QR standard requires.
QUIET_ZONE = 4

#: Rows of modules, True = dark; no quiet zone.
Matrix = list[list[bool]]

Mode = Literal["numeric", "alphanumeric", "byte"]

#: The characters QR alphanumeric mode can hold (upper case only).
ALPHANUMERIC = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:")

ErrorLevel = Literal["L", "M", "Q", "H"]

_LEVELS = {"L": 1, "M": 0, "Q": 3, "H": 2}  # qrcode.constants.ERROR_CORRECT_*


def _chunk(data: bytes | str, mode: Mode) -> Any:
    import qrcode.util

    if mode == "numeric":
        if not isinstance(data, str) or not data.isdigit() or not data.isascii():
            raise ValueError("numeric mode takes a string of digits")
        return qrcode.util.QRData(data, mode=qrcode.util.MODE_NUMBER)
    if mode == "alphanumeric":
        if not isinstance(data, str) or not data or not set(data) <= ALPHANUMERIC:
            raise ValueError("alphanumeric mode takes upper case letters, digits and $%*+-./: ")
        return qrcode.util.QRData(data, mode=qrcode.util.MODE_ALPHA_NUM)
    if mode == "byte":
        if not isinstance(data, bytes):
            raise ValueError("byte mode takes bytes")
        return qrcode.util.QRData(data, mode=qrcode.util.MODE_8BIT_BYTE)
    raise ValueError(f"unknown QR mode {mode!r}")


def qr_matrix(
    data: bytes | str,
    *,
    version: int,
    mode: Mode,
    error: ErrorLevel = "L",
    mask: int | None = None,
) -> Matrix:
    """The module matrix of a QR code of exactly ``version`` in ``mode`` at level ``error``.

    ``mode="numeric"`` takes a digit string; ``"alphanumeric"`` a string of
    :data:`ALPHANUMERIC` characters (upper case, digits, space and ``$%*+-./:``);
    ``"byte"`` takes bytes, encoded as they are (no ECI, no text transcoding). ``mask``
    pins the mask pattern (0-7); by default the best one is chosen as the QR standard
    says. Raises ``ValueError`` when the data does not fit the version or does not suit
    the mode.
    """
    import qrcode
    import qrcode.exceptions

    if not 1 <= version <= 40:
        raise ValueError("a QR version is 1 to 40")
    chunk = _chunk(data, mode)
    code = qrcode.QRCode(
        version=version, error_correction=_LEVELS[error], border=0, mask_pattern=mask
    )
    code.add_data(chunk)
    try:
        code.make(fit=False)
    except qrcode.exceptions.DataOverflowError:
        raise ValueError(f"the data does not fit a version {version} QR code") from None
    return [[bool(cell) for cell in row] for row in code.get_matrix()]


def smallest_version(data: bytes | str, *, mode: Mode, error: ErrorLevel = "M") -> int:
    """The smallest QR version that holds ``data`` in ``mode`` at level ``error``.

    Raises ``ValueError`` when even version 40 is too small or the data does not suit
    the mode.
    """
    import qrcode
    import qrcode.exceptions

    code = qrcode.QRCode(version=None, error_correction=_LEVELS[error], border=0)
    code.add_data(_chunk(data, mode))
    try:
        version: int = code.best_fit()
    except (qrcode.exceptions.DataOverflowError, ValueError):
        raise ValueError("the data does not fit any QR code") from None
    return version


def _with_quiet_zone(matrix: Sequence[Sequence[bool]], border: int) -> Matrix:
    size = len(matrix) + 2 * border
    blank = [False] * size
    rows = [list(blank) for _ in range(border)]
    rows += [[False] * border + list(row) + [False] * border for row in matrix]
    rows += [list(blank) for _ in range(border)]
    return rows


def png_bytes(
    matrix: Sequence[Sequence[bool]], *, scale: int = 10, border: int = QUIET_ZONE
) -> bytes:
    """A black-on-white PNG of ``matrix``, ``scale`` pixels per module."""
    from PIL import Image

    if scale < 1:
        raise ValueError("scale is at least 1 pixel per module")
    full = _with_quiet_zone(matrix, border)
    size = len(full)
    image = Image.new("1", (size, size), 1)
    image.putdata([0 if dark else 1 for row in full for dark in row])
    image = image.resize((size * scale, size * scale), Image.Resampling.NEAREST)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def dark_runs(matrix: Sequence[Sequence[bool]]) -> Iterator[tuple[int, int, int]]:
    """Each horizontal run of dark modules as ``(row, first column, length)``, row by row:
    drawing one rectangle per run keeps SVG and PDF codes small and free of seams."""
    for y, row in enumerate(matrix):
        x = 0
        while x < len(row):
            if not row[x]:
                x += 1
                continue
            start = x
            while x < len(row) and row[x]:
                x += 1
            yield y, start, x - start


def svg_text(
    matrix: Sequence[Sequence[bool]], *, module_size: float = 1.0, border: int = QUIET_ZONE
) -> str:
    """A self-contained SVG of ``matrix``: one path, one rectangle per run of dark modules."""
    size = len(matrix) + 2 * border
    parts = [
        f"M{start + border},{y + border}h{length}v1h-{length}z"
        for y, start, length in dark_runs(matrix)
    ]
    side = size * module_size
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="{side:g}" '
        f'height="{side:g}" viewBox="0 0 {size} {size}" shape-rendering="crispEdges">\n'
        f'<rect width="{size}" height="{size}" fill="#fff"/>\n'
        f'<path fill="#000" d="{"".join(parts)}"/>\n'
        "</svg>\n"
    )


def write_png(
    path: Path | str, matrix: Sequence[Sequence[bool]], *, scale: int = 10, overwrite: bool = False
) -> None:
    """Write ``matrix`` as a PNG, atomically, mode 0600."""
    atomic_write(path, png_bytes(matrix, scale=scale), overwrite=overwrite)


def write_svg(
    path: Path | str,
    matrix: Sequence[Sequence[bool]],
    *,
    module_size: float = 4.0,
    overwrite: bool = False,
) -> None:
    """Write ``matrix`` as an SVG, atomically, mode 0600."""
    text = svg_text(matrix, module_size=module_size)
    atomic_write(path, text.encode("utf-8"), overwrite=overwrite)


def write_qr_image(
    path: Path | str, matrix: Sequence[Sequence[bool]], *, overwrite: bool = False
) -> str:
    """Write a PNG or an SVG, chosen by the suffix of ``path``; return ``"png"``/``"svg"``.

    Raises ``ValueError`` for another suffix and ``FileExistsError`` for an existing file
    unless ``overwrite``.
    """
    suffix = Path(path).suffix.lower()
    if suffix == ".png":
        write_png(path, matrix, overwrite=overwrite)
        return "png"
    if suffix == ".svg":
        write_svg(path, matrix, overwrite=overwrite)
        return "svg"
    raise ValueError("the image file name must end in .png or .svg")

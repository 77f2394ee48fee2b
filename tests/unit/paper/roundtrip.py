"""Real-tool round trips for printed pages: pdftoppm, zbarimg and zxing-cpp."""

from __future__ import annotations

import subprocess
from pathlib import Path

import zxingcpp
from PIL import Image

DPI = 150


def rasterise(pdf: Path | bytes, out_dir: Path, dpi: int = DPI) -> list[Path]:
    """``pdftoppm -r DPI -png``: one PNG per page, in page order."""
    out_dir.mkdir(parents=True, exist_ok=True)
    if isinstance(pdf, bytes):
        path = out_dir / "document.pdf"
        path.write_bytes(pdf)
        pdf = path
    subprocess.run(
        ["pdftoppm", "-r", str(dpi), "-png", str(pdf), str(out_dir / "page")],
        check=True,
        capture_output=True,
    )
    return sorted(out_dir.glob("page-*.png"))


def zbar(png: Path, *, binary: bool = False) -> list[bytes]:
    """Every QR payload ``zbarimg`` finds (raw; ``binary`` keeps byte-mode data exact)."""
    args = ["zbarimg", "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable"]
    if binary:
        args.append("-Sqrcode.binary")
    proc = subprocess.run([*args, str(png)], capture_output=True, check=False)
    if proc.returncode == 4:  # zbarimg: no symbol found
        return []
    assert proc.returncode == 0, proc.stderr
    if binary:
        # zbarimg ends its output with one newline of its own.
        assert proc.stdout.endswith(b"\n")
        return [proc.stdout[:-1]]
    return [line for line in proc.stdout.split(b"\n") if line]


def zxing(png: Path) -> list[bytes]:
    """Every QR payload zxing-cpp finds, byte-exact, with no retries or clean-up."""
    with Image.open(png) as image:
        found = zxingcpp.read_barcodes(
            image.convert("L"), formats=zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)
        )
    return [bytes(code.bytes) for code in found]

"""Read QR codes back from images, as exact bytes (zxing-cpp).

zxing-cpp returns byte-mode payloads untouched, which CompactSeedQR needs: its raw
entropy may contain NUL, CR or LF bytes that text-oriented decoders mangle. Numeric and
alphanumeric payloads come back as their ASCII characters.
"""

from __future__ import annotations

from pathlib import Path

from keyvault.errors import ImageReadError, NotFoundError

__all__ = ["decode_qr_images"]


def decode_qr_images(path: Path | str) -> list[bytes]:
    """The payloads of every QR code found in the image at ``path``, top to bottom.

    Any format Pillow reads (PNG, JPEG, ...). An image with no QR code gives an empty
    list. Raises :class:`NotFoundError` when the file does not exist and
    :class:`ImageReadError` when it is not an image.
    """
    import zxingcpp
    from PIL import Image, UnidentifiedImageError

    path = Path(path)
    try:
        with Image.open(path) as opened:
            image = opened.convert("L")
    except FileNotFoundError:
        raise NotFoundError(f"no such file: {path}") from None
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        hint = None
        if path.suffix.lower() == ".svg":
            hint = "SVG is a drawing, not a picture: print it, or convert it to PNG, and scan that"
        raise ImageReadError(f"{path} cannot be read as an image", hint=hint) from exc
    found = zxingcpp.read_barcodes(
        image, formats=zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)
    )
    found.sort(key=lambda code: (code.position.top_left.y, code.position.top_left.x))
    return [bytes(code.bytes) for code in found]

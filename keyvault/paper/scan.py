"""Read QR codes back from images and PDFs, as exact bytes (zxing-cpp), and say what they hold.

zxing-cpp returns byte-mode payloads untouched, which CompactSeedQR needs: its raw
entropy may contain NUL, CR or LF bytes that text-oriented decoders mangle. Numeric and
alphanumeric payloads come back as their ASCII characters.

- :func:`decode_qr_images`: every QR payload in an image file or a PDF.
- :func:`decode_image`: the same for a Pillow image (a phone photo, a webcam frame). When
  the straightforward read finds nothing it retries a few variants (sharpened, smaller,
  other binarizers), which rescues mildly blurred, tilted or unevenly lit photos.
- :func:`scan_file` / :func:`classify`: what each payload is: a BIP39 phrase (SeedQR or
  words), an age identity (the vault key), a SLIP-39 share, or other text.

PDFs are rasterised by poppler's ``pdftoppm`` into memory (its output is read from a
pipe: no page image of a secret touches the disk).
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from keyvault import childproc
from keyvault.errors import (
    ImageReadError,
    InvalidKeyError,
    InvalidMnemonicError,
    InvalidShareError,
    NotFoundError,
    SeedQRError,
)
from keyvault.secret import Secret

if TYPE_CHECKING:
    from PIL.Image import Image

__all__ = [
    "PDF_DPI",
    "Scanned",
    "classify",
    "decode_image",
    "decode_qr_images",
    "rasterise_pdf",
    "scan_file",
    "secrets_of",
]

#: Resolution PDFs are rasterised at: a 1 mm module is about 8 pixels.
PDF_DPI = 200

_DESCRIPTOR = re.compile(r"^(sh|wsh|wpkh|pkh|tr)\(.*\)#[02-9ac-hj-np-z]{8}$", re.DOTALL)
_BECH32_ADDRESS = re.compile(r"^(BC|TB|BCRT)1[02-9AC-HJ-NP-Z]{6,87}$")

Kind = Literal["bip39", "age-identity", "slip39-share", "text", "binary"]


@dataclass(frozen=True)
class Scanned:
    """One QR code's content and what it is.

    ``kind``: ``bip39`` (a phrase; ``format`` is ``standard``/``compact`` for SeedQR or
    ``words``), ``age-identity`` (``AGE-SECRET-KEY-1...``), ``slip39-share``, ``text``
    (anything else readable, e.g. an xpub) or ``binary``. ``value`` is the normalised
    phrase, key, share or text; it is a secret for the first three kinds. ``page`` is the
    1-based PDF page (1 for an image).
    """

    kind: Kind
    value: Secret
    format: str
    page: int

    @property
    def is_secret(self) -> bool:
        """True for phrases, keys and shares."""
        return self.kind in ("bip39", "age-identity", "slip39-share")


def _open_image(path: Path) -> Image:
    from PIL import Image as PILImage
    from PIL import UnidentifiedImageError

    try:
        with PILImage.open(path) as opened:
            return opened.convert("L")
    except FileNotFoundError:
        raise NotFoundError(f"no such file: {path}") from None
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        hint = None
        if path.suffix.lower() == ".svg":
            hint = "SVG is a drawing, not a picture: print it, or convert it to PNG, and scan that"
        raise ImageReadError(f"{path} cannot be read as an image", hint=hint) from exc


def _is_pdf(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            return handle.read(5) == b"%PDF-"
    except FileNotFoundError:
        raise NotFoundError(f"no such file: {path}") from None
    except OSError as exc:
        raise ImageReadError(f"cannot read {path}: {exc.strerror}") from None


def _parse_pnm_stream(data: bytes) -> Iterator[Image]:
    """Split pdftoppm's concatenated binary PGM/PPM output into Pillow images."""
    from PIL import Image as PILImage

    pos = 0
    while pos < len(data):
        fields: list[bytes] = []
        cursor = pos
        while len(fields) < 4:
            while cursor < len(data) and data[cursor : cursor + 1].isspace():
                cursor += 1
            if data[cursor : cursor + 1] == b"#":
                cursor = data.index(b"\n", cursor)
                continue
            end = cursor
            while end < len(data) and not data[end : end + 1].isspace():
                end += 1
            fields.append(data[cursor:end])
            cursor = end
        cursor += 1  # the single whitespace byte before the raster
        magic, width, height, maxval = fields[0], int(fields[1]), int(fields[2]), int(fields[3])
        if magic not in (b"P5", b"P6") or maxval != 255:
            raise ImageReadError("the PDF rasteriser returned an unexpected image format")
        channels = 1 if magic == b"P5" else 3
        size = width * height * channels
        raster = data[cursor : cursor + size]
        if len(raster) != size:
            raise ImageReadError("the PDF rasteriser returned a truncated image")
        yield PILImage.frombytes("L" if channels == 1 else "RGB", (width, height), raster)
        pos = cursor + size


def rasterise_pdf(pdf: Path | str | bytes, *, dpi: int = PDF_DPI) -> list[Image]:
    """Every page of a PDF as a grayscale Pillow image, in memory.

    ``pdf`` is the file's path, or the document itself as ``bytes`` (e.g. one just
    rendered, for a preview): those go to ``pdftoppm`` on stdin, so a document holding
    secrets never touches the disk. Needs poppler's ``pdftoppm``; raises
    :class:`ImageReadError` without it, or for a document it cannot read as a PDF.
    """
    in_memory = isinstance(pdf, bytes)
    tool = shutil.which("pdftoppm")
    if tool is None:
        raise ImageReadError(
            "reading a PDF needs poppler's pdftoppm, which is not installed",
            hint="install poppler (apt install poppler-utils, brew install poppler)"
            + ("" if in_memory else ", or scan a photo or PNG of the page instead"),
        )
    source = "-" if isinstance(pdf, bytes) else str(Path(pdf))
    proc = childproc.run(
        [tool, "-r", str(dpi), "-gray", source],
        stdin_data=pdf if isinstance(pdf, bytes) else None,
        timeout=None,
    )
    if proc.returncode != 0 or not proc.stdout:
        raise ImageReadError(f"{'the document' if in_memory else source} cannot be read as a PDF")
    return list(_parse_pnm_stream(proc.stdout))


def _read(image: Any, binarizer: Any = None) -> list[Any]:
    import zxingcpp

    options: dict[str, Any] = {"formats": zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)}
    if binarizer is not None:
        options["binarizer"] = binarizer
    found: list[Any] = zxingcpp.read_barcodes(image, **options)
    return found


def _variants(image: Image) -> Iterator[tuple[Any, Any]]:
    """Second chances for a hard image, most often useful first: strongly sharpened,
    mildly sharpened, stretched contrast, halved, other thresholds.

    The strong unsharp mask comes first because it rescues photos blurred by about a
    module (Gaussian sigma 5 px on the sheet's 9 px modules at 150 dpi), and the mild one
    before it was measured to misread some of them as a small bogus code, which ended the
    search: ``bench/bench_scan.py`` reads 300 such photos of random phrase sheets.
    """
    import zxingcpp
    from PIL import ImageFilter, ImageOps

    fixed = zxingcpp.Binarizer.FixedThreshold
    strong = image.filter(ImageFilter.UnsharpMask(radius=3, percent=500, threshold=0))
    yield strong, fixed
    yield strong, None
    yield image.filter(ImageFilter.UnsharpMask(radius=3, percent=200, threshold=0)), None
    yield ImageOps.autocontrast(image, cutoff=2), zxingcpp.Binarizer.GlobalHistogram
    smaller = image.resize((max(1, image.width // 2), max(1, image.height // 2)))
    yield smaller, None
    yield image, fixed
    yield smaller.filter(ImageFilter.UnsharpMask(radius=2, percent=250, threshold=0)), None


def decode_image(image: Image) -> list[bytes]:
    """The payloads of every QR code in a Pillow image, top to bottom, left to right.

    If the plain read finds nothing, a few cleaned-up variants of the image are tried.
    """
    gray = image.convert("L")
    found = _read(gray)
    if not found:
        for variant, binarizer in _variants(gray):
            found = _read(variant, binarizer)
            if found:
                break
    found.sort(key=lambda code: (code.position.top_left.y, code.position.top_left.x))
    payloads: list[bytes] = []
    for code in found:
        payload = bytes(code.bytes)
        if payload not in payloads:
            payloads.append(payload)
    return payloads


def _pages(path: Path) -> list[Image]:
    if _is_pdf(path):
        return rasterise_pdf(path)
    return [_open_image(path)]


def decode_qr_images(path: Path | str) -> list[bytes]:
    """The payloads of every QR code in the image or PDF at ``path``, page by page.

    Any format Pillow reads (PNG, JPEG, ...), or a PDF. A file with no QR code gives an
    empty list. Raises :class:`NotFoundError` when the file does not exist and
    :class:`ImageReadError` when it is neither an image nor a readable PDF.
    """
    return [payload for page in _pages(Path(path)) for payload in decode_image(page)]


def _as_text(payload: bytes) -> str | None:
    try:
        text = payload.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if not text.isprintable():
        return None
    return text


def classify(payload: bytes, page: int = 1) -> Scanned:
    """What a QR payload holds (see :class:`Scanned`); never raises for odd content."""
    from keyvault.crypto import X25519Identity
    from keyvault.seedphrase import bip39, seedqr, slip39

    try:
        fmt = seedqr.payload_format(payload)
        return Scanned("bip39", seedqr.from_payload(payload), fmt, page)
    except SeedQRError:
        pass
    text = _as_text(payload)
    if text is None:
        return Scanned("binary", Secret(payload, label="qr"), "binary", page)
    stripped = text.strip()
    if stripped.upper().startswith("AGE-SECRET-KEY-1"):
        try:
            identity = X25519Identity.parse(stripped.upper())
            return Scanned("age-identity", identity.to_secret(), "age", page)
        except InvalidKeyError:
            pass
    words = stripped.split()
    if len(words) >= 12:
        secret = Secret(" ".join(words).lower(), label="scanned")
        try:
            slip39.describe(secret)
            return Scanned("slip39-share", secret, "slip39", page)
        except InvalidShareError:
            pass
        try:
            phrase = bip39.check(secret)
            return Scanned("bip39", phrase.words, "words", page)
        except InvalidMnemonicError:
            pass
    if _DESCRIPTOR.match(stripped):
        return Scanned("text", Secret(stripped, label="qr"), "descriptor", page)
    if _BECH32_ADDRESS.match(stripped):
        # Printed in upper case to fit QR alphanumeric mode; wallets show addresses lower case.
        return Scanned("text", Secret(stripped.lower(), label="qr"), "address", page)
    return Scanned("text", Secret(stripped, label="qr"), "text", page)


def _join_bbqr(parts: list[tuple[int, str]]) -> Scanned:
    """One result for a BBQr series (its parts from any pages, in any order)."""
    from keyvault.configs.bbqr import join

    file_type, payload = join(text for _, text in parts)
    joined = classify(payload, parts[0][0])
    if joined.kind == "text" and file_type in ("U", "J"):
        return Scanned("text", joined.value, f"bbqr-{joined.format}", joined.page)
    return joined


def scan_file(path: Path | str) -> list[Scanned]:
    """Every QR code in the image or PDF at ``path``, classified, in reading order.

    The parts of a BBQr series (a descriptor too long for one code) are joined into one
    result, placed where its first part was; an incomplete series raises
    :class:`~keyvault.errors.BBQrError` naming the missing parts.
    """
    from keyvault.configs.bbqr import is_part

    results: list[Scanned] = []
    parts: list[tuple[int, str]] = []
    first_part_at: int | None = None
    for number, page in enumerate(_pages(Path(path)), start=1):
        for payload in decode_image(page):
            text = _as_text(payload)
            if text is not None and is_part(text.strip()):
                first_part_at = len(results) if first_part_at is None else first_part_at
                parts.append((number, text.strip()))
                continue
            results.append(classify(payload, number))
    if parts:
        assert first_part_at is not None
        results.insert(first_part_at, _join_bbqr(parts))
    return results


def secrets_of(results: Iterable[Scanned], kind: Kind) -> list[Secret]:
    """The values of the results of one kind, duplicates removed, in order."""
    seen: list[Secret] = []
    for result in results:
        if result.kind == kind and not any(result.value.equals(s) for s in seen):
            seen.append(result.value)
    return seen

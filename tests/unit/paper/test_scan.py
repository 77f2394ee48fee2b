"""Reading QR codes back: images, PDFs, simulated photos, and what each payload is."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image, ImageFilter

from keyvault.crypto import X25519Identity
from keyvault.errors import ImageReadError, NotFoundError
from keyvault.paper import documents, qrimage, render, scan
from keyvault.secret import Secret
from keyvault.seedphrase import bip39, seedqr, slip39

from .roundtrip import rasterise

DAY = date(2026, 11, 2)


@pytest.fixture(scope="module")
def phrase_page(tmp_path_factory: pytest.TempPathFactory) -> tuple[Secret, Path, Path]:
    """A 24-word phrase, its sheet as a PDF, and that PDF rendered at 150 dpi."""
    tmp = tmp_path_factory.mktemp("phrase")
    phrase = bip39.generate(24)
    pdf = tmp / "sheet.pdf"
    pdf.write_bytes(render.render_pdf(documents.phrase_sheet(phrase, day=DAY)))
    (png,) = rasterise(pdf, tmp / "png")
    return phrase, pdf, png


def test_scan_pdf_directly(phrase_page: tuple[Secret, Path, Path]) -> None:
    phrase, pdf, _ = phrase_page
    (result,) = scan.scan_file(pdf)
    assert (result.kind, result.format, result.page) == ("bip39", "standard", 1)
    assert result.value.reveal_text() == phrase.reveal_text()
    assert result.is_secret


@pytest.mark.parametrize(("angle", "blur"), [(7, 1.5), (-12, 2.0), (25, 1.0), (90, 1.5)])
def test_simulated_photo_mild_blur_and_rotation(
    phrase_page: tuple[Secret, Path, Path], angle: float, blur: float
) -> None:
    phrase, _, png = phrase_page
    with Image.open(png) as image:
        photo = image.convert("L").rotate(angle, expand=True, fillcolor=255)
    photo = photo.filter(ImageFilter.GaussianBlur(blur))
    (payload,) = scan.decode_image(photo)
    assert seedqr.from_payload(payload.decode()).reveal_text() == phrase.reveal_text()


def test_retries_rescue_a_photo_the_plain_read_misses(tmp_path: Path) -> None:
    # A fixed phrase (seed "1:3" of bench/bench_scan.py, which measures the rate over 300
    # random phrases): blurred by about one module, the earlier retries missed it.
    phrase = bip39.from_entropy(hashlib.sha256(b"1:3").digest())
    pdf = tmp_path / "sheet.pdf"
    pdf.write_bytes(render.render_pdf(documents.phrase_sheet(phrase, day=DAY)))
    (png,) = rasterise(pdf, tmp_path / "png")
    with Image.open(png) as image:
        photo = image.convert("L").rotate(7, expand=True, fillcolor=255)
    photo = photo.filter(ImageFilter.GaussianBlur(5))
    plain = zxingcpp.read_barcodes(photo, formats=zxingcpp.BarcodeFormat.QRCode)
    assert plain == []
    assert scan.decode_image(photo) == [seedqr.to_standard(phrase).encode()]


def test_multi_page_pdf_gives_every_share_with_its_page(tmp_path: Path) -> None:
    groups = slip39.split_bip39(bip39.generate(12), threshold=2, shares=3)
    pdf = tmp_path / "shares.pdf"
    pdf.write_bytes(render.render_pdf(documents.share_sheets(groups, day=DAY)))
    pages = scan.rasterise_pdf(pdf, dpi=100)
    assert len(pages) == 3 and all(p.mode == "L" for p in pages)
    results = scan.scan_file(pdf)
    assert [(r.kind, r.page) for r in results] == [("slip39-share", n) for n in (1, 2, 3)]
    for result, share in zip(results, groups[0], strict=True):
        assert result.value.reveal_text() == share.reveal_text()
    assert len(scan.secrets_of(results + results, "slip39-share")) == 3
    assert len(scan.decode_qr_images(pdf)) == 3


def test_png_written_by_qrimage_is_read(tmp_path: Path) -> None:
    phrase = bip39.generate(12)
    payload = seedqr.to_compact(phrase)
    path = tmp_path / "code.png"
    qrimage.write_png(path, qrimage.qr_matrix(payload, version=1, mode="byte"))
    assert scan.decode_qr_images(path) == [payload]


def test_classify_payloads() -> None:
    identity = X25519Identity.generate()
    key = identity.to_secret().reveal_text()
    found = scan.classify(key.lower().encode())
    assert (found.kind, found.value.reveal_text()) == ("age-identity", key)
    share = slip39.split_bip39(bip39.generate(12), threshold=1, shares=1)[0][0]
    found = scan.classify(share.reveal_text().upper().encode())
    assert (found.kind, found.value.reveal_text()) == ("slip39-share", share.reveal_text())
    words = bip39.generate(15)
    found = scan.classify(words.reveal())
    assert (found.kind, found.format) == ("bip39", "words")
    entropy = bytes(range(16))
    found = scan.classify(entropy)
    assert (found.kind, found.format) == ("bip39", "compact")
    address = "BC1QCR8TE4KR609GCAWUTMRZA0J4XV80JY8Z306FYU"
    found = scan.classify(address.encode())
    assert (found.kind, found.value.reveal_text()) == ("text", address.lower())
    assert not found.is_secret
    assert scan.classify(b"hello world").kind == "text"
    assert scan.classify(b"\x00\xff" * 20).kind == "binary"
    assert scan.classify(b"AGE-SECRET-KEY-1NOTAKEY").kind == "text"
    assert scan.classify(("abandon " * 12).encode()).kind == "text"  # bad checksum


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError):
        scan.scan_file(tmp_path / "nope.png")


def test_not_an_image(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("just text")
    with pytest.raises(ImageReadError):
        scan.decode_qr_images(path)


def test_svg_gets_a_hint(tmp_path: Path) -> None:
    path = tmp_path / "code.svg"
    qrimage.write_svg(path, qrimage.qr_matrix("0123", version=1, mode="numeric"))
    with pytest.raises(ImageReadError) as caught:
        scan.decode_qr_images(path)
    assert caught.value.hint and "PNG" in caught.value.hint


def test_damaged_pdf(tmp_path: Path) -> None:
    path = tmp_path / "broken.pdf"
    path.write_bytes(b"%PDF-1.4\nthis is not really a pdf\n")
    with pytest.raises(ImageReadError, match="cannot be read as a PDF"):
        scan.scan_file(path)


def test_pdf_without_pdftoppm_says_what_to_install(
    phrase_page: tuple[Secret, Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(ImageReadError) as caught:
        scan.scan_file(phrase_page[1])
    assert caught.value.hint and "poppler" in caught.value.hint


def test_image_without_code_is_empty(tmp_path: Path) -> None:
    path = tmp_path / "white.png"
    Image.new("L", (200, 200), 255).save(path)
    assert scan.scan_file(path) == []


def test_a_pdf_in_memory_is_rasterised_like_its_file(tmp_path: Path) -> None:
    # The GUI previews a just-rendered kit this way: the bytes go through a pipe, no file.
    groups = slip39.split_bip39(bip39.generate(12), threshold=2, shares=2)
    data = render.render_pdf(documents.share_sheets(groups, day=DAY))
    pdf = tmp_path / "shares.pdf"
    pdf.write_bytes(data)
    in_memory = scan.rasterise_pdf(data, dpi=60)
    from_file = scan.rasterise_pdf(pdf, dpi=60)
    assert len(in_memory) == 2
    assert [p.tobytes() for p in in_memory] == [p.tobytes() for p in from_file]
    with pytest.raises(ImageReadError, match=r"^the document cannot be read as a PDF$"):
        scan.rasterise_pdf(b"%PDF-1.4 not really")

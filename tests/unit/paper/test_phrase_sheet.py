"""The seed phrase sheet, printed and read back with real tools (pdftoppm, zbarimg, zxing-cpp)."""

from __future__ import annotations

import itertools
import json
import os
from datetime import date
from pathlib import Path

import pytest

from keyvault.errors import UnprintableTextError
from keyvault.paper import documents, render, sheets
from keyvault.secret import Secret
from keyvault.seedphrase import bip39, seedqr, wallet

from .roundtrip import rasterise, zbar, zxing

DAY = date(2026, 11, 2)
SEEDQR_VECTORS = json.loads(
    (Path(__file__).parents[2] / "vectors" / "seedqr" / "seedqr_vectors.json").read_text("utf-8")
)["vectors"]


def _random_phrases(words: int, count: int) -> list[Secret]:
    return [bip39.generate(words) for _ in range(count)]


PHRASES = [
    pytest.param(p, id=f"{n}w-random{i}")
    for n in (12, 24)
    for i, p in enumerate(_random_phrases(n, 3))
] + [
    pytest.param(Secret(v["mnemonic"]), id=f"seedqr-vector-{v['id']}")
    for v in SEEDQR_VECTORS
    if v["id"] in (1, 4, 8)
]


@pytest.mark.parametrize("phrase", PHRASES)
def test_standard_seedqr_round_trip_zbar_and_zxing(phrase: Secret, tmp_path: Path) -> None:
    pdf = render.render_pdf(documents.phrase_sheet(phrase, day=DAY, label="round trip"))
    (page,) = rasterise(pdf, tmp_path)
    expected = seedqr.to_standard(phrase).encode()
    assert zbar(page) == [expected]
    assert zxing(page) == [expected]
    assert seedqr.from_payload(zbar(page)[0].decode()).reveal_text() == phrase.reveal_text()


@pytest.mark.parametrize("phrase", PHRASES)
def test_compact_seedqr_round_trip_is_binary_exact(phrase: Secret, tmp_path: Path) -> None:
    pdf = render.render_pdf(documents.phrase_sheet(phrase, day=DAY, compact_qr=True))
    (page,) = rasterise(pdf, tmp_path)
    expected = seedqr.to_compact(phrase)
    assert zxing(page) == [expected]
    assert zbar(page, binary=True) == [expected]
    assert seedqr.from_payload(zxing(page)[0]).reveal_text() == phrase.reveal_text()


def test_compact_vector_with_newline_bytes(tmp_path: Path) -> None:
    vector = next(
        v for v in SEEDQR_VECTORS if "\\n" in v["compact_seedqr_bytes_as_printed_in_spec"]
    )
    pdf = render.render_pdf(
        documents.phrase_sheet(vector["mnemonic"], day=DAY, compact_qr=True, paper="letter")
    )
    (page,) = rasterise(pdf, tmp_path)
    assert zxing(page) == [bytes.fromhex(vector["compact_seedqr_hex"])]


def test_qr_modules_are_at_least_one_millimetre(tmp_path: Path) -> None:
    import zxingcpp
    from PIL import Image

    pdf = render.render_pdf(documents.phrase_sheet(bip39.generate(24), day=DAY))
    (page,) = rasterise(pdf, tmp_path)
    with Image.open(page) as image:
        (code,) = zxingcpp.read_barcodes(image.convert("L"))
    width_px = code.position.top_right.x - code.position.top_left.x
    modules = 29  # version 3
    module_mm = width_px / modules * 25.4 / 150
    assert module_mm >= 1.0
    assert code.ec_level == "L"
    assert code.symbology_identifier.startswith("]Q")


def test_same_input_same_bytes_and_date_changes_them() -> None:
    phrase = bip39.generate(24)
    first = render.render_pdf(documents.phrase_sheet(phrase, day=DAY, label="x"))
    second = render.render_pdf(documents.phrase_sheet(phrase, day=DAY, label="x"))
    other_day = render.render_pdf(documents.phrase_sheet(phrase, day=date(2026, 11, 3), label="x"))
    assert first == second
    assert first != other_day
    assert b"D:20261102000000" in first


def test_same_bytes_whatever_source_date_epoch(monkeypatch: pytest.MonkeyPatch) -> None:
    phrase = bip39.generate(12)
    plain = render.render_pdf(documents.phrase_sheet(phrase, day=DAY))
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    assert render.render_pdf(documents.phrase_sheet(phrase, day=DAY)) == plain


def test_sheet_content_words_stamp_row_fingerprint() -> None:
    phrase = bip39.check(bip39.generate(24))
    document = documents.phrase_sheet(phrase, day=DAY, label="cold")
    (page,) = document.pages
    assert page.secret
    grids = [b for b in page.blocks if isinstance(b, sheets.WordGrid)]
    assert grids[0].split() == phrase.words.reveal_text().split()
    stamp = next(b for b in page.blocks if isinstance(b, sheets.StampRow))
    assert stamp.prefixes() == [w[:4].upper() for w in phrase.words.reveal_text().split()]
    assert len("".join(stamp.prefixes())) <= 96
    columns = next(b for b in page.blocks if isinstance(b, sheets.Columns))
    qr = columns.left[0]
    assert isinstance(qr, sheets.QRCode) and qr.error == "L" and qr.version == 3
    fields = next(b for b in columns.right if isinstance(b, sheets.Fields))
    assert ("Master fingerprint", wallet.master_fingerprint(bip39.to_seed(phrase))) in fields.rows
    box = next(b for b in columns.right if isinstance(b, sheets.Checkboxes))
    assert box.options[box.checked or 0] == "no"
    assert "redacted" in repr(document)
    # Single words may occur in the sheet's own text ("water"), so look for word pairs.
    words = phrase.words.reveal_text().split()
    shown = repr(document)
    assert not [pair for pair in itertools.pairwise(words) if " ".join(pair) in shown]


def test_passphrase_is_never_printed_but_ticked(tmp_path: Path) -> None:
    phrase = bip39.check(bip39.generate(12))
    passphrase = Secret("Tr0ub4dor&3")
    document = documents.phrase_sheet(phrase, day=DAY, bip39_passphrase=passphrase)
    columns = next(b for b in document.pages[0].blocks if isinstance(b, sheets.Columns))
    box = next(b for b in columns.right if isinstance(b, sheets.Checkboxes))
    assert box.options[box.checked or 0] == "yes"
    fields = next(b for b in columns.right if isinstance(b, sheets.Fields))
    with_pp = wallet.master_fingerprint(bip39.to_seed(phrase, passphrase))
    assert ("Fingerprint with the passphrase", with_pp) in fields.rows
    pdf = render.render_pdf(document)
    text = _pdftotext(pdf, tmp_path)
    assert "Tr0ub4dor" not in text
    assert with_pp in text


def _pdftotext(pdf: bytes, tmp_path: Path) -> str:
    import subprocess

    path = tmp_path / "t.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True
    ).stdout


@pytest.mark.parametrize("words", [15, 18, 21])
def test_other_lengths_get_words_but_no_seedqr_or_stamp_row(words: int) -> None:
    document = documents.phrase_sheet(bip39.generate(words), day=DAY)
    kinds = {type(b) for b in document.pages[0].blocks}
    assert sheets.WordGrid in kinds
    assert sheets.StampRow not in kinds and sheets.Columns not in kinds
    assert render.render_pdf(document).startswith(b"%PDF-")


def test_non_english_phrase_gets_words_without_seedqr(tmp_path: Path) -> None:
    phrase = bip39.generate(12, "spanish")
    document = documents.phrase_sheet(phrase, day=DAY)
    grid = next(b for b in document.pages[0].blocks if isinstance(b, sheets.WordGrid))
    assert not grid.emphasise_prefix
    assert sheets.StampRow not in {type(b) for b in document.pages[0].blocks}
    pdf = render.render_pdf(document)
    (page,) = rasterise(pdf, tmp_path)
    assert zxing(page) == []
    text = _pdftotext(pdf, tmp_path)
    for word in phrase.reveal_text().split():
        assert word in text


def test_phrase_in_a_script_the_font_lacks_is_refused() -> None:
    phrase = bip39.generate(12, "japanese")
    with pytest.raises(UnprintableTextError) as caught:
        render.render_pdf(documents.phrase_sheet(phrase, day=DAY))
    assert caught.value.hint and "blank" in caught.value.hint


def test_fonts_embedded_and_no_raster_images(tmp_path: Path) -> None:
    import subprocess

    path = tmp_path / "s.pdf"
    path.write_bytes(render.render_pdf(documents.phrase_sheet(bip39.generate(24), day=DAY)))
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True)
    rows = fonts.stdout.splitlines()[2:]
    assert rows and all(" yes yes " in row for row in rows), fonts.stdout
    assert not any("Helvetica" in row for row in rows)
    images = subprocess.run(["pdfimages", "-list", str(path)], capture_output=True, text=True)
    assert len(images.stdout.splitlines()) == 2  # header lines only


@pytest.mark.parametrize(("paper", "size"), [("a4", "595.276 x 841.89"), ("letter", "612 x 792")])
def test_paper_sizes(paper: sheets.PaperSize, size: str, tmp_path: Path) -> None:
    import subprocess

    path = tmp_path / "s.pdf"
    path.write_bytes(
        render.render_pdf(documents.phrase_sheet(bip39.generate(24), day=DAY, paper=paper))
    )
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True)
    assert f"Page size:       {size} pts" in info.stdout
    assert "Pages:           1\n" in info.stdout


def test_pdf_holds_no_timestamp_of_now() -> None:
    pdf = render.render_pdf(documents.phrase_sheet(bip39.generate(12), day=DAY))
    assert os.environ.get("SOURCE_DATE_EPOCH") is None
    assert pdf.count(b"D:2026110200") == 2  # CreationDate and ModDate, nothing else


@pytest.mark.parametrize("paper", ["a4", "letter"])
@pytest.mark.parametrize("words", [12, 24])
@pytest.mark.parametrize("compact", [False, True])
@pytest.mark.parametrize("passphrase", [None, "p"])
def test_every_phrase_sheet_fits_one_page(
    paper: sheets.PaperSize, words: int, compact: bool, passphrase: str | None
) -> None:
    document = documents.phrase_sheet(
        bip39.generate(words),
        day=DAY,
        paper=paper,
        compact_qr=compact,
        label="a rather long label for this wallet",
        bip39_passphrase=Secret(passphrase) if passphrase else None,
    )
    assert render.count_pages(render.render_pdf(document)) == 1

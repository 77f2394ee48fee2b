"""``keyvault mnemonic plate`` through the real CLI."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from mnemonic import Mnemonic

from keyvault.seedphrase import bip39

from .helpers import run_cli


def test_plate_json_round_trips_to_the_phrase() -> None:
    reference = Mnemonic("english")
    phrase = bip39.generate(24).reveal_text()
    for plate_format in ("1248", "binary"):
        result = run_cli("--json", "mnemonic", "plate", "--format", plate_format, input=phrase)
        assert result.code == 0, result.stderr
        document = result.json()
        weights = document["weights"]
        words = []
        for row in document["rows"]:
            values = [
                sum(w * d for w, d in zip(weights, group, strict=True)) for group in row["dots"]
            ]
            number = values[0] if plate_format == "binary" else int("".join(map(str, values)))
            assert number == row["number"]
            words.append(reference.wordlist[number - 1])
        assert " ".join(words) == phrase


def test_plate_terminal_grid_has_word_numbers() -> None:
    result = run_cli("mnemonic", "plate", input="zoo " * 11 + "wrong")
    assert result.code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "thousands" in lines[0] and lines[2].split()[:2] == ["1", "2048"]


def test_plate_refuses_a_bad_phrase_by_position() -> None:
    result = run_cli("--json", "mnemonic", "plate", input="zoo " * 11 + "zzzz")
    assert result.code == 1 and "word 12" in result.json()["error"]["message"]


def _printed_numbers(pdf: Path) -> list[int]:
    """Word numbers as printed: the PDF rendered to text by poppler's pdftotext."""
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, check=True, text=True
    ).stdout
    return [int(m.group(2)) for m in re.finditer(r"^\s*(\d+)\.\s+(\d{4})\s*$", text, re.M)]


def test_plate_sheet_round_trip_through_the_printed_pdf(tmp_path: Path) -> None:
    reference = Mnemonic("english")
    phrase = bip39.generate(24).reveal_text()
    for plate_format in ("1248", "binary"):
        pdf = tmp_path / f"plate-{plate_format}.pdf"
        result = run_cli(
            "--json", "mnemonic", "plate", "--format", plate_format, "-o", str(pdf), input=phrase
        )
        assert result.code == 0, result.stderr
        assert result.json()["secret"] is True
        assert pdf.stat().st_mode & 0o777 == 0o600
        numbers = _printed_numbers(pdf)
        assert " ".join(reference.wordlist[n - 1] for n in numbers) == phrase
        # The page rasterises (what a printer gets), and the dots are drawn: filled
        # circles make the page darker than the empty template's.
        raster = subprocess.run(
            ["pdftoppm", "-r", "40", "-gray", str(pdf)], capture_output=True, check=True
        ).stdout
        template = tmp_path / f"template-{plate_format}.pdf"
        blank = run_cli(
            "mnemonic", "plate", "--format", plate_format, "--template", "-o", str(template)
        )
        assert blank.code == 0, blank.stderr
        empty = subprocess.run(
            ["pdftoppm", "-r", "40", "-gray", str(template)], capture_output=True, check=True
        ).stdout
        assert _dark(raster) > _dark(empty)
        assert _printed_numbers(template) == []


def _dark(pgm: bytes) -> int:
    """Dark pixels of a binary PGM (P5) image."""
    header_end = 0
    fields: list[bytes] = []
    while len(fields) < 4:
        end = pgm.index(b"\n", header_end)
        line = pgm[header_end:end]
        header_end = end + 1
        if not line.startswith(b"#"):
            fields.extend(line.split())
    return sum(1 for value in pgm[header_end:] if value < 100)


def test_plate_pdf_is_not_overwritten_without_force(tmp_path: Path) -> None:
    pdf = tmp_path / "plate.pdf"
    pdf.write_bytes(b"keep")
    result = run_cli("mnemonic", "plate", "-o", str(pdf), input="zoo " * 11 + "wrong")
    assert result.code == 1 and pdf.read_bytes() == b"keep"

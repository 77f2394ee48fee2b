"""``keyvault qr``: encode to PNG/SVG, decode back with zxing-cpp (and zbarimg as a witness)."""

from __future__ import annotations

import re
import stat
import subprocess
from pathlib import Path

import pytest
from PIL import Image

from keyvault.paper import qrimage
from keyvault.seedphrase import bip39, seedqr

from .helpers import run_cli


@pytest.mark.parametrize("words", [12, 24])
@pytest.mark.parametrize("compact", [False, True], ids=["standard", "compact"])
def test_png_round_trip(words: int, compact: bool, tmp_path: Path) -> None:
    phrase = bip39.generate(words).reveal_text()
    image = tmp_path / "seed.png"
    flags = ["--compact"] if compact else []
    encoded = run_cli("--json", "qr", "encode", *flags, "-o", str(image), input=phrase)
    assert encoded.code == 0, encoded.stderr
    document = encoded.json()
    version = {(12, False): 2, (12, True): 1, (24, False): 3, (24, True): 2}[(words, compact)]
    assert document["version"] == version
    assert document["modules"] == 17 + 4 * version
    assert document["error_correction"] == "L"
    assert document["format"] == ("compact" if compact else "standard")
    assert stat.S_IMODE(image.stat().st_mode) == 0o600
    assert phrase not in encoded.stdout + encoded.stderr

    decoded = run_cli("--json", "qr", "decode", str(image))
    assert decoded.code == 0, decoded.stderr
    assert decoded.json()["mnemonic"] == phrase
    assert decoded.json()["format"] == document["format"]
    human = run_cli("qr", "decode", str(image))
    assert human.stdout.strip() == phrase


def test_standard_png_reads_in_another_decoder(tmp_path: Path) -> None:
    phrase = bip39.generate(24).reveal_text()
    image = tmp_path / "seed.png"
    assert run_cli("qr", "encode", "-o", str(image), input=phrase).code == 0
    out = subprocess.run(
        ["zbarimg", "--quiet", "--raw", str(image)], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == seedqr.to_standard(phrase)


@pytest.mark.parametrize("words", [12, 24])
@pytest.mark.parametrize("compact", [False, True], ids=["standard", "compact"])
def test_svg_encode(words: int, compact: bool, tmp_path: Path) -> None:
    phrase = bip39.generate(words).reveal_text()
    image = tmp_path / "seed.svg"
    flags = ["--compact"] if compact else []
    result = run_cli("qr", "encode", *flags, "-o", str(image), input=phrase)
    assert result.code == 0, result.stderr
    assert stat.S_IMODE(image.stat().st_mode) == 0o600
    # Rasterise the SVG's runs ourselves and read the picture with the PNG path.
    path = re.findall(r'<path fill="#000" d="([^"]*)"', image.read_text())[0]
    size = int(re.findall(r'viewBox="0 0 (\d+) \d+"', image.read_text())[0])
    picture = Image.new("L", (size, size), 255)
    for x, y, length in re.findall(r"M(\d+),(\d+)h(\d+)v1h-\d+z", path):
        for dx in range(int(length)):
            picture.putpixel((int(x) + dx, int(y)), 0)
    raster = tmp_path / "from-svg.png"
    picture.resize((size * 8, size * 8), Image.Resampling.NEAREST).save(raster)
    decoded = run_cli("qr", "decode", str(raster))
    assert decoded.code == 0, decoded.stderr
    assert decoded.stdout.strip() == phrase
    assert size - 8 == 17 + 4 * seedqr.qr_version(words, compact)


def test_encode_refuses_to_overwrite_without_force(tmp_path: Path) -> None:
    image = tmp_path / "seed.png"
    image.write_bytes(b"keep me")
    phrase = "abandon " * 11 + "about"
    refused = run_cli("--json", "qr", "encode", "-o", str(image), input=phrase)
    assert refused.code == 1
    assert refused.json()["error"]["type"] == "AlreadyExistsError"
    assert image.read_bytes() == b"keep me"
    forced = run_cli("qr", "encode", "--force", "-o", str(image), input=phrase)
    assert forced.code == 0, forced.stderr
    assert run_cli("qr", "decode", str(image)).stdout.strip() == phrase


def test_encode_bad_suffix_is_usage_error(tmp_path: Path) -> None:
    result = run_cli("qr", "encode", "-o", str(tmp_path / "seed.jpg"), input="abandon")
    assert result.code == 2


@pytest.mark.parametrize(
    ("phrase", "message"),
    [
        (bip39.from_entropy(bytes(20)).reveal_text(), "12- and 24-word"),
        (bip39.from_entropy(bytes(16), "french").reveal_text(), "English phrases only"),
    ],
)
def test_encode_refuses_phrases_seedqr_does_not_define(
    phrase: str, message: str, tmp_path: Path
) -> None:
    image = tmp_path / "seed.png"
    result = run_cli("--json", "qr", "encode", "-o", str(image), input=phrase)
    assert result.code == 1
    assert result.json()["error"]["type"] == "SeedQRError"
    assert message in result.json()["error"]["message"]
    assert not image.exists()


def test_encode_invalid_phrase(tmp_path: Path) -> None:
    result = run_cli("--json", "qr", "encode", "-o", str(tmp_path / "x.png"), input="abandon " * 12)
    assert result.code == 1
    assert result.json()["error"]["type"] == "InvalidMnemonicError"


def test_decode_errors(tmp_path: Path) -> None:
    missing = run_cli("--json", "qr", "decode", str(tmp_path / "missing.png"))
    assert missing.code == 1
    assert missing.json()["error"]["type"] == "NotFoundError"

    junk = tmp_path / "junk.png"
    junk.write_text("not an image")
    assert run_cli("--json", "qr", "decode", str(junk)).json()["error"]["type"] == "ImageReadError"

    blank = tmp_path / "blank.png"
    Image.new("L", (120, 120), 255).save(blank)
    result = run_cli("--json", "qr", "decode", str(blank))
    assert result.code == 1
    assert result.json()["error"]["message"] == "no QR code found in the image"

    other = tmp_path / "url.png"
    qrimage.write_png(other, qrimage.qr_matrix(b"https://example.com", version=2, mode="byte"))
    result = run_cli("--json", "qr", "decode", str(other))
    assert result.code == 1
    assert "none is a SeedQR" in result.json()["error"]["message"]


def test_decode_damaged_standard_payload(tmp_path: Path) -> None:
    image = tmp_path / "bad.png"
    qrimage.write_png(image, qrimage.qr_matrix("0000" * 12, version=2, mode="numeric"))
    result = run_cli("--json", "qr", "decode", str(image))
    assert result.code == 1
    assert "checksum" in result.json()["error"]["message"]

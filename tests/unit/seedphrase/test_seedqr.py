"""SeedQR against SeedSigner's spec vectors, drawn as QR codes and read back with zxing-cpp."""

from __future__ import annotations

import ast
import json
import re
import stat
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image

from keyvault.errors import ImageReadError, InvalidMnemonicError, NotFoundError, SeedQRError
from keyvault.paper import qrimage
from keyvault.paper.scan import decode_qr_images
from keyvault.secret import Secret
from keyvault.seedphrase import bip39, seedqr

DATA = json.loads(
    (Path(__file__).parents[2] / "vectors" / "seedqr" / "seedqr_vectors.json").read_text("utf-8")
)
VECTORS = [pytest.param(v, id=f"vector-{v['id']}") for v in DATA["vectors"]]


def test_all_nine_spec_vectors_present() -> None:
    assert [v["id"] for v in DATA["vectors"]] == list(range(1, 10))


@pytest.mark.parametrize("vector", VECTORS)
def test_standard_payload(vector: dict[str, object]) -> None:
    mnemonic = str(vector["mnemonic"])
    assert seedqr.to_standard(mnemonic) == vector["standard_seedqr_digits"]
    assert seedqr.from_payload(str(vector["standard_seedqr_digits"])).reveal_text() == mnemonic
    assert seedqr.payload_format(str(vector["standard_seedqr_digits"])) == "standard"


@pytest.mark.parametrize("vector", VECTORS)
def test_compact_payload(vector: dict[str, object]) -> None:
    mnemonic = str(vector["mnemonic"])
    printed = ast.literal_eval(str(vector["compact_seedqr_bytes_as_printed_in_spec"]))
    bits = str(vector["compact_seedqr_bits"])
    from_bits = int(bits, 2).to_bytes(len(bits) // 8, "big")
    assert printed == from_bits == bytes.fromhex(str(vector["compact_seedqr_hex"]))
    assert seedqr.to_compact(mnemonic) == printed
    assert seedqr.from_payload(printed).reveal_text() == mnemonic
    assert seedqr.payload_format(printed) == "compact"


@pytest.mark.parametrize("vector", VECTORS)
@pytest.mark.parametrize("compact", [False, True], ids=["standard", "compact"])
def test_qr_version_level_and_zxing_round_trip(
    vector: dict[str, object], compact: bool, tmp_path: Path
) -> None:
    mnemonic = str(vector["mnemonic"])
    spec = vector["qr_compact" if compact else "qr_standard"]
    assert isinstance(spec, dict)
    words = int(str(vector["word_count"]))
    version = seedqr.qr_version(words, compact)
    assert version == spec["version"]
    payload: bytes | str = seedqr.to_compact(mnemonic) if compact else seedqr.to_standard(mnemonic)
    matrix = qrimage.qr_matrix(payload, version=version, mode="byte" if compact else "numeric")
    assert len(matrix) == spec["modules"] == 17 + 4 * version
    image = tmp_path / "code.png"
    qrimage.write_png(image, matrix)
    (code,) = zxingcpp.read_barcodes(Image.open(image))
    assert code.extra["Version"] == str(version)
    assert code.ec_level == "L"
    assert decode_qr_images(image) == [payload if compact else payload.encode()]  # type: ignore[union-attr]
    assert seedqr.from_payload(decode_qr_images(image)[0]).reveal_text() == mnemonic


def test_spec_walkthrough_example() -> None:
    example = DATA["spec_walkthrough_example"]
    assert seedqr.to_standard(example["mnemonic"]) == example["standard_seedqr_digits"]
    assert seedqr.to_compact(example["mnemonic"]).hex() == example["compact_seedqr_hex"]
    phrase = bip39.check(example["mnemonic"])
    assert list(phrase.indices()) == example["word_indices"]


def test_accepts_prefixes_and_secret_input() -> None:
    mnemonic = DATA["vectors"][0]["mnemonic"]
    typed = Secret(" ".join(bip39.prefix4(w) for w in mnemonic.split()).upper())
    assert seedqr.to_standard(typed) == DATA["vectors"][0]["standard_seedqr_digits"]


@pytest.mark.parametrize("words", [15, 18, 21])
def test_refuses_other_lengths(words: int) -> None:
    phrase = bip39.generate(words)
    with pytest.raises(SeedQRError, match="12- and 24-word"):
        seedqr.to_standard(phrase)
    with pytest.raises(SeedQRError):
        seedqr.to_compact(phrase)
    with pytest.raises(SeedQRError):
        seedqr.qr_version(words, False)


@pytest.mark.parametrize("language", [lang for lang in bip39.LANGUAGES if lang != "english"])
def test_refuses_other_languages(language: str) -> None:
    phrase = bip39.from_entropy(bytes(range(16)), language)
    with pytest.raises(SeedQRError, match="English phrases only"):
        seedqr.to_standard(phrase)
    with pytest.raises(SeedQRError, match="English phrases only"):
        seedqr.to_compact(phrase)


def test_invalid_phrase_is_a_mnemonic_error() -> None:
    with pytest.raises(InvalidMnemonicError):
        seedqr.to_standard("abandon " * 12)


@pytest.mark.parametrize(
    "payload",
    [
        "",
        "1234",
        "0" * 47,
        "0" * 60,  # 15 words: SeedSigner reads it, the spec does not define it
        "0" * 95 + "x",
        b"\x00" * 15,
        b"\x00" * 24,
        b"https://example.com/not-a-seed",
        "abandon " * 11 + "about",
    ],
)
def test_not_a_seedqr(payload: bytes | str) -> None:
    with pytest.raises(SeedQRError, match="not a SeedQR"):
        seedqr.from_payload(payload)


def test_text_payload_of_sixteen_characters_is_not_compact() -> None:
    with pytest.raises(SeedQRError):
        seedqr.from_payload("a" * 16)


def test_index_above_2047() -> None:
    with pytest.raises(SeedQRError, match="word 3 has no wordlist entry"):
        seedqr.from_payload("0000" * 2 + "2048" + "0000" * 9)


def test_standard_checksum_failure() -> None:
    with pytest.raises(SeedQRError, match="checksum"):
        seedqr.from_payload("0000" * 12)


def test_digits_as_bytes_are_standard() -> None:
    digits = DATA["vectors"][0]["standard_seedqr_digits"]
    assert seedqr.from_payload(digits.encode()).reveal_text() == DATA["vectors"][0]["mnemonic"]


# --- the image helpers --------------------------------------------------------------------


def test_matrix_rejects_bad_input() -> None:
    with pytest.raises(ValueError):
        qrimage.qr_matrix("12ab", version=2, mode="numeric")
    with pytest.raises(ValueError):
        qrimage.qr_matrix("1234", version=2, mode="byte")
    with pytest.raises(ValueError):
        qrimage.qr_matrix("1" * 96, version=2, mode="numeric")  # needs version 3
    with pytest.raises(ValueError):
        qrimage.qr_matrix("1", version=41, mode="numeric")


def test_pinned_mask_is_deterministic_and_differs() -> None:
    digits = DATA["vectors"][0]["standard_seedqr_digits"]
    a = qrimage.qr_matrix(digits, version=3, mode="numeric", mask=0)
    assert a == qrimage.qr_matrix(digits, version=3, mode="numeric", mask=0)
    assert a != qrimage.qr_matrix(digits, version=3, mode="numeric", mask=1)


def test_svg_is_0600_refuses_overwrite_and_draws_every_dark_module(tmp_path: Path) -> None:
    matrix = qrimage.qr_matrix(b"\r\n" * 8, version=1, mode="byte")
    target = tmp_path / "code.svg"
    assert qrimage.write_qr_image(target, matrix) == "svg"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    with pytest.raises(FileExistsError):
        qrimage.write_qr_image(target, matrix)
    text = target.read_text()
    assert text.startswith("<?xml") and "<svg" in text
    # Rebuild the matrix from the path's runs: it must be the same, quiet zone included.
    (path,) = re.findall(r'<path fill="#000" d="([^"]*)"', text)
    size = len(matrix) + 2 * qrimage.QUIET_ZONE
    drawn = [[False] * size for _ in range(size)]
    for x, y, length in re.findall(r"M(\d+),(\d+)h(\d+)v1h-\d+z", path):
        for dx in range(int(length)):
            drawn[int(y)][int(x) + dx] = True
    q = qrimage.QUIET_ZONE
    assert [row[q:-q] for row in drawn[q:-q]] == matrix
    assert not any(drawn[0]) and not any(row[0] for row in drawn)
    with pytest.raises(ValueError):
        qrimage.write_qr_image(tmp_path / "code.jpg", matrix)


def test_png_is_0600(tmp_path: Path) -> None:
    matrix = qrimage.qr_matrix("0" * 48, version=2, mode="numeric")
    target = tmp_path / "code.png"
    assert qrimage.write_qr_image(target, matrix) == "png"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert Image.open(target).size == ((25 + 8) * 10,) * 2


def test_scan_errors(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError):
        decode_qr_images(tmp_path / "missing.png")
    junk = tmp_path / "junk.png"
    junk.write_bytes(b"not an image")
    with pytest.raises(ImageReadError):
        decode_qr_images(junk)
    blank = tmp_path / "blank.png"
    Image.new("L", (200, 200), 255).save(blank)
    assert decode_qr_images(blank) == []


def test_scan_several_codes_top_to_bottom(tmp_path: Path) -> None:
    first = Image.open(_png(tmp_path / "a.png", b"first code bytes"))
    second = Image.open(_png(tmp_path / "b.png", b"second code!"))
    sheet = Image.new("L", (first.width, first.height + second.height), 255)
    sheet.paste(first, (0, 0))
    sheet.paste(second, (0, first.height))
    sheet.save(tmp_path / "sheet.png")
    assert decode_qr_images(tmp_path / "sheet.png") == [b"first code bytes", b"second code!"]


def _png(path: Path, data: bytes) -> Path:
    qrimage.write_png(path, qrimage.qr_matrix(data, version=2, mode="byte"))
    return path

"""``keyvault paper ...`` and ``keyvault scan`` through the real CLI, and recovery from a
split kit's scanned share pages (``keyvault recover --shares-file``) on a fresh home."""

from __future__ import annotations

import itertools
import stat
import subprocess
from pathlib import Path

import pytest
from PIL import Image, ImageFilter

from keyvault.seedphrase import bip39, seedqr, slip39
from tests.unit.paper.roundtrip import rasterise, zbar, zxing

from .helpers import run_cli
from .test_backup_support import PASSPHRASE, PHRASE, add_local_dest, init_vault, vault_identity

ENV = {"KEYVAULT_PASSPHRASE": PASSPHRASE}
SPOOLER = "printers and print spoolers may keep a copy"


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_phrase_sheet_written_0600_with_spooler_warning(tmp_path: Path) -> None:
    out = tmp_path / "sheet.pdf"
    done = run_cli("paper", "phrase", "-o", str(out), "--label", "cold", input=PHRASE + "\n")
    assert done.code == 0, done.stderr
    assert _mode(out) == 0o600
    assert SPOOLER in done.stderr
    assert PHRASE not in done.stdout + done.stderr
    (page,) = rasterise(out, tmp_path / "png")
    assert zbar(page) == [seedqr.to_standard(PHRASE).encode()]


def test_phrase_sheet_compact_letter_json(tmp_path: Path) -> None:
    out = tmp_path / "sheet.pdf"
    done = run_cli(
        "--json",
        "paper",
        "phrase",
        "-o",
        str(out),
        "--compact-qr",
        "--paper",
        "letter",
        input=PHRASE,
    )
    assert done.code == 0, done.stderr
    result = done.json()
    assert result["seedqr"] == "compact" and result["paper"] == "letter"
    assert result["pages"] == 1 and result["secret"] is True
    (page,) = rasterise(out, tmp_path / "png")
    assert zxing(page) == [seedqr.to_compact(PHRASE)]


def test_same_input_same_bytes_through_the_cli(tmp_path: Path) -> None:
    a, b = tmp_path / "a.pdf", tmp_path / "b.pdf"
    for out in (a, b):
        done = run_cli("paper", "phrase", "-o", str(out), "--date", "2026-11-02", input=PHRASE)
        assert done.code == 0, done.stderr
    assert a.read_bytes() == b.read_bytes()


def test_refuses_to_replace_unless_forced(tmp_path: Path) -> None:
    out = tmp_path / "sheet.pdf"
    out.write_bytes(b"keep me")
    refused = run_cli("paper", "phrase", "-o", str(out), input=PHRASE)
    assert refused.code == 1 and "already exists" in refused.stderr
    assert out.read_bytes() == b"keep me"
    forced = run_cli("paper", "phrase", "-o", str(out), "--force", input=PHRASE)
    assert forced.code == 0 and out.read_bytes().startswith(b"%PDF-")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--date", "yesterday"], "is not a date"),
        (["--paper", "a5"], "a5"),
    ],
)
def test_bad_options_are_usage_errors(tmp_path: Path, args: list[str], message: str) -> None:
    done = run_cli("paper", "phrase", "-o", str(tmp_path / "x.pdf"), *args, input=PHRASE)
    assert done.code == 2 and message in done.stderr


def test_bad_phrase_is_refused_without_echo(tmp_path: Path) -> None:
    done = run_cli("paper", "phrase", "-o", str(tmp_path / "x.pdf"), input="legal winner thank\n")
    assert done.code == 1 and "3 words" in done.stderr
    assert "winner" not in done.stderr
    assert not (tmp_path / "x.pdf").exists()


def test_unwritable_output(tmp_path: Path) -> None:
    target = tmp_path / "missing-dir" / "x.pdf"
    done = run_cli("--json", "paper", "blank", "-o", str(target))
    assert done.code == 1 and "Traceback" not in done.stderr
    # The OS's words and the file asked for, as from_os_error gives them everywhere.
    error = done.json()["error"]
    assert error == {"type": "FileSystemError", "message": f"no such file or directory: {target}"}


def test_shares_pages_scan_back_and_combine(tmp_path: Path) -> None:
    out = tmp_path / "shares.pdf"
    done = run_cli(
        "paper", "shares", "--threshold", "2", "--shares", "3", "-o", str(out), input=PHRASE
    )
    assert done.code == 0, done.stderr
    assert SPOOLER in done.stderr and _mode(out) == 0o600
    scanned = run_cli("scan", str(out))
    assert scanned.code == 0, scanned.stderr
    shares = scanned.stdout.splitlines()
    assert len(shares) == 3
    for pair in itertools.combinations(shares, 2):
        assert slip39.combine_to_bip39(list(pair)).reveal_text() == PHRASE


@pytest.mark.parametrize(("threshold", "count"), [("1", "3"), ("4", "3"), ("2", "17")])
def test_shares_impossible_numbers(tmp_path: Path, threshold: str, count: str) -> None:
    done = run_cli(
        "paper",
        "shares",
        "--threshold",
        threshold,
        "--shares",
        count,
        "-o",
        str(tmp_path / "s.pdf"),
        input=PHRASE,
    )
    assert done.code == 2
    assert not (tmp_path / "s.pdf").exists()


def test_public_page_has_no_secret(tmp_path: Path) -> None:
    out = tmp_path / "public.pdf"
    done = run_cli(
        "--json", "paper", "public", "-o", str(out), "--created", "2024-01-31", input=PHRASE
    )
    assert done.code == 0, done.stderr
    assert done.json()["secret"] is False
    assert SPOOLER not in done.stderr
    scanned = run_cli("--json", "scan", str(out)).json()["codes"]
    kinds = [c["kind"] for c in scanned]
    assert kinds == ["text", "text"]
    assert scanned[0]["value"] == done.json()["account_xpub"]
    assert scanned[1]["format"] == "address" and scanned[1]["value"].startswith("bc1q")
    text = subprocess.run(
        ["pdftotext", str(out), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert done.json()["fingerprint"] in text
    assert not any(word in text.split() for word in ("legal", "winner", "thank", "sausage"))


def test_blank_template(tmp_path: Path) -> None:
    out = tmp_path / "blank.pdf"
    done = run_cli("--json", "paper", "blank", "-o", str(out), "--words", "12")
    assert done.code == 0, done.stderr
    assert done.json()["pages"] == 2 and done.json()["secret"] is False
    assert run_cli("scan", str(out)).code == 1  # nothing to read on a blank sheet


def test_scan_after_mild_blur_and_rotation(tmp_path: Path) -> None:
    phrase = bip39.generate(24).reveal_text()
    out = tmp_path / "sheet.pdf"
    assert run_cli("paper", "phrase", "-o", str(out), input=phrase).code == 0
    (page,) = rasterise(out, tmp_path / "png")
    photo = tmp_path / "photo.jpg"
    with Image.open(page) as image:
        tilted = image.convert("L").rotate(8, expand=True, fillcolor=255)
    tilted.filter(ImageFilter.GaussianBlur(1.8)).save(photo, quality=70)
    done = run_cli("scan", str(photo))
    assert done.code == 0, done.stderr
    assert done.stdout == phrase + "\n"
    assert "BIP39 seed phrase (standard)" in done.stderr


def test_scan_errors(tmp_path: Path) -> None:
    missing = run_cli("scan", str(tmp_path / "nope.png"))
    assert missing.code == 1 and "no such file" in missing.stderr
    white = tmp_path / "white.png"
    Image.new("L", (100, 100), 255).save(white)
    empty = run_cli("--json", "scan", str(white))
    assert empty.code == 1 and empty.json()["error"]["type"] == "NotFoundError"


def test_kit_needs_a_vault_and_the_passphrase(kv_home: Path, tmp_path: Path) -> None:
    none = run_cli("paper", "kit", "-o", str(tmp_path / "kit.pdf"), env=ENV)
    assert none.code == 1 and "no vault" in none.stderr
    init_vault(kv_home, tmp_path)
    wrong = run_cli(
        "paper", "kit", "-o", str(tmp_path / "kit.pdf"), env={"KEYVAULT_PASSPHRASE": "nope"}
    )
    assert wrong.code == 1 and "incorrect passphrase" in wrong.stderr
    assert not (tmp_path / "kit.pdf").exists()


@pytest.mark.parametrize(
    "args",
    [
        ["--split", "1/3"],
        ["--split", "2-3"],
        ["--split", "2/3", "--holder", "only one"],
        ["--holder", "no split"],
    ],
)
def test_kit_bad_split_options(kv_home: Path, tmp_path: Path, args: list[str]) -> None:
    init_vault(kv_home, tmp_path)
    done = run_cli("paper", "kit", "-o", str(tmp_path / "kit.pdf"), *args, env=ENV)
    assert done.code == 2, done.stderr


@pytest.mark.slow
def test_kit_key_qr_scans_back_to_the_vault_key(kv_home: Path, tmp_path: Path) -> None:
    init_vault(kv_home, tmp_path)
    out = tmp_path / "kit.pdf"
    done = run_cli("--json", "paper", "kit", "-o", str(out), "--paper", "letter", env=ENV)
    assert done.code == 0, done.stderr
    assert done.json()["secret_pages"] == ["The vault key"]
    assert _mode(out) == 0o600 and SPOOLER in done.stderr
    scanned = run_cli("--json", "scan", str(out)).json()["codes"]
    key = vault_identity(kv_home).to_secret().reveal_text()
    assert scanned == [{"kind": "age-identity", "format": "age", "page": 2, "value": key}]


@pytest.mark.slow
def test_split_kit_any_two_scanned_shares_recover_the_backups_on_a_fresh_home(
    kv_home: Path, tmp_path: Path
) -> None:
    init_vault(kv_home, tmp_path)
    wallet = tmp_path / "src" / "wallet.dat"
    wallet.parent.mkdir()
    wallet.write_bytes(b"WALLET" + bytes(range(256)) * 40)
    assert run_cli("add", str(wallet), "--name", "main wallet").code == 0
    dest = tmp_path / "usb"
    add_local_dest(kv_home, "usb", dest)
    assert run_cli("backup").code in (0, 3)

    kit = tmp_path / "kit.pdf"
    holders = ["Alice", "Bob the lawyer", "Bank box"]
    args = ["paper", "kit", "-o", str(kit), "--split", "2/3"]
    for holder in holders:
        args += ["--holder", holder]
    done = run_cli("--json", *args, env=ENV)
    assert done.code == 0, done.stderr
    assert done.json()["split"] == {"threshold": 2, "shares": 3, "holders": holders}
    assert "The vault key" not in done.json()["pages"]

    # Each share page photographed (mildly blurred and tilted) and scanned on its own.
    pages = rasterise(kit, tmp_path / "png")
    shares: list[str] = []
    for number in (2, 3, 4):
        photo = tmp_path / f"share-{number}.png"
        with Image.open(pages[number - 1]) as image:
            tilted = image.convert("L").rotate(-5, expand=True, fillcolor=255)
        tilted.filter(ImageFilter.GaussianBlur(1.2)).save(photo)
        scanned = run_cli("scan", str(photo))
        assert scanned.code == 0, scanned.stderr
        assert "SLIP-39 share" in scanned.stderr
        shares.append(scanned.stdout.strip())
    assert len(set(shares)) == 3

    for n, pair in enumerate(itertools.combinations(shares, 2)):
        shares_file = tmp_path / f"shares-{n}.txt"
        shares_file.write_text("\n".join(pair) + "\n")
        fresh = tmp_path / f"fresh-{n}"
        out = tmp_path / f"recovered-{n}"
        recovered = run_cli(
            "recover", str(dest), "-o", str(out), "--shares-file", str(shares_file), home=fresh
        )
        assert recovered.code == 0, recovered.stdout + recovered.stderr
        assert (out / "main wallet").read_bytes() == wallet.read_bytes()

    lonely = tmp_path / "one-share.txt"
    lonely.write_text(shares[0] + "\n")
    refused = run_cli(
        "recover",
        str(dest),
        "-o",
        str(tmp_path / "never"),
        "--shares-file",
        str(lonely),
        home=tmp_path / "fresh-alone",
    )
    assert refused.code == 1 and "needs exactly 2 shares" in refused.stderr
    assert not (tmp_path / "never").exists()


def test_recover_shares_file_excludes_other_key_sources(tmp_path: Path) -> None:
    words = tmp_path / "w.txt"
    words.write_text(PHRASE)
    done = run_cli(
        "recover",
        str(tmp_path),
        "-o",
        str(tmp_path / "o"),
        "--shares-file",
        str(words),
        "--phrase-file",
        str(words),
    )
    assert done.code == 2 and "only one of" in done.stderr


def test_phrase_sheet_refuses_the_bip39_passphrase_from_stdin_that_the_phrase_used(
    tmp_path: Path,
) -> None:
    """The phrase consumed stdin: an empty passphrase must not silently go on the sheet."""
    out = tmp_path / "sheet.pdf"
    phrase = "abandon " * 11 + "about"
    result = run_cli(
        "paper", "phrase", "-o", str(out), "--bip39-passphrase-file", "-", input=phrase
    )
    assert result.code == 2
    assert "stdin carries the phrase" in result.stderr
    assert not out.exists()

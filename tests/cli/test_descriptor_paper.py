"""The wallet configuration sheet through the real CLI: render -> pdftoppm -> zbarimg and
zxing-cpp -> the same descriptor; a 5-of-7 wsh descriptor goes on BBQr parts, which
``keyvault scan`` joins back; the heir's kit carries every configuration."""

from __future__ import annotations

from pathlib import Path

import pytest

from keyvault.configs import parse_descriptor
from keyvault.configs.bbqr import join
from keyvault.paper.descriptor_sheet import MAX_QR_MM, descriptor_qr_codes
from keyvault.paper.sheets import MIN_MODULE_MM

from ..unit.paper.roundtrip import rasterise, zbar, zxing
from .helpers import run_cli
from .test_backup_support import PASSPHRASE, init_vault

VECTORS = Path(__file__).parents[1] / "vectors"
ENV = {"KEYVAULT_PASSPHRASE": PASSPHRASE}
XPUBS = [
    "xpub6FL8FhxNNUVnG64YurPd16AfGyvFLhh7S2uSsDqR3Qfcm6o9jtcMYwh6DvmcBF9qozxNQmTCVvWtxLpKTnhVLN3Pgnu2D3pAoXYFgVyd8Yz",
    "xpub6EebMbEps7ZcV3FYEnddRsvrFWDrt2tiPmCeM7pPXQEmphvq9ZfJ1LWFUDjf3vxCeBuPrfyGrMazWUsYsetrnHatQZVLJH7LsgCjtMqdzgj",
    "xpub6FA5rfxJc94K1kNtxRby1hoHwi7YDyTWwx1KUR3FwskaF6HzCbZMz3zQwGnCqdiFeMTPV3YneTGS2YQPiuNYsSvtggWWMQpEJD4jXU7ZzEh",
    "xpub6EhJvMneoLWAf8cuyLBLQiKiwh89RAmqXEqYeFuaCEHdHwxSRfzLrUxKXEBap7nZSHAYP7Jfq6gZmucotNzpMQ9Sb1nTqerqW8hrtmx6Y6o",
    "xpub6ErVmcYYHmavsMgxEcTZyzN5sqth1ZyRpFNJC26ij1wYGC2SBKYrgt9yariSbn7HLRoZUvhUhmPfsRTPrdhhGFscpPZzmch6UTdmRP1aZUj",
    "xpub6ERApfZwUNrhLCkDtcHTcxd75RbzS1ed54G1LkBUHQVHQKqhMkhgbmJbZRkrgZw4koxb5JaHWkY4ALHY2grBGRjaDMzQLcgJvLJuZZvRcEL",
    "xpub68NZiKmJWnxxS6aaHmn81bvJeTESw724CRDs6HbuccFQN9Ku14VQrADWgqbhhTHBaohPX4CjNLf9fq9MYo6oDaPPLPxSb7gwQN3ih19Zm4Y",
]
FINGERPRINTS = ["1cf0bf7e", "4fc1dd4a", "b7868815", "eedff89a", "793cc70b", "59865f44", "b7044ca6"]


def _five_of_seven() -> str:
    keys = [f"[{fp}/48h/0h/0h/2h]{x}/<0;1>/*" for fp, x in zip(FINGERPRINTS, XPUBS, strict=True)]
    return parse_descriptor(f"wsh(sortedmulti(5,{','.join(keys)}))").descriptor


def test_a_five_of_seven_needs_bbqr_parts_of_at_least_1_mm() -> None:
    codes = descriptor_qr_codes(_five_of_seven())
    assert len(codes) >= 2
    for code in codes:
        side = (len(code.matrix()) + 8) * code.module_mm
        assert code.module_mm >= MIN_MODULE_MM and side <= MAX_QR_MM + 1e-9


@pytest.mark.parametrize("case", ["2-of-2", "2-of-4", "5-of-7"])
def test_sheet_scans_back_to_the_exact_descriptor(kv_home: Path, tmp_path: Path, case: str) -> None:
    init_vault(kv_home, tmp_path)
    source = tmp_path / "wallet.txt"
    if case == "2-of-2":
        source.write_bytes((VECTORS / "bsms" / "descriptor-record-2.bsms").read_bytes())
    elif case == "2-of-4":  # about 620 characters: over one 100 mm code at 1 mm modules
        source.write_bytes((VECTORS / "coldcard" / "export-p2wsh-myself.txt").read_bytes())
    else:
        source.write_text(_five_of_seven())
    added = run_cli("add-descriptor", "--name", "family", str(source), "--json")
    assert added.code == 0, added.stderr
    descriptor = added.json()["descriptor"]
    pdf = tmp_path / "sheet.pdf"
    printed = run_cli(
        "paper", "descriptor", "family", "-o", str(pdf), "--date", "2026-12-07", env=ENV
    )
    assert printed.code == 0, printed.stderr
    pages = rasterise(pdf, tmp_path / "png")
    zbar_found = [p for page in pages for p in zbar(page)]
    zxing_found = [p for page in pages for p in zxing(page)]
    for found in (zbar_found, zxing_found):
        texts = [p.decode("utf-8") for p in found]
        parts = [t for t in texts if t.startswith("B$")]
        if case == "2-of-2":
            assert texts == [descriptor] and not parts
        else:
            assert len(parts) >= 2 and descriptor not in texts
            assert join(reversed(parts)) == ("U", descriptor.encode())
    scanned = run_cli("scan", str(pdf), "--json")
    assert scanned.code == 0, scanned.stderr
    codes = scanned.json()["codes"]
    joined = [c for c in codes if c["value"] == descriptor]
    assert len(joined) == 1
    assert joined[0]["format"] == ("descriptor" if case == "2-of-2" else "bbqr-descriptor")
    again = tmp_path / "scanned.txt"
    again.write_text(joined[0]["value"])
    assert (
        run_cli("add-descriptor", "--name", "from paper", str(again), "--json").json()["descriptor"]
        == descriptor
    )


def test_scan_names_missing_bbqr_parts(tmp_path: Path) -> None:
    from keyvault.configs.bbqr import split
    from keyvault.paper.qrimage import qr_matrix, smallest_version, write_png

    parts = split(_five_of_seven().encode(), parts=3)
    image = tmp_path / "one-part.png"
    write_png(
        image,
        qr_matrix(
            parts[1],
            version=smallest_version(parts[1], mode="alphanumeric"),
            mode="alphanumeric",
            error="M",
        ),
    )
    done = run_cli("scan", str(image), "--json")
    assert done.code == 1
    assert "parts 1, 3 of 3 are missing" in done.stdout + done.stderr


def test_the_kit_carries_every_wallet(kv_home: Path, tmp_path: Path) -> None:
    import subprocess

    from .test_backup_support import PHRASE
    from .test_descriptor import OTHER_KEYS, _our_key

    init_vault(kv_home, tmp_path)
    assert run_cli("add-phrase", "--name", "my ledger", input=PHRASE).code == 0
    _, ours = _our_key()
    source = tmp_path / "family.txt"
    source.write_text(
        f"wsh(sortedmulti(2,{','.join(k + '/<0;1>/*' for k in (ours, *OTHER_KEYS))}))"
    )
    descriptor = run_cli("add-descriptor", "--name", "family", str(source), "--json").json()[
        "descriptor"
    ]
    assert (
        run_cli("descriptor", "set-location", "family", "B", "with the lawyer", env=ENV).code == 0
    )
    kit = tmp_path / "kit.pdf"
    done = run_cli("paper", "kit", "-o", str(kit), "--date", "2026-12-07", env=ENV)
    assert done.code == 0, done.stderr
    text = subprocess.run(["pdftotext", "-layout", str(kit), "-"], capture_output=True, check=True)
    words = " ".join(text.stdout.decode().split())
    assert "Wallet: family" in words
    assert "you need 2 of its 3 keys" in words
    assert "in this vault: seed phrase 'my ledger'" in words
    assert "not in this vault: with the lawyer" in words
    payloads = [p for page in rasterise(kit, tmp_path / "png") for p in zxing(page)]
    assert descriptor.encode() in payloads

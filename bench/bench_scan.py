"""Benchmark: how often a blurred, tilted photo of a phrase sheet still scans.

    python bench/bench_scan.py                      # 300 phrases, 7 degrees, blur 5 px
    python bench/bench_scan.py --count 100 --angle -12 --blur 4 --seed 2

For each of ``--count`` 24-word phrases (drawn from ``--seed``, so a run can be
repeated): the real phrase sheet is rendered (``render_pdf``), rasterised at 150 dpi by
``pdftoppm`` (its 1.5 mm modules are about 9 pixels), tilted by ``--angle`` degrees and blurred
with a Gaussian of ``--blur`` pixels, as ``tests/unit/paper/test_scan.py`` makes its
photo. Each photo is then read three ways, side by side:

- zxing-cpp once, with no retries (what one read of a phone app does);
- ``zbarimg`` (the reference decoder of the round-trip tests), when it is installed;
- ``keyvault.paper.scan.decode_image`` (the plain read, then its retries).

A read counts as found when it gives exactly the phrase's SeedQR; any other payload is a
misread. Prints a Markdown table for BENCHMARKS.md and the seeds of the photos keyvault
missed (``--only SEED`` renders just that one, to look at it).
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import zxingcpp
from PIL import Image, ImageFilter

from keyvault.paper import documents, render, scan
from keyvault.secret import Secret
from keyvault.seedphrase import bip39, seedqr

DAY = date(2026, 11, 2)


def phrase_for(seed: str) -> Secret:
    """The 24-word phrase of a seed string (deterministic; public test data only)."""
    return bip39.from_entropy(hashlib.sha256(seed.encode()).digest())


def photo_of(phrase: Secret, angle: float, blur: float) -> Image.Image:
    """The phrase sheet at 150 dpi, tilted by ``angle`` degrees and blurred by ``blur`` px."""
    pdf = render.render_pdf(documents.phrase_sheet(bip39.check(phrase), day=DAY))
    (page,) = scan.rasterise_pdf(pdf, dpi=150)
    tilted = page.rotate(angle, expand=True, fillcolor=255)
    return tilted.filter(ImageFilter.GaussianBlur(blur))


@dataclass
class Tally:
    """Photos read exactly, misread, and the seeds of the ones not read exactly."""

    found: int = 0
    misread: int = 0
    seconds: float = 0.0
    missed: list[str] = field(default_factory=list)

    def add(self, seed: str, payloads: list[bytes], expected: bytes, seconds: float) -> None:
        self.seconds += seconds
        if payloads == [expected]:
            self.found += 1
            return
        self.missed.append(seed)
        if any(p != expected for p in payloads):
            self.misread += 1


def _zxing_once(photo: Image.Image) -> list[bytes]:
    formats = zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)
    return [bytes(code.bytes) for code in zxingcpp.read_barcodes(photo, formats=formats)]


def _zbar(photo: Image.Image, work: Path) -> list[bytes]:
    path = work / "photo.png"
    photo.save(path)
    proc = subprocess.run(
        ["zbarimg", "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", str(path)],
        capture_output=True,
        check=False,
    )
    return [line for line in proc.stdout.split(b"\n") if line]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=300)
    parser.add_argument("--angle", type=float, default=7.0)
    parser.add_argument("--blur", type=float, default=5.0)
    parser.add_argument("--seed", default="1", help="prefix of the phrases' seed strings")
    parser.add_argument("--only", help="read the one photo of this seed string, and save it")
    args = parser.parse_args()
    seeds = [args.only] if args.only else [f"{args.seed}:{i}" for i in range(args.count)]
    readers = {"zxing-cpp, one read": Tally(), "keyvault decode_image": Tally()}
    if shutil.which("zbarimg"):
        readers["zbarimg"] = Tally()
    with tempfile.TemporaryDirectory(prefix="kv-bench-scan-") as tmp:
        for seed in seeds:
            phrase = phrase_for(seed)
            expected = seedqr.to_standard(bip39.check(phrase)).encode()
            photo = photo_of(phrase, args.angle, args.blur)
            if args.only:
                photo.save(f"scan-{args.only.replace(':', '-')}.png")
            for name, tally in readers.items():
                start = time.perf_counter()
                if name == "zbarimg":
                    payloads = _zbar(photo, Path(tmp))
                elif name == "keyvault decode_image":
                    payloads = scan.decode_image(photo)
                else:
                    payloads = _zxing_once(photo)
                tally.add(seed, payloads, expected, time.perf_counter() - start)
    count = len(seeds)
    print(
        f"{count} phrase sheets (seeds {seeds[0]}..{seeds[-1]}), 150 dpi, "
        f"tilted {args.angle:g} degrees, Gaussian blur {args.blur:g} px\n"
    )
    print("| reader | read exactly | misread | mean time per photo |")
    print("| --- | --- | --- | --- |")
    for name, tally in readers.items():
        print(
            f"| {name} | {tally.found}/{count} ({100 * tally.found / count:.1f} %) | "
            f"{tally.misread} | {1000 * tally.seconds / count:.0f} ms |"
        )
    missed = readers["keyvault decode_image"].missed
    shown = ", ".join(missed[:20]) + (f" and {len(missed) - 20} more" if len(missed) > 20 else "")
    print(f"\nkeyvault missed: {shown or 'none'}")


if __name__ == "__main__":
    main()

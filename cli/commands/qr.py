"""``keyvault qr``: a seed phrase as a SeedQR image, and back.

``encode`` reads the phrase from stdin or a no-echo prompt and writes a PNG or SVG
(by the file name's suffix), atomically and mode 0600, refusing to replace a file unless
``--force``. ``decode`` reads every QR code in an image with zxing-cpp and prints the
phrase of the first SeedQR (Standard or Compact).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from keyvault.errors import SeedQRError
from keyvault.seedphrase import bip39, seedqr

from ..context import get_app
from ..output_file import check_free, force_option, output_option, write_output
from ..secrets_input import read_secret_text

__all__ = ["qr"]


@click.group("qr")
def qr() -> None:
    """Encode a seed phrase as a SeedQR image, or decode one."""


@qr.command("encode")
@click.option(
    "--compact", is_flag=True, help="CompactSeedQR (binary, smaller) instead of Standard (digits)."
)
@output_option("The image to write: FILE.png or FILE.svg.")
@force_option
def encode(compact: bool, output_path: Path, force: bool) -> None:
    """Write a 12- or 24-word English phrase (from stdin or a prompt) as a SeedQR image."""
    from keyvault.paper import qrimage

    app = get_app()
    kind = output_path.suffix.lower().lstrip(".")
    if kind not in ("png", "svg"):
        raise click.UsageError("the output file name must end in .png or .svg")
    check_free(output_path, force)
    phrase = bip39.check(read_secret_text("seed phrase"))
    version = seedqr.qr_version(phrase.word_count, compact)
    payload: bytes | str = seedqr.to_compact(phrase) if compact else seedqr.to_standard(phrase)
    matrix = qrimage.qr_matrix(payload, version=version, mode="byte" if compact else "numeric")
    write_output(output_path, lambda: qrimage.write_qr_image(output_path, matrix, overwrite=force))
    fmt = "compact" if compact else "standard"
    size = len(matrix)
    app.output.emit(
        {
            "path": str(output_path),
            "image": kind,
            "format": fmt,
            "version": version,
            "modules": size,
            "error_correction": seedqr.ERROR_CORRECTION,
            "words": phrase.word_count,
        },
        f"wrote {output_path}: {fmt} SeedQR, version {version} ({size}x{size}), "
        f"error correction {seedqr.ERROR_CORRECTION}",
    )
    app.output.warn("this image is your seed: print it, then delete the file")


@qr.command("decode")
@click.argument("image", type=click.Path(dir_okay=False, path_type=Path))
def decode(image: Path) -> None:
    """Print the phrase of the SeedQR (Standard or Compact) in IMAGE."""
    from keyvault.paper.scan import decode_qr_images

    app = get_app()
    payloads = decode_qr_images(image)
    for payload in payloads:
        try:
            fmt = seedqr.payload_format(payload)
        except SeedQRError:
            continue
        phrase = bip39.check(seedqr.from_payload(payload), "english")
        from keyvault.seedphrase import wallet

        fingerprint = wallet.phrase_fingerprint(phrase)
        text = phrase.words.reveal_text()

        def human(text: str = text, fingerprint: str = fingerprint) -> None:
            sys.stdout.write(text + "\n")
            app.output.info(f"fingerprint {fingerprint} (without a BIP39 passphrase)")

        app.output.emit(
            {
                "mnemonic": text,
                "words": phrase.word_count,
                "language": "english",
                "format": fmt,
                "fingerprint": fingerprint,
            },
            human,
        )
        return
    if payloads:
        raise SeedQRError(
            f"the image has {len(payloads)} QR code(s), but none is a SeedQR",
            hint="a SeedQR holds 12 or 24 English words as digits or 16/32 raw bytes",
        )
    raise SeedQRError("no QR code found in the image")

"""``keyvault mnemonic plate``: a phrase as metal-plate dots (Stackbit 1248 columns or a
TinySeed binary grid) with word numbers, on screen or as a PDF sheet (or an empty grid to
mark by hand)."""

from __future__ import annotations

from pathlib import Path

import click

from keyvault.seedphrase import bip39

from ..context import get_app
from ..output_file import check_free, force_option, write_output
from .mnemonic_common import LANGUAGE, read_phrase

__all__ = ["plate"]


@click.command("plate")
@click.option(
    "--format",
    "plate_format",
    type=click.Choice(["1248", "binary"]),
    default="1248",
    show_default=True,
    help="1248: Stackbit-style digit columns; binary: TinySeed-style 12-dot grid.",
)
@click.option("--language", type=LANGUAGE, default=None, help="Wordlist (default: detect).")
@click.option(
    "-o",
    "--output",
    "output_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also write the plate sheet as a PDF here (secret: print it, then delete it).",
)
@click.option(
    "--paper", "paper_size", type=click.Choice(("a4", "letter")), default="a4", show_default=True
)
@force_option
@click.option(
    "--template",
    is_flag=True,
    help="With -o: an empty grid of 24 rows to mark by hand (reads no phrase).",
)
def plate(
    plate_format: str,
    language: str | None,
    output_path: Path | None,
    paper_size: str,
    force: bool,
    template: bool,
) -> None:
    """Show a phrase (stdin) as metal-plate dots, with word numbers, to check a plate by hand.

    Word numbers count from 1 (abandon = 1, zoo = 2048), as the plates do.
    """
    from keyvault.seedphrase import plate as plates

    app = get_app()
    chosen: plates.PlateFormat = "binary" if plate_format == "binary" else "1248"
    if template:
        if output_path is None:
            raise click.UsageError("--template writes a PDF: give -o FILE")
        _write_plate_pdf(None, chosen, output_path, force, paper_size)
        return
    phrase = read_phrase(language)
    made = plates.rows(phrase, chosen)
    weights = plates.BINARY_WEIGHTS if chosen == "binary" else plates.DIGIT_WEIGHTS
    payload = {
        "format": chosen,
        "language": phrase.language,
        "weights": list(weights),
        "rows": [
            {
                "position": row.position,
                "number": row.number,
                "dots": [[int(dot) for dot in group] for group in row.dots],
            }
            for row in made
        ],
    }
    if output_path is not None:
        _write_plate_pdf(phrase, chosen, output_path, force, paper_size)
        return
    app.output.emit(payload, plates.text(made, chosen).reveal_text())


def _write_plate_pdf(
    phrase: bip39.Phrase | None, plate_format: str, path: Path, force: bool, paper_size: str
) -> None:
    """``plate -o FILE``: the plate sheet as a PDF (atomic, 0600, no overwrite unless forced)."""
    import hashlib
    from datetime import date

    from keyvault.atomic import atomic_write
    from keyvault.paper.plates import plate_sheet
    from keyvault.paper.render import count_pages, render_pdf

    app = get_app()
    check_free(path, force)
    document = plate_sheet(
        phrase,
        plate_format,
        day=date.today(),
        paper="letter" if paper_size == "letter" else "a4",
    )
    data = render_pdf(document)
    write_output(path, lambda: atomic_write(path, data, mode=0o600, overwrite=force))
    app.output.emit(
        {
            "path": str(path),
            "document": document.title,
            "pages": count_pages(data),
            "paper": document.paper,
            "secret": document.has_secret,
            "sha256": hashlib.sha256(data).hexdigest(),
            "format": plate_format,
        },
        f"wrote {path}: {'SECRET ' if document.has_secret else ''}{document.title}",
    )
    if document.has_secret:
        app.output.warn("this PDF is your seed: print it, then delete the file")

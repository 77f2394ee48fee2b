"""``keyvault paper``: print-ready PDFs; ``keyvault scan``: read a QR code back.

Every document is rendered in memory and written once, where ``-o`` says: atomically,
mode 0600, never over an existing file unless ``--force``. Phrases come from stdin or a
no-echo prompt, the vault passphrase from ``--passphrase-file``, ``KEYVAULT_PASSPHRASE``
or the prompt; none of them ever from an option value. ``--date`` fixes the printed date
(and with it the PDF bytes); it defaults to today.
"""

from __future__ import annotations

import hashlib
import re
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from keyvault.errors import NotFoundError

from ..context import get_app
from ..guard import phrase_guard
from ..options import bip39_passphrase_options, passphrase_file_option
from ..output_file import check_free, force_option, output_option, write_output
from ..secrets_input import read_optional_bip39_passphrase, read_secret_text, read_vault_passphrase

if TYPE_CHECKING:
    from keyvault.paper.sheets import Document

__all__ = ["paper", "scan"]

_SPOOLER_WARNING = (
    "printers and print spoolers may keep a copy of what they print: print from a computer "
    "you trust, to a printer attached to it, then delete the PDF"
)
_SPLIT = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")


def _date_value(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date like 2026-11-02") from None


def _parse_date(ctx: click.Context, param: click.Parameter, value: str | None) -> date:
    return date.today() if value is None else _date_value(value)


def _common(func: Callable[..., Any]) -> Callable[..., Any]:
    """-o FILE, --paper, --date and --force, shared by every document."""
    func = force_option(func)
    func = click.option(
        "--date",
        "day",
        metavar="YYYY-MM-DD",
        default=None,
        callback=_parse_date,
        help="The date printed on the pages (default: today).",
    )(func)
    func = click.option(
        "--paper",
        "paper_size",
        type=click.Choice(("a4", "letter")),
        default="a4",
        show_default=True,
        help="Paper size.",
    )(func)
    return output_option("The PDF to write.")(func)


def _label_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--label",
        metavar="TEXT",
        default="",
        help="A name printed on the pages (e.g. 'cold wallet'); never a secret.",
    )(func)


def _write(document: Document, path: Path, force: bool, summary: dict[str, Any]) -> None:
    """Render, write atomically (0600), report; warn about spoolers for secret documents."""
    from keyvault.atomic import atomic_write
    from keyvault.paper.render import count_pages, render_pdf

    app = get_app()
    check_free(path, force)
    data = render_pdf(document)
    write_output(path, lambda: atomic_write(path, data, mode=0o600, overwrite=force))
    pages = count_pages(data)
    payload = {
        "path": str(path),
        "document": document.title,
        "pages": pages,
        "paper": document.paper,
        "date": document.date.isoformat(),
        "secret": document.has_secret,
        "sha256": hashlib.sha256(data).hexdigest(),
        **summary,
    }
    what = "SECRET " if document.has_secret else ""
    app.output.emit(
        payload,
        f"wrote {path}: {what}{document.title}, {pages} page(s), {document.paper.upper()}",
    )
    if document.has_secret:
        app.output.warn(_SPOOLER_WARNING)


def _read_phrase() -> Any:
    from keyvault.seedphrase import bip39

    return bip39.check(read_secret_text("seed phrase"))


@click.group("paper")
def paper() -> None:
    """Print phrase sheets, share sheets, the recovery kit, public and blank pages (PDF)."""


@paper.command("phrase")
@_common
@_label_option
@click.option(
    "--compact-qr", is_flag=True, help="CompactSeedQR (binary, smaller) instead of Standard."
)
@bip39_passphrase_options
def phrase_command(
    output_path: Path,
    paper_size: str,
    day: date,
    force: bool,
    label: str,
    compact_qr: bool,
    bip39_passphrase_prompt: bool,
    bip39_passphrase_file: str | None,
) -> None:
    """A seed phrase sheet: words, 4-letter metal row, SeedQR, fingerprint (phrase on stdin).

    A BIP39 passphrase, if given, is never printed: the sheet says one is used and shows
    the fingerprint of the wallet it opens.
    """
    from keyvault.paper.documents import phrase_sheet

    check_free(output_path, force)
    phrase = _read_phrase()
    passphrase = read_optional_bip39_passphrase(bip39_passphrase_prompt, bip39_passphrase_file)
    document = phrase_sheet(
        phrase,
        day=day,
        label=label,
        compact_qr=compact_qr,
        bip39_passphrase=passphrase,
        paper=paper_size,  # type: ignore[arg-type]
    )
    qr = phrase.language == "english" and phrase.word_count in (12, 24)
    guard = phrase_guard(get_app().home, phrase, passphrase, get_app().output)
    summary = {
        "words": phrase.word_count,
        "language": phrase.language,
        "seedqr": ("compact" if compact_qr else "standard") if qr else None,
        **guard.payload(),
    }
    _write(document, output_path, force, summary)
    guard.say(get_app().output)


@paper.command("shares")
@_common
@_label_option
@click.option("--threshold", type=int, required=True, help="Shares needed to restore.")
@click.option("--shares", "share_count", type=int, required=True, help="Shares to make.")
def shares_command(
    output_path: Path,
    paper_size: str,
    day: date,
    force: bool,
    label: str,
    threshold: int,
    share_count: int,
) -> None:
    """Split a phrase (stdin) into SLIP-39 shares, T of N, one page per share."""
    from keyvault.paper.documents import share_sheets
    from keyvault.seedphrase import slip39, wallet

    check_free(output_path, force)
    phrase = _read_phrase()
    try:
        groups = slip39.split_bip39(phrase, threshold=threshold, shares=share_count)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    # Never print shares that do not give the phrase back.
    restored = slip39.combine_to_bip39(groups[0][:threshold], phrase.language)
    if not restored.equals(phrase.words):
        raise click.ClickException("internal check failed: the shares do not restore the phrase")
    fingerprint = wallet.phrase_fingerprint(phrase)
    document = share_sheets(
        groups,
        day=day,
        label=label,
        fingerprint=fingerprint,
        paper=paper_size,  # type: ignore[arg-type]
    )
    _write(
        document,
        output_path,
        force,
        {"threshold": threshold, "shares": share_count, "fingerprint": fingerprint},
    )


def _parse_split(value: str | None) -> tuple[int, int] | None:
    if value is None:
        return None
    match = _SPLIT.match(value)
    if not match:
        raise click.BadParameter(f"{value!r} is not T/N (for example 2/3)", param_hint="--split")
    threshold, count = int(match.group(1)), int(match.group(2))
    if not 2 <= threshold <= count <= 16:
        raise click.BadParameter(
            "a split kit needs 2 <= T <= N <= 16 (SLIP-39 has no 1-of-N)", param_hint="--split"
        )
    return threshold, count


@paper.command("kit")
@_common
@click.option(
    "--split",
    "split_spec",
    metavar="T/N",
    default=None,
    help="Split the vault key into N SLIP-39 shares, any T of which recover it.",
)
@click.option(
    "--holder",
    "holders",
    metavar="NAME",
    multiple=True,
    help="Who holds each share, in order (repeat N times with --split).",
)
@click.option(
    "--b2-read-key",
    "b2_read_dests",
    metavar="DEST_NAME",
    multiple=True,
    help="Create a read-only key for this B2 destination and print it in the kit (repeatable).",
)
@passphrase_file_option
def kit_command(
    output_path: Path,
    paper_size: str,
    day: date,
    force: bool,
    split_spec: str | None,
    holders: tuple[str, ...],
    b2_read_dests: tuple[str, ...],
    passphrase_file: str | None,
) -> None:
    """The heir's recovery kit: the vault key (or its shares), where copies are, how to recover.

    Needs the vault passphrase to unlock the vault key. With --split T/N the key is
    printed only as SLIP-39 shares, one page per holder. With --b2-read-key DEST_NAME a
    read-only application key, limited to that destination's bucket and prefix, is
    created with the destination's stored key and printed (only) in the kit.
    """
    from keyvault.paper.kit import kit_summary
    from keyvault.paper.vault_kit import vault_kit
    from keyvault.vault.keystore import unlock_vault_key

    app = get_app()
    split = _parse_split(split_spec)
    if holders and split is None:
        raise click.UsageError("--holder goes with --split T/N")
    if split is not None and holders and len(holders) != split[1]:
        raise click.UsageError(f"name {split[1]} holders (one per share), or none")
    check_free(output_path, force)
    built = vault_kit(
        app.home,
        # Asked for only once the checks that need no key have passed.
        lambda: unlock_vault_key(app.home, read_vault_passphrase(passphrase_file)),
        day=day,
        split=split,
        holders=holders,
        b2_read_keys=b2_read_dests,
        paper=paper_size,  # type: ignore[arg-type]
    )
    read_keys = built.read_keys
    summary: dict[str, Any] = {"split": None}
    if split is not None:
        threshold, count = split
        summary = {"split": {"threshold": threshold, "shares": count, "holders": list(holders)}}
    # Key IDs are not secret and let the owner revoke a key later; the keys stay in the PDF.
    summary["b2_read_keys"] = [
        {"destination": k.destination, "key_id": k.key_id} for k in read_keys
    ]
    _write(built.document, output_path, force, {**summary, **kit_summary(built.document)})
    for read_key in read_keys:
        app.output.info(
            f"created read-only B2 key {read_key.key_id} for {read_key.destination!r}: it is "
            "printed only in the kit; delete it in B2's web UI if the kit is lost"
        )
    app.output.info(
        "store the kit safely, then record it: keyvault copy record vault-key --kind paper "
        "--location '...'"
    )


@paper.command("public")
@_common
@_label_option
@click.option(
    "--script",
    type=click.Choice(("p2wpkh", "p2sh-p2wpkh", "p2tr")),
    default="p2wpkh",
    show_default=True,
    help="The wallet's script type.",
)
@click.option("--testnet", is_flag=True, help="A testnet wallet.")
@click.option(
    "--created",
    "birth",
    metavar="YYYY-MM-DD",
    default=None,
    help="When the wallet was created (helps a restore rescan); default: the print date.",
)
@bip39_passphrase_options
def public_command(
    output_path: Path,
    paper_size: str,
    day: date,
    force: bool,
    label: str,
    script: str,
    testnet: bool,
    birth: str | None,
    bip39_passphrase_prompt: bool,
    bip39_passphrase_file: str | None,
) -> None:
    """A public information page (no secret): fingerprint, xpub, first address (phrase on stdin)."""
    from keyvault.paper.documents import public_sheet
    from keyvault.seedphrase import wallet

    birth_date = _date_value(birth) if birth else None
    check_free(output_path, force)
    phrase = _read_phrase()
    passphrase = read_optional_bip39_passphrase(bip39_passphrase_prompt, bip39_passphrase_file)
    info = wallet.inspect(
        phrase,
        passphrase,
        script=script,  # type: ignore[arg-type]
        testnet=testnet,
        count=1,
    )
    document = public_sheet(
        info,
        day=day,
        label=label,
        birth_date=birth_date,
        passphrase_used=passphrase is not None and not passphrase.is_empty(),
        paper=paper_size,  # type: ignore[arg-type]
    )
    _write(
        document,
        output_path,
        force,
        {"fingerprint": info.fingerprint, "account_xpub": info.account_xpub},
    )


@paper.command("descriptor")
@click.argument("name")
@_common
@passphrase_file_option
def descriptor_command(
    name: str,
    output_path: Path,
    paper_size: str,
    day: date,
    force: bool,
    passphrase_file: str | None,
) -> None:
    """A wallet configuration sheet: the descriptor as text and QR code(s), the cosigner
    table and the first addresses (needs the vault passphrase to read it)."""
    from keyvault.paper.descriptor_sheet import descriptor_sheet

    from .descriptor import load_configuration

    check_free(output_path, force)
    record, entries = load_configuration(name, passphrase_file, with_map=True)
    document = descriptor_sheet(record, entries, day=day, paper=paper_size)  # type: ignore[arg-type]
    summary = {"name": name, "descriptor": record.config.descriptor}
    _write(document, output_path, force, summary)


@paper.command("blank")
@_common
@_label_option
@click.option(
    "--words",
    "word_count",
    type=click.Choice(("12", "15", "18", "21", "24")),
    default="24",
    show_default=True,
    help="Number of numbered blanks.",
)
def blank_command(
    output_path: Path, paper_size: str, day: date, force: bool, label: str, word_count: str
) -> None:
    """A blank hand-copy template: numbered lines, a metal-plate plan, a SeedQR grid."""
    from keyvault.paper.documents import blank_sheet

    document = blank_sheet(
        day=day,
        words=int(word_count),
        label=label,
        paper=paper_size,  # type: ignore[arg-type]
    )
    _write(document, output_path, force, {"words": int(word_count)})


_KIND_NAMES = {
    "bip39": "BIP39 seed phrase",
    "age-identity": "age identity (vault key)",
    "slip39-share": "SLIP-39 share",
    "text": "text",
    "binary": "binary data",
}


@click.command("scan")
@click.argument("image", metavar="IMAGE_OR_PDF", type=click.Path(dir_okay=False, path_type=Path))
def scan(image: Path) -> None:
    """Print the phrase, key or share in every QR code of an image or PDF.

    Reads photos and scans (PNG, JPEG, ...) and PDFs (with poppler's pdftoppm). Each code
    is printed on its own line, so shares can be collected into a file for
    'keyvault recover --shares-file'.
    """
    from keyvault.paper.scan import scan_file

    app = get_app()
    results = scan_file(image)
    if not results:
        raise NotFoundError(
            f"no QR code found in {image}",
            hint="use a sharp, well-lit, straight photo with the whole code and a white border",
        )
    codes = []
    for result in results:
        value = result.value.reveal() if result.kind == "binary" else result.value.reveal_text()
        codes.append(
            {
                "kind": result.kind,
                "format": result.format,
                "page": result.page,
                "value": value.hex() if isinstance(value, bytes) else value,
            }
        )

    def human() -> None:
        for result, code in zip(results, codes, strict=True):
            app.output.info(f"page {result.page}: {_KIND_NAMES[result.kind]} ({result.format})")
            sys.stdout.write(f"{code['value']}\n")
        if any(r.is_secret for r in results):
            app.output.warn("this output is secret: do not save it anywhere you do not have to")

    app.output.emit({"codes": codes}, human)

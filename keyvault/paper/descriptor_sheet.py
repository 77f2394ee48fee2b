"""The wallet configuration sheet: a descriptor on paper, as text and as QR codes.

For a multisig or any non-default wallet the seed words are not enough: the heir also
needs the descriptor. The sheet prints it as text with its checksum (to type in, 56
characters a line), the cosigner table (which key is where), the first receive and
change addresses (a restored wallet must show them), and QR codes that scan back to the
exact descriptor text.

One QR code holds the descriptor (byte mode, level M) when it fits :data:`MAX_QR_MM` with
modules of at least :data:`~keyvault.paper.sheets.MIN_MODULE_MM`; otherwise the text is
split into BBQr parts (:mod:`keyvault.configs.bbqr`, file type ``U``), each in its own
QR code at that module size, readable in any order: ``keyvault scan`` joins them.
A descriptor is no secret that spends, but it reveals every address and balance of the
wallet: the sheet says so.
"""

from __future__ import annotations

from datetime import date

from keyvault.configs import ConfigRecord, CosignerEntry, holding_summary
from keyvault.configs.bbqr import MAX_PARTS
from keyvault.configs.bbqr import split as bbqr_split
from keyvault.secret import Secret

from . import qrimage
from .documents import SOFTWARE
from .sheets import (
    MIN_MODULE_MM,
    Block,
    Code,
    Columns,
    Document,
    Fields,
    Heading,
    Page,
    PaperSize,
    Paragraph,
    QRCode,
    Table,
)

__all__ = [
    "LINE",
    "MAX_QR_MM",
    "cosigner_rows",
    "descriptor_blocks",
    "descriptor_qr_codes",
    "descriptor_sheet",
    "descriptor_text_lines",
]

#: The widest QR code printed (quiet zone included), so it scans from a phone held
#: over the page and leaves room beside it.
MAX_QR_MM = 100.0
#: The largest module printed when there is room (bigger scans more easily).
_MAX_MODULE_MM = 1.5
#: Characters per printed line of descriptor text.
LINE = 56


def _side_modules(version: int) -> int:
    return 17 + 4 * version + 2 * qrimage.QUIET_ZONE


def _module_mm(version: int) -> float | None:
    """The module size a QR of ``version`` prints at, or None when it would be < 1 mm."""
    size = MAX_QR_MM / _side_modules(version)
    return None if size < MIN_MODULE_MM else min(_MAX_MODULE_MM, size)


def _code(payload: str, mode: qrimage.Mode, module_mm: float, caption: str) -> QRCode:
    return QRCode(
        payload=Secret(payload.encode("utf-8") if mode == "byte" else payload, label="descriptor"),
        mode=mode,
        error="M",
        module_mm=module_mm,
        caption=caption,
        public=True,
    )


def descriptor_qr_codes(descriptor: str) -> list[QRCode]:
    """One QR code of ``descriptor``, or BBQr parts when one would need modules < 1 mm."""
    data = descriptor.encode("utf-8")
    try:
        single = _module_mm(qrimage.smallest_version(data, mode="byte", error="M"))
    except ValueError:
        single = None
    if single is not None:
        return [_code(descriptor, "byte", single, "the descriptor (scan it into the wallet)")]
    for count in range(2, MAX_PARTS + 1):
        parts = bbqr_split(data, file_type="U", parts=count, encoding="Z")
        sizes = [_module_mm(qrimage.smallest_version(p, mode="alphanumeric")) for p in parts]
        if all(s is not None for s in sizes):
            module = min(s for s in sizes if s is not None)
            return [
                _code(part, "alphanumeric", module, f"BBQr part {n} of {len(parts)}")
                for n, part in enumerate(parts, start=1)
            ]
    raise ValueError("the descriptor does not fit any series of QR codes")


def descriptor_text_lines(descriptor: str) -> tuple[str, ...]:
    """The descriptor in lines of :data:`LINE` characters (the last holds ``#checksum``)."""
    return tuple(descriptor[i : i + LINE] for i in range(0, len(descriptor), LINE))


def cosigner_rows(entries: list[CosignerEntry]) -> tuple[tuple[str, ...], ...]:
    """The cosigner table: key, fingerprint, derivation, where it is."""
    rows = []
    for e in entries:
        if e.held_by:
            where = f"in this vault: seed phrase '{e.held_by}'"
        else:
            where = "not in this vault" + (f": {e.location}" if e.location else "")
        rows.append((e.letter, e.fingerprint or "?", e.derivation or "-", where))
    return tuple(rows)


def descriptor_blocks(record: ConfigRecord, entries: list[CosignerEntry]) -> list[Block]:
    """The sheet's blocks (also used by the heir's kit, one set per wallet)."""
    config = record.config
    facts = (
        ("Wallet", f"{config.summary} ({config.network})"),
        ("Descriptor checksum", config.checksum),
        ("Name in the wallet", record.label or ""),
        ("Birth block height", str(record.blockheight) if record.blockheight else ""),
        ("First receive address", config.receive[0] if config.receive else ""),
        ("First change address", config.change[0] if config.change else ""),
    )
    codes = descriptor_qr_codes(config.descriptor)
    if len(codes) == 1:
        qr_blocks: list[Block] = [
            Columns(left=(codes[0],), right=(Fields(facts),), left_width=0.55)
        ]
    else:
        qr_blocks = [
            Fields(facts),
            Paragraph(
                f"The descriptor is split over {len(codes)} QR codes (BBQr): scan all of "
                "them, in any order, with a wallet that reads BBQr or with 'keyvault scan'.",
                "note",
            ),
            *codes,
        ]
    return [
        *qr_blocks,
        Heading("Descriptor", 2),
        Code(descriptor_text_lines(config.descriptor)),
        Heading("Keys", 2),
        Paragraph(holding_summary(entries, config.threshold) + ".", "body"),
        Table(
            header=("Key", "Fingerprint", "Derivation", "Where it is"),
            rows=cosigner_rows(entries),
            widths=(0.8, 1.5, 2.2, 5.5),
        ),
        Heading("First addresses", 2),
        Paragraph("A wallet restored from this descriptor must show these addresses.", "small"),
        Table(
            header=("Index", "Receive", "Change"),
            rows=tuple(
                (str(i), r, config.change[i] if i < len(config.change) else "")
                for i, r in enumerate(config.receive)
            ),
            widths=(0.8, 4.6, 4.6),
        ),
    ]


def descriptor_sheet(
    record: ConfigRecord,
    entries: list[CosignerEntry],
    *,
    day: date,
    paper: PaperSize = "a4",
) -> Document:
    """The printable sheet of one wallet configuration (no secret that spends)."""
    blocks: list[Block] = [
        Paragraph(
            "This page cannot spend anything, but it shows every address and balance of the "
            "wallet: keep it as private as a bank statement. With enough of the keys listed "
            "below, it restores the wallet in any wallet software that reads descriptors.",
            "note",
        ),
        *descriptor_blocks(record, entries),
    ]
    return Document(
        title="Wallet configuration",
        pages=(
            Page(
                title=f"Wallet configuration: {record.name}",
                subtitle="no secret on this page, but private",
                blocks=tuple(blocks),
            ),
        ),
        date=day,
        paper=paper,
        software=SOFTWARE,
    )

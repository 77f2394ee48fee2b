"""The stand-alone sheets: seed phrase, SLIP-39 shares, public wallet facts, blank hand copy.

Each builder is pure: it takes checked values and returns a
:class:`~keyvault.paper.sheets.Document` (render it with
:func:`keyvault.paper.render.render_pdf`). The date is a parameter, so the same input
gives the same document, and the same PDF bytes. The recovery kit for heirs is in
:mod:`keyvault.paper.kit`.

What never goes on paper here: a BIP39 passphrase (the sheet only says whether one
exists), and, on the public sheet, anything secret.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from keyvault import __version__
from keyvault.secret import Secret
from keyvault.seedphrase import bip39, seedqr, slip39, wallet

from .sheets import (
    BlankQRGrid,
    BlankStampRow,
    BlankWordGrid,
    Block,
    Checkboxes,
    Columns,
    CutLine,
    Document,
    Fields,
    Heading,
    Page,
    PaperSize,
    Paragraph,
    QRCode,
    StampRow,
    WordGrid,
)

__all__ = [
    "SOFTWARE",
    "blank_sheet",
    "phrase_sheet",
    "public_sheet",
    "share_payload",
    "share_sheets",
]

#: Printed on every page: which program made it.
SOFTWARE = f"keyvault {__version__}"

_NEVER_DIGITAL = (
    "Never photograph these words, scan them or type them into a computer or phone, except "
    "into the wallet you are restoring. Anyone who reads them can take the funds. Keep this "
    "sheet where fire, water and curious eyes cannot reach it."
)


def _title(base: str, label: str) -> str:
    return f"{base}: {label}" if label else base


def _passphrase_box(exists: bool | None) -> Checkboxes:
    checked = None if exists is None else (0 if exists else 1)
    return Checkboxes("A BIP39 passphrase (25th word) is used:", ("yes", "no"), checked)


def _seedqr_block(phrase: bip39.Phrase, compact: bool) -> QRCode:
    version = seedqr.qr_version(phrase.word_count, compact)
    if compact:
        payload = Secret(seedqr.to_compact(phrase), label="seedqr")
        name = "CompactSeedQR"
    else:
        payload = Secret(seedqr.to_standard(phrase), label="seedqr")
        name = "Standard SeedQR"
    size = 17 + 4 * version
    return QRCode(
        payload=payload,
        mode="byte" if compact else "numeric",
        version=version,
        error="L",
        module_mm=1.5,
        caption=f"{name} \u00b7 version {version} ({size}\u00d7{size}) \u00b7 level L",
    )


def phrase_sheet(
    phrase: bip39.Phrase | Secret | str,
    *,
    day: date,
    label: str = "",
    compact_qr: bool = False,
    bip39_passphrase: Secret | None = None,
    paper: PaperSize = "a4",
) -> Document:
    """The seed phrase sheet: numbered words, a 4-letter metal row, a SeedQR, fingerprint.

    The SeedQR (Standard by default, Compact with ``compact_qr``) and the 4-letter row are
    made for English 12- and 24-word phrases only; other phrases get the words alone.
    ``bip39_passphrase`` is never printed: given, the sheet ticks "a passphrase is used"
    and prints the fingerprint of the wallet it opens (and the one without it).
    """
    checked = phrase if isinstance(phrase, bip39.Phrase) else bip39.check(phrase)
    english = checked.language == "english"
    with_qr = english and checked.word_count in seedqr.SEEDQR_WORD_COUNTS
    has_passphrase = bip39_passphrase is not None and not bip39_passphrase.is_empty()
    facts: list[tuple[str, str]] = [("Label", label or "")]
    if has_passphrase:
        facts.append(
            (
                "Fingerprint with the passphrase",
                wallet.phrase_fingerprint(checked, bip39_passphrase),
            )
        )
        facts.append(("Fingerprint without a passphrase", wallet.phrase_fingerprint(checked, None)))
    else:
        facts.append(("Master fingerprint", wallet.phrase_fingerprint(checked, None)))
    facts += [
        ("Words", f"{checked.word_count}, BIP39 {checked.language}"),
        ("Written on", day.isoformat()),
    ]
    blocks: list[Block] = [
        Paragraph(_NEVER_DIGITAL, "warning"),
        WordGrid(checked.words, columns=2, emphasise_prefix=english),
    ]
    if english:
        blocks.append(
            Paragraph(
                "The underlined first four letters identify each word: they alone are enough "
                "to restore, and they are what a metal plate holds.",
                "small",
            )
        )
    if with_qr:
        letters = checked.word_count * 4
        blocks += [
            Heading("For a metal plate: the first four letters", 2),
            StampRow(checked.words),
            Paragraph(
                f"{checked.word_count} \u00d7 4 = {letters} letters, the capacity of common "
                "steel plates. Stamp them in this order.",
                "small",
            ),
            Columns(
                left=(_seedqr_block(checked, compact_qr),),
                right=(Fields(tuple(facts)), _passphrase_box(has_passphrase)),
                left_width=0.45,
            ),
            Paragraph(
                "To restore, type the words into your wallet, or scan the SeedQR with a "
                "SeedSigner, a compatible wallet or 'keyvault scan'. "
                + (
                    "A phone shows a Standard SeedQR as digits: every 4 digits are one word's "
                    "number in the BIP39 English wordlist (0000 = abandon, 2047 = zoo)."
                    if not compact_qr
                    else "A CompactSeedQR is binary: phone camera apps cannot show it."
                ),
                "small",
            ),
        ]
    else:
        blocks += [
            Fields(tuple(facts)),
            _passphrase_box(has_passphrase),
            Paragraph(
                "SeedQR and the 4-letter metal row exist for English 12- and 24-word "
                "phrases only: keep these words as written.",
                "small",
            ),
        ]
    if has_passphrase:
        blocks.append(
            Paragraph(
                "The passphrase is not written here, and it is needed as well: keep it "
                "somewhere else.",
                "note",
            )
        )
    page = Page(
        title=_title("Seed phrase", label),
        subtitle=f"{checked.word_count} words \u00b7 written on {day.isoformat()}",
        blocks=tuple(blocks),
        secret=True,
    )
    return Document(
        title="Seed phrase sheet", pages=(page,), date=day, paper=paper, software=SOFTWARE
    )


def share_payload(share: Secret | str) -> Secret:
    """What a share's QR code holds: its words in upper case, single spaces.

    Upper case fits QR alphanumeric mode (a smaller code than lower case text); SLIP-39
    readers, keyvault's included, take words in any case.
    """
    text = share.reveal_text() if isinstance(share, Secret) else share
    return Secret(" ".join(text.split()).upper(), label="share")


def share_qr(share: Secret) -> QRCode:
    """The QR block of one SLIP-39 share."""
    return QRCode(
        payload=share_payload(share),
        mode="alphanumeric",
        error="M",
        module_mm=1.1,
        caption="the share's words (upper case): 'keyvault scan' reads them",
    )


def _share_facts(info: slip39.ShareInfo, count_in_group: int) -> list[tuple[str, str]]:
    facts = [
        ("Share set id", f"{info.identifier:05d}"),
        (
            "This share",
            f"member {info.member} of group {info.group}"
            if info.group_count > 1
            else f"share {info.member} of {count_in_group}",
        ),
        (
            "Needed",
            f"any {info.member_threshold} of the {count_in_group} shares"
            + (
                f" of group {info.group}; {info.group_threshold} of {info.group_count} groups"
                if info.group_count > 1
                else ""
            ),
        ),
        ("Words", f"{info.words} (SLIP-39)"),
    ]
    return facts


def share_sheets(
    groups: Sequence[Sequence[Secret]],
    *,
    day: date,
    label: str = "",
    fingerprint: str = "",
    paper: PaperSize = "a4",
) -> Document:
    """One page per SLIP-39 share (as made by :func:`keyvault.seedphrase.slip39.split_bip39`).

    Each page states the set id, which share it is, how many are needed, the words (first
    four letters emphasised, unique in the SLIP-39 list too), a QR code of the words and a
    cut line above a stub, without secret, the owner keeps as a record of where it went.
    """
    pages: list[Page] = []
    for members in groups:
        for share in members:
            info = slip39.describe(share)
            count = len(members)
            facts = _share_facts(info, count)
            if label:
                facts.insert(0, ("Label", label))
            if fingerprint:
                facts.append(("Wallet fingerprint", fingerprint))
            facts.append(("Written on", day.isoformat()))
            words = Secret(" ".join(share.reveal_text().split()).lower(), label="share")
            blocks: tuple[Block, ...] = (
                Paragraph(
                    f"This is one share of a seed phrase split with SLIP-39. Any "
                    f"{info.member_threshold} of the {count} shares together restore the "
                    "phrase; fewer reveal nothing about it. Keep each share in a different "
                    "place, with a different person.",
                    "warning",
                ),
                WordGrid(words, columns=3),
                Columns(left=(share_qr(share),), right=(Fields(tuple(facts)),), left_width=0.5),
                Paragraph(
                    "To restore: run `keyvault mnemonic combine` and type the needed shares, "
                    "one per line; it prints the original BIP39 phrase. Without keyvault: "
                    "`pip install shamir-mnemonic`, then `shamir recover` prints the master "
                    "secret in hex, which is the phrase's BIP39 entropy. These shares restore "
                    "the BIP39 phrase, not a Trezor SLIP-39 wallet.",
                    "small",
                ),
                CutLine("cut here \u00b7 the stub below holds no secret: keep it as your record"),
                Fields(
                    (
                        (
                            "Stub",
                            f"share {info.member} of {count} \u00b7 set {info.identifier:05d}"
                            + (f" \u00b7 {label}" if label else ""),
                        ),
                        ("Given to / kept at", ""),
                        ("On (date)", ""),
                    )
                ),
            )
            pages.append(
                Page(
                    title=_title(f"SLIP-39 share {info.member} of {count}", label),
                    subtitle=f"set {info.identifier:05d} \u00b7 any {info.member_threshold} "
                    f"of {count} restore the phrase",
                    blocks=blocks,
                    secret=True,
                )
            )
    if not pages:
        raise ValueError("no shares to print")
    return Document(
        title="SLIP-39 share sheets", pages=tuple(pages), date=day, paper=paper, software=SOFTWARE
    )


def public_sheet(
    info: wallet.WalletInfo,
    *,
    day: date,
    label: str = "",
    birth_date: date | None = None,
    passphrase_used: bool = False,
    paper: PaperSize = "a4",
) -> Document:
    """The public facts of a wallet (no secret): fingerprint, account key, first address.

    With these a watch-only wallet shows the balance, and a restore can be checked: the
    restored wallet must show the same fingerprint and first address.
    """
    first = info.addresses[0] if info.addresses else ""
    facts: tuple[tuple[str, str], ...] = (
        ("Label", label),
        ("Master fingerprint", info.fingerprint),
        ("Script", f"{info.script} ({info.network})"),
        ("Account path", info.derivation_path),
        ("Wallet created", (birth_date or day).isoformat()),
        ("First receive address", first),
    )
    blocks: list[Block] = [
        Paragraph(
            "This page holds no secret: it cannot spend anything. It lets a watch-only wallet "
            "show the balance, and it checks a restore: the restored wallet must show this "
            "fingerprint and this first address.",
            "note",
        ),
        Fields(facts),
        _passphrase_box(passphrase_used),
        Heading("Account public key", 2),
        Paragraph(f"`{info.account_xpub}`", "small"),
        Heading("Output descriptor", 2),
        Paragraph(f"`{info.descriptor}`", "small"),
    ]
    codes: list[Block] = [
        QRCode(
            payload=Secret(info.account_xpub, label="xpub"),
            mode="byte",
            error="M",
            module_mm=1.0,
            caption="account public key",
            public=True,
        )
    ]
    if first:
        codes.append(
            QRCode(
                payload=Secret(first.upper() if first.startswith("bc1") else first),
                mode="alphanumeric" if first.startswith("bc1") else "byte",
                error="M",
                module_mm=1.2,
                caption="first receive address",
                public=True,
            )
        )
    blocks.append(Columns(left=(codes[0],), right=tuple(codes[1:]), left_width=0.55))
    return Document(
        title="Wallet public information",
        pages=(
            Page(
                title=_title("Wallet public information", label),
                subtitle="no secret on this page",
                blocks=tuple(blocks),
            ),
        ),
        date=day,
        paper=paper,
        software=SOFTWARE,
    )


def blank_sheet(
    *, day: date, words: int = 24, label: str = "", paper: PaperSize = "a4"
) -> Document:
    """A hand-copy template: numbered blanks, a 4-letter metal plan, a SeedQR grid.

    For owners who will not send a secret through a printer: nothing secret is printed,
    the words are written by hand.
    """
    if words not in bip39.WORD_COUNTS:
        raise ValueError("a BIP39 phrase has 12, 15, 18, 21 or 24 words")
    blocks: list[Block] = [
        Paragraph(_NEVER_DIGITAL, "warning"),
        BlankWordGrid(words),
        Fields(
            (
                ("Label", label),
                ("Master fingerprint", ""),
                ("Written on", ""),
            )
        ),
        _passphrase_box(None),
        Heading("For a metal plate: the first four letters", 2),
        BlankStampRow(words),
    ]
    pages = [
        Page(
            title=_title("Seed phrase (hand copy)", label),
            subtitle=f"{words} words \u00b7 printed blank on {day.isoformat()}",
            blocks=tuple(blocks),
        )
    ]
    if words in seedqr.SEEDQR_WORD_COUNTS:
        size = 17 + 4 * seedqr.qr_version(words, compact=False)
        pages.append(
            Page(
                title=f"Standard SeedQR by hand ({size}\u00d7{size})",
                subtitle="optional",
                blocks=(
                    Paragraph(
                        "Copy a Standard SeedQR square by square: the three corner squares are "
                        "printed, columns are lettered and rows numbered. SeedSigner shows the "
                        "code on its screen. Once filled in, this page is as secret as the words.",
                        "small",
                    ),
                    BlankQRGrid(size),
                ),
            )
        )
    return Document(
        title="Seed phrase hand-copy sheet",
        pages=tuple(pages),
        date=day,
        paper=paper,
        software=SOFTWARE,
    )

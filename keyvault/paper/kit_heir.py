"""The kit's pages for the heir that hold no secret: 'Read this first' (what the kit is,
who holds a share, scam warnings), a letter to fill in by hand, a checklist with a
practice drill, and the BIP39 English wordlist."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from keyvault.seedphrase import bip39
from keyvault.vault.config import Config

from .documents import SOFTWARE
from .sheets import Block, Bullets, Fields, Heading, Page, Paragraph, Steps, Table, Wordlist

__all__ = ["checklist_page", "letter_page", "read_first_page", "wordlist_page"]


def read_first_page(
    config: Config, day: date, shares: int, threshold: int, holders: Sequence[str]
) -> Page:
    """'Read this first': what the kit opens, what is in it, who holds a share, scam warnings."""
    vault = config.require_vault()
    if shares:
        key_line = (
            f"The key to the backups is split into {shares} shares, held by different people "
            f"or places. Any {threshold} of them together recover it; fewer reveal nothing."
        )
    else:
        key_line = (
            "The key to the backups is on the secret page of this kit: 24 words, and the "
            "same key as one line of text and a QR code."
        )
    blocks: list[Block] = [
        Paragraph(
            "This kit lets you recover backups of cryptocurrency keys and wallet files that "
            "were made with the program keyvault. The backups are encrypted: without the key "
            "in this kit they are useless to anyone, with it they open with keyvault or with "
            "the free standard tool age, even if keyvault no longer exists.",
        ),
        Paragraph(key_line, "warning"),
        Fields(
            (
                ("Vault id", vault.id),
                ("Vault public key", vault.recipient),
                ("Vault created", vault.created[:10]),
                ("Kit printed", day.isoformat()),
                ("Made with", SOFTWARE),
            )
        ),
        Heading("What is in this kit"),
        Bullets(
            (
                "Read this first (this page).",
                "The vault key (secret), or one share of it per holder (secret)."
                if not shares
                else f"{shares} share pages (secret), one per holder; any {threshold} recover "
                "the key.",
                "Where every copy of the backups lives, and how to get to the cloud copy.",
                "How to recover, step by step: with keyvault, and without it.",
                "A letter to the heirs to fill in by hand (no secret in it).",
                "A checklist and a practice drill.",
                "Appendix: the BIP39 English wordlist.",
            )
        ),
    ]
    if any(holders):
        blocks += [
            Heading("Who holds a share"),
            Table(
                ("share", "holder"),
                tuple(
                    (f"{n} of {shares}", name or "(not named)")
                    for n, name in enumerate(holders, start=1)
                ),
                widths=(1, 4),
            ),
        ]
    blocks += [
        Heading("Before you do anything"),
        Bullets(
            (
                "**Nobody legitimate will ever ask you for the words or the key**: not a bank, "
                "not an exchange, not 'support', not a lawyer. Anyone who asks is a thief.",
                "Take your time. Nothing here expires. Do not let anyone rush you.",
                "Use a computer you trust, and do not photograph the secret pages or type "
                "them into a website.",
                "Ask a technically minded person you trust to sit with you (see the letter).",
                "When wallets are recovered, move a small test amount first.",
            )
        ),
    ]
    return Page(
        title="Recovery kit: read this first",
        subtitle=f"vault {vault.id[:8]} \u00b7 printed {day.isoformat()}",
        blocks=tuple(blocks),
    )


def letter_page(config: Config, shares: int, threshold: int) -> Page:
    """A letter to the heirs, filled in by hand (it must never hold a secret)."""
    key_where = (
        f"The key is split into {shares} shares; any {threshold} recover it. The holders are "
        "listed in the kit."
        if shares
        else "The vault key page is kept at: ______________________________"
    )
    return Page(
        title="Letter to my heirs",
        subtitle="to fill in by hand; it holds no secret, and must never hold one",
        blocks=(
            Paragraph(
                "To ________________________________, written on ______________ by "
                "______________________________."
            ),
            Heading("What exists"),
            Paragraph(
                "I own cryptocurrency and keep its keys backed up with keyvault. Roughly: "
                "________________________________________________________________________"
            ),
            Heading("Where the pieces are"),
            Paragraph(key_where),
            Fields(
                (
                    ("Wallet devices and their PINs are kept at", ""),
                    ("Seed phrase sheets / metal plates are at", ""),
                    ("A passphrase (25th word) is kept at", ""),
                    ("This recovery kit's other copy is at", ""),
                )
            ),
            Heading("Who to contact"),
            Fields(
                (
                    ("A technical helper I trust", ""),
                    ("Lawyer / executor", ""),
                    ("Tax adviser", ""),
                )
            ),
            Heading("Warnings"),
            Bullets(
                (
                    "Nobody legitimate asks for the words, shares or key. Support staff, "
                    "'recovery services' and strangers who offer help are thieves.",
                    "Do not hurry: the coins do not expire. Recover first, then decide.",
                    "Move a small test amount before moving everything.",
                    "My will does not contain the words on purpose: wills become public.",
                )
            ),
        ),
    )


def checklist_page(shares: int) -> Page:
    """When the kit is complete, a yearly practice drill and an update log."""
    return Page(
        title="Checklist and practice drill",
        blocks=(
            Heading("The kit is complete when"),
            Bullets(
                (
                    "the vault key page is sealed in an envelope and stored safely"
                    if not shares
                    else "each holder has received exactly one share page, sealed",
                    "the letter to the heirs is filled in and the heirs know where the kit is",
                    "every backup place in 'Where the copies are' has 'kept at' filled in",
                    "the owner has practised a restore with this kit (below)",
                )
            ),
            Heading("Practise once a year"),
            Steps(
                (
                    "On a spare computer, follow 'How to recover' with this kit and one backup "
                    "drive, as an heir would.",
                    "Check that the restored files open, and that restored wallets show the "
                    "fingerprints on their public pages.",
                    "Run `keyvault copy confirm` so keyvault records the kit as checked.",
                    "Print a new kit when the setup changes (a new drive, a new bucket, a new "
                    "key), and destroy the old one.",
                )
            ),
            Heading("Update log"),
            Table(
                ("date", "what changed", "initials"),
                tuple(("", "", "") for _ in range(6)),
                widths=(1, 4, 1),
            ),
        ),
    )


def wordlist_page() -> Page:
    """The BIP39 English wordlist, numbered, to decode a Standard SeedQR by hand."""
    return Page(
        title="Appendix: the BIP39 English wordlist",
        blocks=(
            Paragraph(
                "Each word follows its 4-digit number, from 0000 to 2047. A phone reading a "
                "Standard SeedQR shows digits: split them into groups of four and look each "
                "group up here. The first four letters of every word are unique, so a damaged "
                "word can be found from its beginning.",
                "small",
            ),
            Wordlist(bip39.wordlist("english")),
        ),
    )

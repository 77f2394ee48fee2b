"""The secret pages of the recovery kit: the vault key (24 words, the
``AGE-SECRET-KEY-1...`` line and its QR code), one page per SLIP-39 share of it, and the
read-only B2 keys ('Cloud access'). Each is a :class:`~keyvault.paper.sheets.Page` marked
secret; :mod:`keyvault.paper.kit` puts them in order."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from keyvault.crypto import X25519Identity
from keyvault.crypto.vaultkey import identity_to_words
from keyvault.secret import Secret
from keyvault.seedphrase import slip39
from keyvault.vault.config import Config

from .documents import share_qr
from .kit_copies import place_of
from .sheets import (
    Block,
    Code,
    Columns,
    Fields,
    Heading,
    KeyText,
    Page,
    Paragraph,
    QRCode,
    WordGrid,
)

__all__ = ["B2ReadKey", "cloud_access_page", "key_page", "share_page"]


@dataclass(frozen=True)
class B2ReadKey:
    """A read-only B2 application key for one destination, to print in the kit (secret)."""

    destination: str
    key_id: str
    application_key: Secret


def key_page(identity: X25519Identity, config: Config) -> Page:
    """The vault key (secret): 24 words, the AGE-SECRET-KEY line and its QR code."""
    vault = config.require_vault()
    return Page(
        title="The vault key",
        subtitle="the key to every backup listed in this kit",
        secret=True,
        blocks=(
            Paragraph(
                "This page is the key to all the backups in this kit. It is NOT a wallet seed: "
                "never type these 24 words into a wallet. Whoever holds this page can open the "
                "backups; keep it sealed and safe.",
                "warning",
            ),
            Heading("Vault recovery phrase (24 words)"),
            WordGrid(identity_to_words(identity), columns=2),
            Heading("The same key for age (one line)"),
            Columns(
                left=(
                    QRCode(
                        payload=identity.to_secret(),
                        mode="alphanumeric",
                        error="M",
                        module_mm=1.4,
                        caption="the AGE-SECRET-KEY line",
                    ),
                ),
                right=(
                    KeyText(
                        identity.to_secret(),
                        caption="type it as one line without the spaces "
                        "(0 is zero: there is no letter O, I or B):",
                        prefix="AGE-SECRET-KEY-1",
                        groups_per_line=6,
                    ),
                    Fields((("Its public key", vault.recipient),)),
                ),
                left_width=0.4,
            ),
            Paragraph(
                "The 24 words and the AGE-SECRET-KEY line are the same key in two forms: either "
                "one is enough. keyvault takes the words; age takes the line, saved in a file "
                "key.txt.",
                "small",
            ),
        ),
    )


def share_page(
    share: Secret, number: int, count: int, threshold: int, holder: str, config: Config
) -> Page:
    """One SLIP-39 share of the vault key (secret), with its holder and the set's facts."""
    info = slip39.describe(share)
    words = Secret(" ".join(share.reveal_text().split()).lower(), label="share")
    facts: list[tuple[str, str]] = [
        ("Holder", holder),
        ("This share", f"{number} of {count}"),
        ("Needed", f"any {threshold} of the {count} shares"),
        ("Share set id", f"{info.identifier:05d}"),
        ("Vault id", config.require_vault().id),
    ]
    return Page(
        title=f"Vault key share {number} of {count}" + (f": {holder}" if holder else ""),
        subtitle=f"any {threshold} of {count} shares recover the key to the backups",
        secret=True,
        blocks=(
            Paragraph(
                f"This is one share of the key to the backups described in this kit. On its own "
                f"it reveals nothing; any {threshold} of the {count} shares together recover the "
                "key. It is NOT a wallet seed. Keep it sealed; give it only to the people "
                "carrying out the recovery, in person.",
                "warning",
            ),
            Heading("Share words (SLIP-39, 33 words)"),
            WordGrid(words, columns=3),
            Columns(left=(share_qr(share),), right=(Fields(tuple(facts)),), left_width=0.5),
            Paragraph(
                "To recover: bring the shares together and follow 'How to recover' in the kit "
                "(`keyvault recover --shares-file`, or Trezor's `shamir recover`).",
                "small",
            ),
        ),
    )


def cloud_access_page(keys: Sequence[B2ReadKey], config: Config) -> Page:
    """The read-only B2 keys (secret): each lists and downloads one destination's folder."""
    blocks: list[Block] = [
        Paragraph(
            "Read-only keys: each can list and download the backup folder of one B2 "
            "destination and nothing else. They do not open the backups (that needs the vault "
            "key), but keep them private.",
            "warning",
        )
    ]
    for key in keys:
        destination = config.destination(key.destination)
        where = place_of(destination) if destination is not None else key.destination
        blocks += [
            Heading(f"{key.destination}: {where}", 2),
            Fields((("Application key id", key.key_id),)),
            KeyText(key.application_key, caption="application key:", groups_per_line=10),
        ]
    blocks.append(
        Code(
            (
                "b2 account authorize KEY_ID APPLICATION_KEY",
                "b2 sync b2://BUCKET/FOLDER ./backup",
            )
        )
    )
    return Page(title="Cloud access", secret=True, blocks=tuple(blocks))

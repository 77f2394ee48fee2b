"""The kit's pages on where things are: every backup place, physical copy and item
('Where the copies are', with how to reach a B2 copy), and one page per wallet
configuration (its descriptor, the keys it needs and where each is). No secret."""

from __future__ import annotations

from collections.abc import Mapping

from keyvault.configs import ConfigRecord, CosignerEntry
from keyvault.vault.config import Config, DestinationConfig

from .descriptor_sheet import descriptor_blocks
from .sheets import Block, Fields, Heading, Page, Paragraph, Table

__all__ = ["copies_page", "place_of", "vault_folder", "wallet_page"]


def vault_folder(config: Config) -> str:
    """The folder every backup place holds for this vault."""
    return f"keyvault/{config.require_vault().id}/"


def place_of(destination: DestinationConfig) -> str:
    """Where a destination is, in words an heir can follow (bucket and folder, drive path)."""
    options = destination.options
    if destination.type == "b2":
        prefix = str(options.get("prefix", "")).strip("/")
        where = f"bucket {options.get('bucket', '?')}"
        return where + (f", folder {prefix}/" if prefix else "")
    if destination.type == "local":
        where = str(options.get("path", "?"))
        if options.get("fs_uuid"):
            where += f" (drive id {options['fs_uuid']})"
        return where
    return destination.type


def _kind(destination: DestinationConfig) -> str:
    if destination.type == "b2":
        return "Backblaze B2 (cloud)"
    if destination.type == "local":
        return f"folder on a {destination.media} drive"
    return destination.type


def copies_page(config: Config, item_identities: Mapping[str, str], seal: str) -> Page:
    """'Where the copies are': backup places, physical copies, items with their identity
    lines, the seal key, and how to reach a B2 copy."""
    destinations = tuple(
        (d.name, _kind(d), place_of(d), "yes" if d.offsite else "no", "")
        for d in config.destinations
    )
    physical = tuple((c.item, c.kind, c.location, c.confirmed[:10]) for c in config.copies)
    items = tuple(
        (i.name, i.kind, i.path or "", item_identities.get(i.name, "")) for i in config.items
    )
    folder = vault_folder(config)
    blocks: list[Block] = [
        Paragraph(
            f"Every backup place holds the same folder, **{folder}**, with the encrypted "
            "files: manifest.age (the list of what is backed up), key.age (the vault key, "
            "locked with the owner's passphrase) and objects/ (the backups themselves). One "
            "good copy is enough."
        ),
        Heading("Backup places"),
        Table(
            ("name", "what", "where", "offsite", "kept at (fill in)"),
            destinations or (("(none configured)", "", "", "", ""),),
            widths=(1.2, 1.6, 2.6, 0.8, 1.8),
        ),
        Heading("Paper and metal copies"),
        Table(
            ("of", "kind", "where", "last checked"),
            physical or (("(none recorded)", "", "", ""),),
            widths=(1.5, 1, 3, 1.2),
        ),
        Heading("What is backed up"),
        Table(
            ("item", "kind", "original place", "identity (compare after recovery)"),
            items or (("(none yet)", "", "", ""),),
            widths=(1.3, 0.7, 2.2, 2.3),
        ),
    ]
    if seal:
        # Public: recover derives the same key from the vault key and says whether the
        # owner's seal verifies; this line lets an heir check it by eye too.
        blocks.append(
            Paragraph(
                f"The owner's seal key: **{seal}**. Recovery prints the seal it finds; "
                "items whose newest version the owner did not seal are restored twice, the "
                "sealed one labelled '.sealed': compare both with the identities above."
            )
        )
    b2 = [d for d in config.destinations if d.type == "b2"]
    if b2:
        blocks += [
            Heading("Getting to the cloud copy (Backblaze B2)"),
            Paragraph(
                "The B2 copy sits in the owner's Backblaze account. Two ways in: a read-only "
                "application key limited to the bucket and folder above (if the owner made one, "
                "it is on the 'Cloud access' page: it can read and list, nothing else), or the "
                "account itself: the owner's login, or Backblaze's account recovery through the "
                "executor. With access, download the folder with the Backblaze web site or the "
                "`b2` tool: `b2 sync b2://BUCKET/FOLDER/" + folder + " ./backup`."
            ),
            Fields(
                (
                    ("Account email (fill in)", ""),
                    ("Where the login is kept", ""),
                )
            ),
        ]
    return Page(title="Where the copies are", blocks=tuple(blocks))


def wallet_page(record: ConfigRecord, entries: list[CosignerEntry]) -> Page:
    """One wallet configuration: the keys it needs, where each is, its descriptor."""
    config = record.config
    needed = (
        f"To spend from this wallet you need {config.threshold} of its {len(entries)} keys"
        if config.threshold is not None and len(entries) > 1
        else "To spend from this wallet you need its key(s) as the descriptor says"
    )
    blocks: list[Block] = [
        Paragraph(
            f"{needed}, and this descriptor: the seed words alone do not restore it. Each "
            "key held in this vault is one of its seed phrases (restored with the rest of "
            "the vault); the table says where the others are.",
            "warning",
        ),
        *descriptor_blocks(record, entries),
    ]
    return Page(title=f"Wallet: {record.name}", subtitle="private, no secret", blocks=tuple(blocks))

"""``keyvault add``, ``add-phrase``, ``remove`` and ``list``: the protected items."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from keyvault.vault.config import ItemConfig
from keyvault.vault.items import (
    PHRASE_KINDS,
    add_path_item,
    add_phrase_item,
    remove_item,
)
from keyvault.vault.items import (
    list_items as load_items,
)

from ..context import get_app
from ..secrets_input import read_secret_text

__all__ = ["add", "add_phrase", "list_items", "remove"]


def _item_dict(item: ItemConfig) -> dict[str, Any]:
    return {
        "name": item.name,
        "kind": item.kind,
        "path": item.path if item.kind != "phrase" else None,
        "phrase_kind": item.phrase_kind,
        "added": item.added,
    }


@click.command("add")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--name", metavar="NAME", help="The item's name (default: the file's name).")
def add(path: Path, name: str | None) -> None:
    """Protect the file or folder PATH (a folder is stored as a tar archive)."""
    app = get_app()
    item = add_path_item(app.home, path, name)
    app.output.emit(
        {"added": _item_dict(item)},
        f"protecting {item.kind} {item.name!r} ({item.path})\n"
        "run 'keyvault backup' to copy it to the destinations",
    )


@click.command("add-phrase")
@click.option("--name", metavar="NAME", required=True, help="The item's name.")
@click.option(
    "--kind",
    type=click.Choice(PHRASE_KINDS),
    default="bip39",
    show_default=True,
    help="bip39 phrases are checked; 'other' accepts any words (Electrum, Monero, ...).",
)
@click.option("--language", metavar="LANG", help="BIP39 wordlist language (default: detect).")
def add_phrase(name: str, kind: str, language: str | None) -> None:
    """Protect a seed phrase, read from stdin or typed at a no-echo prompt.

    The phrase is encrypted to the vault key at once; its plaintext is stored nowhere.
    """
    app = get_app()
    phrase = read_secret_text("seed phrase")
    try:
        item = add_phrase_item(app.home, name, phrase, kind=kind, language=language)
    finally:
        phrase.wipe()
    app.output.emit(
        {"added": _item_dict(item)},
        f"protecting {item.phrase_kind} phrase {item.name!r} (stored encrypted)\n"
        "run 'keyvault backup' to copy it to the destinations",
    )


@click.command("remove")
@click.argument("name")
def remove(name: str) -> None:
    """Stop protecting the item NAME.

    Its copies at the destinations are pruned by later backups, after a grace period.
    """
    app = get_app()
    item = remove_item(app.home, name)
    app.output.emit(
        {"removed": _item_dict(item)},
        f"no longer protecting {item.name!r}; its stored copies go with later backups",
    )


@click.command("list")
def list_items() -> None:
    """List the protected items."""
    app = get_app()
    items = load_items(app.home)

    def human() -> None:
        if not items:
            click.echo("no items yet: 'keyvault add PATH' or 'keyvault add-phrase --name NAME'")
            return
        width = max(len(i.name) for i in items)
        for item in items:
            where = item.path if item.kind != "phrase" else f"{item.phrase_kind} phrase"
            click.echo(f"{item.name:<{width}}  {item.kind:<6}  {where}")

    app.output.emit({"items": [_item_dict(i) for i in items]}, human)

"""``keyvault add``, ``add-phrase``, ``remove`` and ``list``: the protected items."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from keyvault.errors import InvalidMnemonicError, KeyvaultError
from keyvault.vault import identities
from keyvault.vault.config import ItemConfig, load_config
from keyvault.vault.items import (
    CONFIG_KIND,
    PHRASE_KINDS,
    add_path_item,
    add_phrase_item,
    remove_item,
)
from keyvault.vault.items import (
    list_items as load_items,
)

from ..context import get_app
from ..options import bip39_passphrase_options, data_dir_option
from ..secrets_input import read_optional_bip39_passphrase, read_secret_text, stdin_is_terminal

if TYPE_CHECKING:
    from keyvault.wallets.discover import ProposedItem

__all__ = ["add", "add_phrase", "list_items", "remove"]

_ENCRYPTION_WORDS = {
    "file": "encrypted by the wallet",
    "keys": "keys encrypted by the wallet",
    "none": "NOT encrypted",
    "unknown": "encryption unknown",
}


def _item_dict(item: ItemConfig) -> dict[str, Any]:
    return {
        "name": item.name,
        "kind": item.kind,
        "path": item.path if item.kind != "phrase" else None,
        "phrase_kind": item.phrase_kind,
        "wallet": item.wallet,
        "added": item.added,
    }


def _describe(proposal: ProposedItem) -> None:
    find = proposal.find
    network = f" ({find.network})" if find.network != "main" else ""
    click.echo(f"{find.software}{network}: {find.path}")
    click.echo(f"    {find.size} bytes, {_ENCRYPTION_WORDS[find.encryption.value]}")
    for note in find.notes:
        click.echo(f"    note: {note}")


def _add_discovered(data_dirs: list[Path], yes: bool) -> None:
    """Discover wallets, confirm each (unless ``yes``), add the confirmed ones as items."""
    from keyvault.wallets.discover import discover, propose_items

    app = get_app()
    if not yes and (app.output.json_mode or not stdin_is_terminal()):
        raise click.UsageError(
            "--discovered asks before adding each wallet and needs a terminal for it; "
            "pass --yes to add every wallet found"
        )
    config = load_config(app.home)
    config.require_vault()
    protected = {i.path: i.name for i in config.items if i.kind in ("file", "folder")}
    finds = discover(data_dirs=data_dirs)
    new = [f for f in finds if str(f.path.absolute()) not in protected]
    skipped: list[dict[str, Any]] = [
        {
            "path": str(f.path),
            "reason": f"already protected as {protected[str(f.path.absolute())]!r}",
        }
        for f in finds
        if str(f.path.absolute()) in protected
    ]
    added: list[ItemConfig] = []
    software: dict[str, str] = {}
    failed: list[dict[str, Any]] = []
    for proposal in propose_items(new, [i.name for i in config.items]):
        if not yes:
            _describe(proposal)
            if not click.confirm(f"protect it as {proposal.name!r}?", default=False):
                skipped.append({"path": str(proposal.path), "reason": "not confirmed"})
                continue
        try:
            added.append(
                add_path_item(
                    app.home,
                    proposal.path,
                    proposal.name,
                    wallet=proposal.find.wallet,
                    live_copy_safe=proposal.find.live_copy_safe,
                )
            )
            software[proposal.name] = proposal.find.software
        except KeyvaultError as exc:
            failed.append(
                {
                    "path": str(proposal.path),
                    "name": proposal.name,
                    "error": {"type": exc.type_name, "message": exc.message},
                }
            )

    def human() -> None:
        if not finds:
            click.echo("no wallet files found in the default places")
            click.echo("hint: name other folders with --data-dir DIR")
            return
        for item in added:
            click.echo(f"protecting {software[item.name]} wallet {item.name!r} ({item.path})")
        for entry in skipped:
            click.echo(f"skipped {entry['path']}: {entry['reason']}")
        for entry in failed:
            click.echo(f"could not add {entry['path']}: {entry['error']['message']}")
        if added:
            click.echo("run 'keyvault backup' to copy them to the destinations")

    app.output.emit(
        {
            "found": len(finds),
            "added": [_item_dict(i) for i in added],
            "skipped": skipped,
            "failed": failed,
        },
        human,
    )
    if failed:
        raise click.exceptions.Exit(1)


@click.command("add")
@click.argument("path", required=False, type=click.Path(path_type=Path))
@click.option("--name", metavar="NAME", help="The item's name (default: the file's name).")
@click.option(
    "--discovered",
    is_flag=True,
    help="Add the wallet files 'keyvault discover' finds, each after you confirm it.",
)
@data_dir_option("With --discovered: also search DIR (a custom wallet data dir); may be repeated.")
@click.option(
    "--yes",
    "-y",
    is_flag=True,
    help="With --discovered: add every wallet found without asking (for scripts).",
)
def add(
    path: Path | None,
    name: str | None,
    discovered: bool,
    data_dirs: tuple[Path, ...],
    yes: bool,
) -> None:
    """Protect the file or folder PATH (a folder is stored as a tar archive).

    With --discovered, find the wallet files on this machine instead and protect the
    ones you confirm. A wallet that is unsafe to read while its program runs (Bitcoin
    Core) is then backed up from a consistent copy (the node's backupwallet rpc).
    """
    if discovered:
        if path is not None or name is not None:
            raise click.UsageError("--discovered finds the wallets itself: give no PATH or --name")
        _add_discovered(list(data_dirs), yes)
        return
    if data_dirs or yes:
        raise click.UsageError("--data-dir and --yes go with --discovered")
    if path is None:
        raise click.UsageError("missing PATH (or use --discovered)")
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
@bip39_passphrase_options
@click.option(
    "--store-bip39-passphrase",
    is_flag=True,
    help="Also keep the BIP39 passphrase, encrypted with the phrase (default: only the "
    "fingerprint it gives is recorded).",
)
def add_phrase(
    name: str,
    kind: str,
    language: str | None,
    bip39_passphrase_prompt: bool,
    bip39_passphrase_file: str | None,
    store_bip39_passphrase: bool,
) -> None:
    """Protect a seed phrase, read from stdin or typed at a no-echo prompt.

    The phrase is encrypted to the vault key at once; its plaintext is stored nowhere.
    The wallet's fingerprint and first addresses are recorded (with the optional BIP39
    passphrase), so that a phrase or passphrase typed later can be recognised.
    """
    from keyvault.seedphrase import electrum

    app = get_app()
    if store_bip39_passphrase and not (bip39_passphrase_prompt or bip39_passphrase_file):
        raise click.UsageError("--store-bip39-passphrase needs --bip39-passphrase[-file]")
    phrase = read_secret_text("seed phrase")
    passphrase = read_optional_bip39_passphrase(bip39_passphrase_prompt, bip39_passphrase_file)
    try:
        seed_type = electrum.kind(phrase)
        try:
            item = add_phrase_item(
                app.home,
                name,
                phrase,
                kind=kind,
                language=language,
                bip39_passphrase=passphrase,
                store_bip39_passphrase=store_bip39_passphrase,
            )
        except InvalidMnemonicError as error:
            if seed_type is None or kind != "bip39":
                raise
            raise InvalidMnemonicError(
                f"this is an {electrum.describe(seed_type)}, not BIP39",
                hint="add it with --kind other: keyvault records it as an Electrum seed "
                f"(if it came from a BIP39 wallet instead: {error.message})",
            ) from error
    finally:
        phrase.wipe()
        if passphrase is not None:
            passphrase.wipe()
    identity = identities.load(app.home).get(item.name)
    payload: dict[str, Any] = {
        "added": _item_dict(item),
        "identity": identity.to_json() if identity is not None else None,
        "bip39_passphrase_stored": store_bip39_passphrase,
    }
    label = f"{item.phrase_kind} phrase"
    if seed_type is not None and kind == "other":
        payload["seed_type"] = f"electrum-{seed_type}"
        label = electrum.describe(seed_type)
    lines = [f"protecting {label} {item.name!r} (stored encrypted)"]
    if identity is not None and identity.kind == "bip39":
        lines.append(f"it opens the wallet with {identity.proof}")
        if identity.bip39_passphrase and not store_bip39_passphrase:
            lines.append(
                "the BIP39 passphrase is not stored: keep it yourself, the backup cannot "
                "open this wallet without it"
            )
    lines.append("run 'keyvault backup' to copy it to the destinations")
    app.output.emit(payload, "\n".join(lines))


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
            if item.phrase_kind == CONFIG_KIND:
                where = "wallet configuration (stored encrypted)"
            click.echo(f"{item.name:<{width}}  {item.kind:<6}  {where}")

    app.output.emit({"items": [_item_dict(i) for i in items]}, human)

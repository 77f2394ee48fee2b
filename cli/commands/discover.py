"""``keyvault discover``: list wallet files on this machine (read-only)."""

from __future__ import annotations

from pathlib import Path

import click

from keyvault.wallets.discover import WalletFind
from keyvault.wallets.discover import discover as discover_wallets

from ..context import get_app
from ..options import data_dir_option

__all__ = ["discover"]

_ENCRYPTION_WORDS = {
    "file": "encrypted",
    "keys": "keys encrypted",
    "none": "NOT encrypted",
    "unknown": "encryption unknown",
}


def _human_size(size: int) -> str:
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"  # pragma: no cover


def _render(finds: list[WalletFind]) -> None:
    if not finds:
        click.echo("no wallet files found in the default places")
        click.echo("hint: name other folders with --data-dir DIR")
        return
    for find in finds:
        label = find.software + (f" ({find.network})" if find.network != "main" else "")
        live = "safe to copy while running" if find.live_copy_safe else "close it or use its rpc"
        click.echo(f"{label}: {find.path}")
        click.echo(
            f"    {_human_size(find.size)}, {find.format.value}, "
            f"{_ENCRYPTION_WORDS[find.encryption.value]}, {live}"
        )
        for note in find.notes:
            click.echo(f"    note: {note}")
    click.echo(f"{len(finds)} wallet file(s) found; add them with 'keyvault add --discovered'")


@click.command("discover")
@data_dir_option("Also search DIR (a custom wallet data dir); may be repeated.")
def discover(data_dirs: tuple[Path, ...]) -> None:
    """Find wallet files on this machine: where, how big, encrypted or not.

    Only reads: nothing is copied or added. Some antivirus tools flag programs that
    read wallet folders; keyvault reads them only when you run this command.
    """
    finds = discover_wallets(data_dirs=list(data_dirs))
    get_app().output.emit({"wallets": [f.to_dict() for f in finds]}, lambda: _render(finds))

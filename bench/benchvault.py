"""The vault every backup benchmark starts from: one shared set-up, so the scripts compare
like with like.

    from benchvault import PASSPHRASE, bench_vault
    home = bench_vault(root, [wallet_file, keystore_folder])

Run from the bench scripts (``python bench/bench_x.py`` puts ``bench/`` on ``sys.path``).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from keyvault.destinations.local import create_marker
from keyvault.secret import Secret
from keyvault.vault.config import DestinationConfig, load_config, save_config
from keyvault.vault.items import add_path_item
from keyvault.vault.keystore import create_vault

__all__ = ["PASSPHRASE", "bench_vault"]

PASSPHRASE = "benchmark passphrase, not a secret"


def bench_vault(root: Path, items: Iterable[Path]) -> Path:
    """Make a vault in ``root/home`` protecting ``items`` (files or folders that exist),
    with one local destination folder ``root/dest`` named "bench"; return the home.

    The vault is made with the library at a low scrypt work factor: what the benchmarks
    time is the CLI or engine work after it, not set-up.
    """
    home, dest = root / "home", root / "dest"
    create_vault(home, Secret(PASSPHRASE), work_factor=16)
    for path in items:
        add_path_item(home, path)
    dest.mkdir()
    config = load_config(home)
    vault = config.require_vault()
    create_marker(dest, vault.id, vault.created)
    config.destinations.append(
        DestinationConfig("bench", "local", "external", options={"path": str(dest)})
    )
    save_config(home, config)
    return home

"""``keyvault dest``: add, list and remove backup destinations.

``dest add local NAME PATH`` marks the existing folder PATH with the vault's
``keyvault/<vault-id>/vault.json`` (public facts only) and records the filesystem UUID
where the OS tells, so that later a drive that is not mounted (an empty mount point) is
reported missing instead of being written to. ``dest add b2`` comes from
``dest_b2.py`` when that module is present.
"""

from __future__ import annotations

import importlib
import importlib.util
import re
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import click

from keyvault.destinations import mounts
from keyvault.destinations.factory import describe_location, open_destination
from keyvault.destinations.local import create_marker
from keyvault.errors import AlreadyExistsError, KeyvaultError, NotFoundError
from keyvault.vault.config import DestinationConfig, load_config, save_config

from ..context import get_app

__all__ = ["add", "dest"]

LOCAL_MEDIA = ("internal", "external", "nas", "optical")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


def _check_name(ctx: click.Context, param: click.Parameter, value: str) -> str:
    if not _NAME.match(value):
        raise click.BadParameter(
            "use 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit"
        )
    return value


def _describe(cfg: DestinationConfig) -> dict[str, Any]:
    return {
        "name": cfg.name,
        "type": cfg.type,
        "media": cfg.media,
        "offsite": cfg.offsite,
        "offline": cfg.offline,
        "location": describe_location(cfg),
        "fs_uuid": cfg.options.get("fs_uuid"),
    }


@click.group("dest")
def dest() -> None:
    """Add, list and remove backup destinations."""


@dest.group("add")
def add() -> None:
    """Add a destination: a folder on a drive, or a B2 bucket."""


@add.command("local")
@click.argument("name", callback=_check_name)
@click.argument("path", type=click.Path(path_type=Path))
@click.option(
    "--media",
    type=click.Choice(LOCAL_MEDIA),
    default=None,
    help="The kind of medium (default: guessed: removable drive -> external, "
    "network share -> nas, else internal).",
)
@click.option("--offsite", is_flag=True, help="This drive is kept away from the original.")
@click.option("--offline", is_flag=True, help="This drive is normally disconnected.")
def add_local(name: str, path: Path, media: str | None, offsite: bool, offline: bool) -> None:
    """Back up to the folder PATH (it must exist: mount the drive first) as NAME."""
    app = get_app()
    config = load_config(app.home)
    vault = config.require_vault()
    if config.destination(name) is not None:
        raise AlreadyExistsError(f"a destination called {name!r} exists already")
    folder = path.expanduser().absolute()
    if not folder.is_dir():
        raise NotFoundError(
            f"folder {folder} does not exist",
            hint="create the folder first, or connect and mount the drive",
        )
    folder = folder.resolve()
    for other in config.destinations:
        if other.type == "local" and other.options.get("path") == str(folder):
            raise AlreadyExistsError(f"destination {other.name!r} already uses {folder}")
    guessed = mounts.guess_media(folder)
    chosen = media or guessed
    if chosen in ("external", "nas") and guessed == "internal":
        home_place = mounts.location_id(app.home) if app.home.is_dir() else None
        if home_place == mounts.location_id(folder):
            app.output.warn(
                f"{folder} is on the same disk as keyvault's own files: is the drive mounted?"
            )
    fs_uuid = mounts.filesystem_uuid(folder)
    created = datetime.now(timezone.utc).isoformat(timespec="seconds")
    marker = create_marker(folder, vault.id, created)
    options: dict[str, Any] = {"path": str(folder), "vault_id": vault.id}
    if fs_uuid:
        options["fs_uuid"] = fs_uuid
    entry = DestinationConfig(name, "local", chosen, offsite, offline, options)
    config.destinations.append(entry)
    save_config(app.home, config)
    flags = [f for f, on in (("offsite", offsite), ("offline", offline)) if on]
    app.output.emit(
        {"added": _describe(entry), "marker": str(marker)},
        f"added destination {name!r}: {folder} ({chosen}"
        + "".join(f", {f}" for f in flags)
        + ")"
        + (f"\nfilesystem UUID {fs_uuid}" if fs_uuid else "")
        + "\nrun 'keyvault backup' to copy every item there",
    )


@dest.command("list")
def list_destinations() -> None:
    """List the destinations and whether each is present now."""
    app = get_app()
    config = load_config(app.home)
    rows: list[dict[str, Any]] = []
    for entry in config.destinations:
        row = _describe(entry)
        try:
            open_destination(entry, app.home).check_available()
        except KeyvaultError as exc:
            row |= {"present": False, "reason": exc.message}
        else:
            row |= {"present": True, "reason": None}
        rows.append(row)

    def human() -> None:
        if not rows:
            click.echo("no destinations yet: add one with 'keyvault dest add local NAME PATH'")
            return
        for row in rows:
            flags = "".join(f", {f}" for f in ("offsite", "offline") if row[f])
            state = "present" if row["present"] else "MISSING"
            click.echo(f"{row['name']}  {state}  {row['location']}  ({row['media']}{flags})")
            if row["reason"]:
                click.echo(f"    {row['reason']}")

    app.output.emit({"destinations": rows}, human)


@dest.command("remove")
@click.argument("name")
def remove(name: str) -> None:
    """Stop backing up to NAME (the copies already there are left as they are)."""
    app = get_app()
    config = load_config(app.home)
    entry = config.destination(name)
    if entry is None:
        raise NotFoundError(f"no destination called {name!r}")
    config.destinations.remove(entry)
    save_config(app.home, config)
    app.output.emit(
        {"removed": _describe(entry)},
        f"removed destination {name!r}; the copies at {describe_location(entry)} were "
        "left in place",
    )


# B2 lives in its own module (b2sdk is heavy and optional); plug it in when present.
if importlib.util.find_spec(f"{__package__}.dest_b2") is not None:
    _b2 = importlib.import_module(f"{__package__}.dest_b2")
    add.add_command(_b2.add_b2, "b2")

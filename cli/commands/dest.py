"""``keyvault dest``: add, list, change and remove backup destinations.

``dest add local NAME PATH`` marks the existing folder PATH with the vault's
``keyvault/<vault-id>/vault.json`` (public facts only) and records the filesystem UUID
where the OS tells, so that later a drive that is not mounted (an empty mount point) is
reported missing instead of being written to. ``dest add b2`` comes from
``dest_b2.py`` when that module is present.
"""

from __future__ import annotations

import importlib
import importlib.util
from pathlib import Path
from typing import Any

import click

from keyvault.backup.setup import (
    DESTINATION_NAME_RULE,
    LOCAL_MEDIA,
    add_local_destination,
    is_valid_destination_name,
    remove_destination,
    update_destination,
)
from keyvault.destinations.factory import describe_location, open_destination
from keyvault.errors import KeyvaultError
from keyvault.vault.config import DestinationConfig, load_config

from ..context import get_app

__all__ = ["add", "dest"]


def _check_name(ctx: click.Context, param: click.Parameter, value: str) -> str:
    if not is_valid_destination_name(value):
        raise click.BadParameter(DESTINATION_NAME_RULE)
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


def _flags(offsite: bool, offline: bool) -> str:
    """The ", offsite" and ", offline" shown after the media kind, each only when set."""
    return "".join(f", {f}" for f, on in (("offsite", offsite), ("offline", offline)) if on)


@click.group("dest")
def dest() -> None:
    """Add, list, change and remove backup destinations."""


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
    added = add_local_destination(
        app.home, name, path, media=media, offsite=offsite, offline=offline
    )
    for warning in added.warnings:
        app.output.warn(warning)
    entry, fs_uuid = added.entry, added.fs_uuid
    app.output.emit(
        {"added": _describe(entry), "marker": str(added.marker)},
        f"added destination {name!r}: {added.folder} ({entry.media}{_flags(offsite, offline)})"
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
            flags = _flags(row["offsite"], row["offline"])
            state = "present" if row["present"] else "MISSING"
            click.echo(f"{row['name']}  {state}  {row['location']}  ({row['media']}{flags})")
            if row["reason"]:
                click.echo(f"    {row['reason']}")

    app.output.emit({"destinations": rows}, human)


@dest.command("set")
@click.argument("name")
@click.option(
    "--offline/--online",
    default=None,
    help="This drive is normally disconnected (--offline), or always connected (--online).",
)
@click.option(
    "--offsite/--onsite",
    default=None,
    help="This destination is kept away from the original (--offsite), or near it.",
)
@click.option(
    "--media",
    type=click.Choice((*LOCAL_MEDIA, "cloud")),
    default=None,
    help="The kind of medium (a B2 bucket is always cloud).",
)
def set_properties(
    name: str, offline: bool | None, offsite: bool | None, media: str | None
) -> None:
    """Change how NAME is kept: offline or online, offsite or onsite, its media kind."""
    app = get_app()
    if offline is None and offsite is None and media is None:
        raise click.UsageError(
            "say what to change: --offline/--online, --offsite/--onsite, --media"
        )
    updated = update_destination(app.home, name, media=media, offsite=offsite, offline=offline)
    entry = updated.entry
    flags = _flags(entry.offsite, entry.offline)
    what = ", ".join(updated.changed) if updated.changed else "nothing (already so)"
    app.output.emit(
        {"updated": _describe(entry), "changed": list(updated.changed)},
        f"destination {name!r}: changed {what}; now {entry.media}{flags}",
    )


@dest.command("remove")
@click.argument("name")
def remove(name: str) -> None:
    """Stop backing up to NAME (the copies already there are left as they are)."""
    app = get_app()
    removed = remove_destination(app.home, name)
    for warning in removed.warnings:
        app.output.warn(warning)
    entry = removed.entry
    app.output.emit(
        {"removed": _describe(entry)},
        f"removed destination {name!r}; the copies at {describe_location(entry)} were "
        "left in place",
    )


# B2 lives in its own module (b2sdk is heavy and optional); plug it in when present.
if importlib.util.find_spec(f"{__package__}.dest_b2") is not None:
    _b2 = importlib.import_module(f"{__package__}.dest_b2")
    add.add_command(_b2.add_b2, "b2")

"""``keyvault dest add b2 NAME --bucket B``: a Backblaze B2 bucket (prefix) as a destination.

The command checks the application key and the bucket before anything is saved and says
precisely what is wrong: a rejected key, no such bucket, a key restricted to another
bucket or name prefix, missing capabilities (write, Object Lock). Then it writes the same
``keyvault/<vault-id>/vault.json`` marker as a local destination, stores the key where
``--store`` says, and records the destination in the config (never the key).

The key comes from ``B2_APPLICATION_KEY_ID`` / ``B2_APPLICATION_KEY`` when both are set;
otherwise the key ID and the key are read from stdin (two lines) when it is piped, or
asked for on the terminal (the key without echo). b2sdk is imported only when this
command runs.
"""

from __future__ import annotations

import getpass
import io
import sys
from datetime import datetime, timezone
from typing import Any

import click

from keyvault.errors import AlreadyExistsError, DestinationError, ObjectNotFoundError
from keyvault.secret import Secret
from keyvault.vault.config import DestinationConfig, load_config, save_config

from ..context import get_app
from ..secrets_input import stdin_is_terminal

__all__ = ["add_b2"]

STORES = ("keyring", "file", "env")


def _read_credentials(store: str | None) -> Any:
    from keyvault.destinations.b2_credentials import B2Credentials, credentials_from_env

    found = credentials_from_env()
    if found is not None:
        return found
    if store == "env":
        raise click.UsageError(
            "--store env needs B2_APPLICATION_KEY_ID and B2_APPLICATION_KEY in the environment"
        )
    if not stdin_is_terminal():
        lines = [line.strip() for line in sys.stdin.read().splitlines() if line.strip()]
        if len(lines) != 2:
            raise click.UsageError(
                "give the application key ID and the key on two lines of stdin, or set "
                "B2_APPLICATION_KEY_ID and B2_APPLICATION_KEY"
            )
        key_id, key = lines[0], Secret(lines[1], label="B2 application key")
    else:
        try:
            key_id = click.prompt("B2 application key ID").strip()
            key = Secret(getpass.getpass("B2 application key: ").strip(), label="B2 key")
        except (EOFError, OSError):
            raise click.UsageError("no terminal to ask for the B2 key") from None
    if not key_id or key.is_empty():
        raise click.UsageError("the application key ID and the key must not be empty")
    try:
        return B2Credentials(key_id, key, "prompt")
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None


def _choose_store(store: str | None, source: str) -> str:
    from keyvault.destinations.b2_credentials import keyring_available

    if store is not None:
        return store
    if source == "env":
        return "env"
    if keyring_available():
        return "keyring"
    raise click.UsageError(
        "no OS keyring is available here to keep the B2 key: choose --store file (a 0600 "
        "file in the config dir) or set B2_APPLICATION_KEY_ID/B2_APPLICATION_KEY and use "
        "--store env"
    )


def _write_marker(destination: Any, vault_id: str) -> str:
    """Put the vault's marker at the destination unless it is there already; its key."""
    from keyvault.destinations.local import marker_document, marker_key, parse_marker

    key = marker_key(vault_id)
    sink = io.BytesIO()
    try:
        destination.get(key, sink)
    except ObjectNotFoundError:
        created = datetime.now(timezone.utc).isoformat(timespec="seconds")
        document = marker_document(vault_id, created)
        destination.put(key, io.BytesIO(document), len(document))
        return str(key)
    try:
        existing = parse_marker(sink.getvalue())
    except ValueError:
        raise DestinationError(f"{key} exists at B2 but is not a keyvault marker") from None
    if existing.vault_id != vault_id:
        raise DestinationError(f"{key} at B2 belongs to another vault")
    return str(key)


def _check_name(ctx: click.Context, param: click.Parameter, value: str) -> str:
    # dest.py imports this module, so its helpers are imported when the command runs.
    from .dest import _check_name as check

    return check(ctx, param, value)


@click.command("b2")
@click.argument("name", callback=_check_name)
@click.option("--bucket", required=True, metavar="BUCKET", help="The B2 bucket's name.")
@click.option(
    "--prefix",
    default="",
    metavar="P",
    help="Keep keyvault's files under this name prefix in the bucket.",
)
@click.option(
    "--immutable-days",
    type=click.IntRange(min=0, max=36500),
    default=0,
    metavar="D",
    help="Lock every uploaded object for D days with B2 Object Lock (the bucket must "
    "have Object Lock enabled). This copy then counts as immutable.",
)
@click.option(
    "--compliance",
    is_flag=True,
    help="Use Object Lock's compliance mode (nobody, not even the account owner, can "
    "shorten or remove the lock) instead of governance mode.",
)
@click.option(
    "--store",
    type=click.Choice(STORES),
    default=None,
    help="Where to keep the key: the OS keyring (default), a 0600 file in the config dir "
    "(for timers and servers), or nowhere (env: read B2_APPLICATION_KEY_ID / "
    "B2_APPLICATION_KEY at every run).",
)
def add_b2(
    name: str,
    bucket: str,
    prefix: str,
    immutable_days: int,
    compliance: bool,
    store: str | None,
) -> None:
    """Back up to a Backblaze B2 bucket as NAME (an offsite, cloud copy)."""
    from keyvault.destinations.b2 import (
        B2Destination,
        B2Settings,
        RetentionMode,
        cache_path_for,
        parse_b2_url,
        realm_from_env,
    )
    from keyvault.destinations.b2_credentials import save_credentials

    from .dest import _describe

    app = get_app()
    config = load_config(app.home)
    vault = config.require_vault()
    if config.destination(name) is not None:
        raise AlreadyExistsError(f"a destination called {name!r} exists already")
    if compliance and not immutable_days:
        raise click.UsageError("--compliance needs --immutable-days")
    try:
        bucket, prefix = parse_b2_url(f"b2://{bucket}/{prefix.strip('/')}")
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--bucket/--prefix") from None
    credentials = _read_credentials(store)
    chosen_store = _choose_store(store, credentials.source)
    retention: RetentionMode = "compliance" if compliance else "governance"
    destination = B2Destination(
        name=name,
        bucket=bucket,
        prefix=prefix,
        credentials=credentials,
        cache_path=cache_path_for(app.home, name),
        realm=realm_from_env(),
        immutable_days=immutable_days,
        retention_mode=retention,
        settings=B2Settings.from_env(),
    )
    probe = destination.probe()
    for warning in probe.warnings:
        app.output.warn(warning)
    marker = _write_marker(destination, vault.id)
    save_credentials(app.home, chosen_store, name, credentials)
    options: dict[str, Any] = {
        "bucket": bucket,
        "prefix": prefix,
        "immutable_days": immutable_days,
        "retention": retention,
        "credentials": chosen_store,
        "vault_id": vault.id,
    }
    entry = DestinationConfig(name, "b2", "cloud", True, False, options)
    config.destinations.append(entry)
    save_config(app.home, config)
    lock = f", objects locked {immutable_days} days ({retention} mode)" if immutable_days else ""
    app.output.emit(
        {
            "added": _describe(entry) | {"immutable_days": immutable_days, "retention": retention},
            "marker": marker,
            "credentials": chosen_store,
            "capabilities": list(probe.capabilities),
            "file_lock_enabled": probe.file_lock_enabled,
            "warnings": list(probe.warnings),
        },
        f"added destination {name!r}: b2://{bucket}"
        + (f"/{prefix}" if prefix else "")
        + f" (cloud, offsite{lock})\nkey kept in: {chosen_store}"
        + "\nrun 'keyvault backup' to copy every item there",
    )

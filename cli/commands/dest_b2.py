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
from typing import Any

import click

from keyvault.backup.setup import add_b2_destination, check_b2_destination
from keyvault.errors import InvalidValueError
from keyvault.secret import Secret

from ..context import get_app
from ..secrets_input import read_secret_input, stdin_is_terminal

__all__ = ["add_b2"]

STORES = ("keyring", "file", "env")


def _read_credentials(store: str | None) -> Any:
    from keyvault.destinations.b2.credentials import B2Credentials, credentials_from_env

    found = credentials_from_env()
    if found is not None:
        return found
    if store == "env":
        raise click.UsageError(
            "--store env needs B2_APPLICATION_KEY_ID and B2_APPLICATION_KEY in the environment"
        )
    if not stdin_is_terminal():
        text = read_secret_input("-", "B2 key on stdin")
        lines = [line.strip() for line in text.splitlines() if line.strip()]
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
    from keyvault.destinations.b2.credentials import keyring_available

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
    from .dest import _describe

    app = get_app()
    # Everything that needs no key is checked before the key is asked for.
    try:
        target = check_b2_destination(
            app.home,
            name,
            bucket=bucket,
            prefix=prefix,
            immutable_days=immutable_days,
            compliance=compliance,
        )
    except InvalidValueError as exc:
        if compliance and not immutable_days:
            raise click.UsageError("--compliance needs --immutable-days") from None
        raise click.BadParameter(exc.message, param_hint="--bucket/--prefix") from None
    credentials = _read_credentials(store)
    chosen_store = _choose_store(store, credentials.source)
    added = add_b2_destination(app.home, target, credentials, store=chosen_store)
    probe, entry, retention = added.probe, added.entry, target.retention
    for warning in probe.warnings:
        app.output.warn(warning)
    bucket, prefix = target.bucket, target.prefix
    lock = f", objects locked {immutable_days} days ({retention} mode)" if immutable_days else ""
    app.output.emit(
        {
            "added": _describe(entry) | {"immutable_days": immutable_days, "retention": retention},
            "marker": added.marker,
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

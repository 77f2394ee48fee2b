"""``keyvault copy``: record the physical copies (paper, metal) of phrases and the vault key.

A physical copy is a record, not a destination: keyvault cannot read a steel plate, so
the user states where it is and confirms now and then that it is still there and
readable. Status counts a copy for 3-2-1 while its confirmation is younger than the
policy's ``physical_max_age_days`` (365 by default). NAME is a phrase item or
``vault-key`` (the vault key's recovery kit).
"""

from __future__ import annotations

import secrets
from dataclasses import asdict
from datetime import datetime, timedelta, timezone
from typing import Any

import click

from keyvault.errors import NotFoundError
from keyvault.vault.config import Config, PhysicalCopyConfig, load_config, save_config

from ..context import get_app

__all__ = ["copy"]

VAULT_KEY = "vault-key"
_MAX_LOCATION = 200


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _stamp(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def _check_location(ctx: click.Context, param: click.Parameter, value: str) -> str:
    text = " ".join(value.split())
    if not text:
        raise click.BadParameter("say where the copy is kept, e.g. 'home safe'")
    if len(text) > _MAX_LOCATION:
        raise click.BadParameter(f"keep it under {_MAX_LOCATION} characters")
    return text


def _new_id(config: Config) -> str:
    taken = {c.id for c in config.copies}
    while True:
        candidate = secrets.token_hex(3)
        if candidate not in taken:
            return candidate


def _find(config: Config, copy_id: str) -> PhysicalCopyConfig:
    found = next((c for c in config.copies if c.id == copy_id), None)
    if found is None:
        raise NotFoundError(
            f"no recorded copy with id {copy_id!r}", hint="'keyvault copy list' shows the ids"
        )
    return found


def _describe(entry: PhysicalCopyConfig, max_age_days: int, now: datetime) -> dict[str, Any]:
    row: dict[str, Any] = asdict(entry)
    try:
        confirmed = datetime.fromisoformat(entry.confirmed)
    except ValueError:
        confirmed = None
    if confirmed is not None and confirmed.tzinfo is None:
        confirmed = confirmed.replace(tzinfo=timezone.utc)
    if confirmed is None:
        row |= {"confirmed_days_ago": None, "counts": False}
    else:
        age = now - confirmed
        row |= {
            "confirmed_days_ago": max(0, age.days),
            "counts": age <= timedelta(days=max_age_days),
        }
    return row


@click.group("copy")
def copy() -> None:
    """Record physical copies (paper, metal) of phrases and the vault key."""


@copy.command("record")
@click.argument("name")
@click.option(
    "--kind", type=click.Choice(("paper", "metal")), required=True, help="What the copy is."
)
@click.option(
    "--location",
    metavar="TEXT",
    required=True,
    callback=_check_location,
    help="Where it is kept, in words (never the words of the phrase).",
)
@click.option("--offsite", is_flag=True, help="It is kept away from the original's building.")
@click.option(
    "--offline/--online",
    default=True,
    show_default=True,
    help="Paper and metal are offline copies (they count for 3-2-1-1-0).",
)
def record(name: str, kind: str, location: str, offsite: bool, offline: bool) -> None:
    """Record a paper or metal copy of NAME (a phrase item or 'vault-key')."""
    app = get_app()
    config = load_config(app.home)
    if name != VAULT_KEY:
        item = config.item(name)
        if item is None:
            raise NotFoundError(f"no item called {name!r}", hint="'keyvault list' shows the items")
        if item.kind != "phrase":
            raise click.BadParameter(
                f"{name!r} is a {item.kind}: paper and metal copies count only for seed "
                "phrases and the vault key",
                param_hint="NAME",
            )
    now = _stamp(_now())
    entry = PhysicalCopyConfig(
        id=_new_id(config),
        item=name,
        kind=kind,
        location=location,
        recorded=now,
        confirmed=now,
        offsite=offsite,
        offline=offline,
    )
    config.copies.append(entry)
    save_config(app.home, config)
    app.output.emit(
        {"recorded": _describe(entry, config.policy.physical_max_age_days, _now())},
        f"recorded {kind} copy {entry.id} of {name!r} at {location!r}"
        + (" (offsite)" if offsite else "")
        + f"\nconfirm it at least every {config.policy.physical_max_age_days} days: "
        f"'keyvault copy confirm {entry.id}'",
    )


@copy.command("confirm")
@click.argument("copy_id", metavar="ID")
def confirm(copy_id: str) -> None:
    """Confirm that copy ID is still where it was recorded, and readable."""
    app = get_app()
    config = load_config(app.home)
    entry = _find(config, copy_id)
    entry.confirmed = _stamp(_now())
    save_config(app.home, config)
    app.output.emit(
        {"confirmed": _describe(entry, config.policy.physical_max_age_days, _now())},
        f"confirmed {entry.kind} copy {entry.id} of {entry.item!r} at {entry.location!r}",
    )


@copy.command("list")
@click.argument("name", required=False)
def list_copies(name: str | None) -> None:
    """List the recorded copies (of NAME only, when given)."""
    app = get_app()
    config = load_config(app.home)
    now = _now()
    limit = config.policy.physical_max_age_days
    rows = [_describe(c, limit, now) for c in config.copies if name is None or c.item == name]

    def human() -> None:
        if not rows:
            click.echo("no physical copies recorded")
            return
        for row in rows:
            flags = "".join(f", {f}" for f in ("offsite", "offline") if row[f])
            days = row["confirmed_days_ago"]
            when = "never confirmed" if days is None else f"confirmed {days} days ago"
            due = "" if row["counts"] else f"  CONFIRM NOW (limit {limit} days)"
            click.echo(
                f"{row['id']}  {row['item']}  {row['kind']}  {row['location']!r}"
                f"  ({when}{flags}){due}"
            )

    app.output.emit({"copies": rows}, human)


@copy.command("remove")
@click.argument("copy_id", metavar="ID")
def remove(copy_id: str) -> None:
    """Forget copy ID (after destroying it, or when it was lost)."""
    app = get_app()
    config = load_config(app.home)
    entry = _find(config, copy_id)
    config.copies.remove(entry)
    save_config(app.home, config)
    app.output.emit(
        {"removed": asdict(entry)},
        f"forgot {entry.kind} copy {entry.id} of {entry.item!r}",
    )

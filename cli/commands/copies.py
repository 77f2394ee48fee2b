"""``keyvault copy``: record the physical copies (paper, metal) of phrases and the vault key.

A physical copy is a record, not a destination: keyvault cannot read a steel plate, so
the user states where it is and confirms now and then that it is still there and
readable. Status counts a copy for 3-2-1 while its confirmation is younger than the
policy's ``physical_max_age_days`` (365 by default). NAME is a phrase item or
``vault-key`` (the vault key's recovery kit).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict

import click

from keyvault.errors import InvalidValueError, NotFoundError
from keyvault.vault.copies import (
    PHYSICAL_KINDS,
    clean_location,
    confirm_physical_copy,
    list_physical_copies,
    record_physical_copy,
    remove_physical_copy,
)

from ..context import get_app

__all__ = ["copy"]


def _check_location(ctx: click.Context, param: click.Parameter, value: str) -> str:
    try:
        return clean_location(value)
    except InvalidValueError as exc:
        raise click.BadParameter(exc.message) from None


@contextmanager
def _hint_if_not_found(hint: str) -> Iterator[None]:
    """Add this command's ``hint`` to a :class:`NotFoundError` from the core."""
    try:
        yield
    except NotFoundError as exc:
        raise NotFoundError(exc.message, hint=exc.hint or hint) from None


@click.group("copy")
def copy() -> None:
    """Record physical copies (paper, metal) of phrases and the vault key."""


@copy.command("record")
@click.argument("name")
@click.option("--kind", type=click.Choice(PHYSICAL_KINDS), required=True, help="What the copy is.")
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
    try:
        with _hint_if_not_found("'keyvault list' shows the items"):
            recorded = record_physical_copy(
                app.home, name, kind, location, offsite=offsite, offline=offline
            )
    except InvalidValueError as exc:
        raise click.BadParameter(exc.message, param_hint="NAME") from None
    entry = recorded.copy
    app.output.emit(
        {"recorded": recorded.to_dict()},
        f"recorded {kind} copy {entry.id} of {name!r} at {entry.location!r}"
        + (" (offsite)" if offsite else "")
        + f"\nconfirm it at least every {recorded.max_age_days} days: "
        f"'keyvault copy confirm {entry.id}'",
    )


@copy.command("confirm")
@click.argument("copy_id", metavar="ID")
def confirm(copy_id: str) -> None:
    """Confirm that copy ID is still where it was recorded, and readable."""
    app = get_app()
    with _hint_if_not_found("'keyvault copy list' shows the ids"):
        confirmed = confirm_physical_copy(app.home, copy_id)
    entry = confirmed.copy
    app.output.emit(
        {"confirmed": confirmed.to_dict()},
        f"confirmed {entry.kind} copy {entry.id} of {entry.item!r} at {entry.location!r}",
    )


@copy.command("list")
@click.argument("name", required=False)
def list_copies(name: str | None) -> None:
    """List the recorded copies (of NAME only, when given)."""
    app = get_app()
    standings = list_physical_copies(app.home, name)
    rows = [s.to_dict() for s in standings]

    def human() -> None:
        if not rows:
            click.echo("no physical copies recorded")
            return
        for standing, row in zip(standings, rows, strict=True):
            flags = "".join(f", {f}" for f in ("offsite", "offline") if row[f])
            days = row["confirmed_days_ago"]
            when = "never confirmed" if days is None else f"confirmed {days} days ago"
            due = "" if row["counts"] else f"  CONFIRM NOW (limit {standing.max_age_days} days)"
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
    with _hint_if_not_found("'keyvault copy list' shows the ids"):
        entry = remove_physical_copy(app.home, copy_id)
    app.output.emit(
        {"removed": asdict(entry)},
        f"forgot {entry.kind} copy {entry.id} of {entry.item!r}",
    )

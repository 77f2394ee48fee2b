"""``keyvault mnemonic holders``: who holds which SLIP-39 or codex32 share, over the years.

Only public facts are stored (identifier, threshold, share names, holder names, dates);
the shares themselves are read from stdin by ``record`` to learn those facts, then
forgotten.
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any

import click

from keyvault.errors import InvalidShareError
from keyvault.secret import Secret
from keyvault.vault import holders as book

from ..context import get_app
from ..secrets_input import read_secret_lines

__all__ = ["holders"]

_SLIP39_LOST = (
    "SLIP-39: keyvault cannot re-make a single lost share; combine the others, split "
    "again (keyvault mnemonic split) and retire this set"
)


def _today(on: str | None) -> date:
    if on is None:
        return datetime.now(timezone.utc).date()
    try:
        return date.fromisoformat(on)
    except ValueError:
        raise click.BadParameter("use YYYY-MM-DD", param_hint="--on") from None


def _on_option(func: Any) -> Any:
    return click.option("--on", metavar="DATE", default=None, help="The date (default today).")(
        func
    )


def _set_dict(share_set: book.ShareSet) -> dict[str, Any]:
    return {
        "label": share_set.label,
        "scheme": share_set.scheme,
        "identifier": share_set.identifier,
        "threshold": share_set.threshold,
        "shares": list(share_set.shares),
        "created": share_set.created,
        "retired": share_set.retired,
        "note": share_set.note,
        "holders": [
            {"name": h.name, "share": h.share, "confirmed": h.confirmed} for h in share_set.holders
        ],
    }


def _facts(shares: list[Secret]) -> tuple[book.Scheme, str, int, tuple[str, ...]]:
    """Scheme, identifier, threshold and share names of a set, from its shares."""
    from keyvault.seedphrase import codex32, slip39

    if not shares:
        raise click.UsageError("give the set's shares on stdin, one per line")
    if shares[0].reveal_text().strip().lower().startswith("ms1"):
        infos = [codex32.check(share, number) for number, share in enumerate(shares, start=1)]
        if len({i.identifier for i in infos}) != 1 or infos[0].threshold == 0:
            raise click.UsageError("give shares of one codex32 set (same identifier, k >= 2)")
        return (
            "codex32",
            infos[0].identifier,
            infos[0].threshold,
            tuple(i.share_index for i in infos),
        )
    described = []
    for number, share in enumerate(shares, start=1):
        try:
            described.append(slip39.describe(share))
        except InvalidShareError as error:
            raise InvalidShareError(f"share {number}: {error.message}") from None
    if len({d.identifier for d in described}) != 1:
        raise click.UsageError("give shares of one SLIP-39 set (same identifier)")
    first = described[0]
    threshold = first.member_threshold if first.group_count == 1 else first.group_threshold
    return (
        "slip39",
        str(first.identifier),
        threshold,
        tuple(f"{d.group}/{d.member}" for d in described),
    )


@click.group("holders")
def holders() -> None:
    """Record who holds which share, when they last confirmed it, and retire old sets."""


@holders.command("record")
@click.option("--label", required=True, help="A name for this share set.")
@_on_option
def record_set(label: str, on: str | None) -> None:
    """Record a share set from its shares on stdin (only public facts are kept)."""
    app = get_app()
    scheme, identifier, threshold, names = _facts(read_secret_lines("share"))
    made = book.record(
        app.home,
        label,
        scheme=scheme,
        identifier=identifier,
        threshold=threshold,
        shares=names,
        today=_today(on),
    )
    app.output.emit(
        {"recorded": _set_dict(made)},
        f"recorded {scheme} set {label!r} (identifier {identifier}, {threshold} needed, "
        f"shares {', '.join(names)}); now 'keyvault mnemonic holders assign' each share",
    )


@holders.command("assign")
@click.option("--label", required=True, help="The share set.")
@click.option("--holder", required=True, help="Who (or where) holds the share.")
@click.option(
    "--index",
    "share_name",
    required=True,
    metavar="INDEX",
    help="The share's index (codex32 a, c, ...; SLIP-39 group/member).",
)
@_on_option
def assign_share(label: str, holder: str, share_name: str, on: str | None) -> None:
    """Record that HOLDER has share INDEX (codex32 index, SLIP-39 group/member)."""
    app = get_app()
    updated = book.assign(app.home, label, holder, share_name.lower(), today=_today(on))
    app.output.emit({"set": _set_dict(updated)}, f"{holder} holds share {share_name} of {label!r}")


@holders.command("confirm")
@click.option("--label", required=True, help="The share set.")
@click.option("--holder", required=True, help="Who confirmed they still have their share.")
@_on_option
def confirm_share(label: str, holder: str, on: str | None) -> None:
    """Record that HOLDER confirmed (today) they still have their share."""
    app = get_app()
    updated = book.confirm(app.home, label, holder, today=_today(on))
    app.output.emit({"set": _set_dict(updated)}, f"{holder} confirmed their share of {label!r}")


@holders.command("retire")
@click.option("--label", required=True, help="The share set a holder left.")
@_on_option
def retire_set(label: str, on: str | None) -> None:
    """Retire a set after a re-split: every old share must be destroyed."""
    app = get_app()
    note = "re-split: destroy every share of this set"
    retired = book.retire(app.home, label, today=_today(on), note=note)
    app.output.emit(
        {"retired": _set_dict(retired), "warning": "destroy every old share of this set"},
        f"retired {label!r} (identifier {retired.identifier}): collect and destroy every one "
        "of its shares; they still restore the secret together",
    )


@holders.command("list")
@_on_option
def list_sets(on: str | None) -> None:
    """List share sets, their holders and the dates they last confirmed."""
    app = get_app()
    today = _today(on)
    sets = book.load(app.home)

    def human() -> None:
        if not sets:
            click.echo("no share sets recorded: 'keyvault mnemonic holders record --label NAME'")
            return
        for share_set in sets:
            state = f"retired {share_set.retired}" if share_set.retired else "current"
            click.echo(
                f"{share_set.label}: {share_set.scheme} {share_set.identifier}, "
                f"{share_set.threshold} needed, {state}"
            )
            held = {h.share for h in share_set.holders}
            for holder in share_set.holders:
                days = (today - date.fromisoformat(holder.confirmed)).days
                click.echo(
                    f"  share {holder.share}: {holder.name}, confirmed {holder.confirmed} "
                    f"({days} days ago)"
                )
            for share in share_set.shares:
                if share not in held:
                    click.echo(f"  share {share}: no holder recorded")
            if share_set.scheme == "slip39" and not share_set.retired:
                click.echo(f"  a lost share: {_SLIP39_LOST}")
            if share_set.scheme == "codex32" and not share_set.retired:
                click.echo(
                    f"  a lost share: 'keyvault codex32 derive --index X' from "
                    f"{share_set.threshold} others re-makes it"
                )

    app.output.emit({"sets": [_set_dict(s) for s in sets]}, human)

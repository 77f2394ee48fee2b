"""``keyvault drill`` and ``keyvault seal``: the owner proves and vouches for the backups.

``drill`` restores every copy with the vault key and proves it is the same wallet; it
seals each destination whose current generation it proved whole. ``seal`` seals the
current generation this machine wrote at each destination without drilling.

Exit 0 when every drilled copy is proven (or recorded for the first time), 4 when one
restores a different wallet, does not restore or is missing. See
:mod:`keyvault.backup.drill` for what each result means.
"""

from __future__ import annotations

from datetime import timedelta

import click

from keyvault.errors import ExitCode

from ..context import get_app
from ..options import passphrase_file_option
from .backup import _recover_identities, read_shares, vault_identities

__all__ = ["drill", "seal"]

_WORDS = {
    "proven": "proven restorable, same wallet",
    "recorded": "restorable; identity recorded now",
    "mismatch": "MISMATCH",
    "damaged": "DAMAGED",
    "missing": "MISSING",
    "unreachable": "not reachable, not drilled",
    "skipped": "skipped (budget)",
}


@click.command("drill")
@click.option(
    "--budget",
    type=click.IntRange(min=0),
    default=None,
    metavar="BYTES",
    help="Download at most BYTES in this run; the longest undrilled copies go first.",
)
@click.option(
    "--drill-every",
    type=click.IntRange(min=1),
    default=90,
    show_default=True,
    metavar="DAYS",
    help="A copy not proven within DAYS is reported overdue.",
)
@click.option(
    "--phrase-file", metavar="FILE", help="The vault key's 24 words, from FILE ('-': stdin)."
)
@click.option(
    "-i", "--identity", "identity_file", metavar="AGE_KEY_FILE", help="The vault key file."
)
@click.option(
    "--shares-file",
    metavar="FILE",
    help="The SLIP-39 shares of a split recovery kit, one per line: every combination "
    "of them that SLIP-39 allows must open the vault key.",
)
@passphrase_file_option
def drill(
    budget: int | None,
    drill_every: int,
    phrase_file: str | None,
    identity_file: str | None,
    shares_file: str | None,
    passphrase_file: str | None,
) -> None:
    """Restore each item from each destination and prove it is still the same wallet.

    The vault key comes from the 24 words, the age key file or the vault passphrase
    (asked for when nothing else is given). Nothing is written but the drill dates and
    identities recorded for the first time. With --shares-file, the printed shares of a
    split kit are drilled too: each T-of-N combination must open the vault key.
    """
    from keyvault.backup.drill import drill as run_drill
    from keyvault.backup.sharedrill import drill_shares
    from keyvault.vault.config import load_config

    app = get_app()
    if sum(x is not None for x in (phrase_file, identity_file, passphrase_file)) > 1:
        raise click.UsageError("give only one of --phrase-file, -i and --passphrase-file")
    shares = read_shares(shares_file) if shares_file else None
    keys = _recover_identities(phrase_file, identity_file) or vault_identities(passphrase_file)
    report = run_drill(
        app.home, identities=keys, budget=budget, drill_every=timedelta(days=drill_every)
    )
    kit = None
    if shares is not None:
        try:
            kit = drill_shares(shares, load_config(app.home).require_vault().recipient)
        finally:
            for share in shares:
                share.wipe()

    def human() -> None:
        for copy in report.copies:
            line = f"{copy.item} @ {copy.destination}: {_WORDS[copy.result]}"
            if copy.found is not None and copy.result in ("proven", "recorded"):
                line += f" ({copy.found.proof})"
            if copy.message and copy.result not in ("proven", "recorded"):
                line += f": {copy.message}"
            click.echo(line)
        for item, destination in report.overdue:
            click.echo(f"overdue: {item} @ {destination} not proven in {drill_every} days")
        if report.sealed:
            click.echo(f"sealed the proven generation at: {', '.join(report.sealed)}")
        click.echo(f"downloaded {report.bytes_downloaded} bytes; seal key {report.seal_public}")
        if kit is not None:
            more = f" (the first {kit.combinations} of more)" if kit.truncated else ""
            click.echo(
                f"split kit: {kit.combinations} combination(s) of its {kit.shares} shares "
                f"tried{more}; {len(kit.failed)} failed"
            )
            for who, why in kit.failed:
                click.echo(f"    FAILED {who}: {why}")

    payload = report.to_dict()
    if kit is not None:
        payload["shares"] = kit.to_dict()
    app.output.emit(payload, human)
    if report.problems or (kit is not None and not kit.ok):
        raise click.exceptions.Exit(ExitCode.COPY_MISSING_OR_DAMAGED)


@click.command("seal")
@click.option(
    "--phrase-file", metavar="FILE", help="The vault key's 24 words, from FILE ('-': stdin)."
)
@click.option(
    "-i", "--identity", "identity_file", metavar="AGE_KEY_FILE", help="The vault key file."
)
@passphrase_file_option
def seal(phrase_file: str | None, identity_file: str | None, passphrase_file: str | None) -> None:
    """Sign the current generation at each destination with the owner's seal.

    Only a generation this machine wrote is sealed. Exit 4 when a destination could not
    be sealed (not reachable, or its manifest is not the one this machine last wrote).
    """
    from keyvault.backup.drill import seal_destinations
    from keyvault.crypto.seal import seal_public
    from keyvault.vault.config import load_config

    app = get_app()
    if sum(x is not None for x in (phrase_file, identity_file, passphrase_file)) > 1:
        raise click.UsageError("give only one of --phrase-file, -i and --passphrase-file")
    keys = _recover_identities(phrase_file, identity_file) or vault_identities(passphrase_file)
    names = [d.name for d in load_config(app.home).destinations]
    sealed = seal_destinations(app.home, keys[0])
    missed = [n for n in names if n not in sealed]
    public = seal_public(keys[0])

    def human() -> None:
        for name in sealed:
            click.echo(f"sealed the current generation at {name}")
        for name in missed:
            click.echo(f"NOT sealed at {name}: not reachable, or not this machine's generation")
        click.echo(f"seal key {public}")

    app.output.emit({"sealed": sealed, "not_sealed": missed, "seal_public": public}, human)
    if missed:
        raise click.exceptions.Exit(ExitCode.COPY_MISSING_OR_DAMAGED)

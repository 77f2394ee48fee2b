"""``keyvault backup``, ``status``, ``verify``, ``repair``, ``restore`` and ``recover``.

Exit codes (ARCHITECTURE.md): 0 ok; 1 an error (an item that cannot be read, no
destination took the run); 3 the 3-2-1 policy is not met (``backup``, ``status``); 4 a
copy is missing or damaged (``verify``, ``repair`` when something stays broken,
``backup`` when a destination failed or held damage while another took the run: the
rule is :attr:`~keyvault.backup.reports.BackupReport.exit_code`). A drive that is not
connected is reported; only ``verify`` counts it (unless it is marked offline) as its
copies missing.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from keyvault.crypto import X25519Identity
from keyvault.errors import ExitCode
from keyvault.secret import Secret

from ..context import get_app
from ..guard import restored_phrase_guard
from ..options import passphrase_file_option
from ..secrets_input import read_secret_input, read_vault_passphrase

if TYPE_CHECKING:
    from keyvault.backup.engine import ProgressEvent, ProgressFn
    from keyvault.backup.policy import Verdict

__all__ = [
    "backup",
    "read_shares",
    "recover",
    "repair",
    "restore",
    "status",
    "vault_identities",
    "verify",
]


# --- progress ----------------------------------------------------------------------------


@contextmanager
def _progress() -> Iterator[ProgressFn | None]:
    """A rich progress bar on stderr when it is a terminal (never with --json)."""
    app = get_app()
    if app.output.json_mode or not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn

    labels = {
        "scan": "reading",
        "encrypt": "encrypting",
        "upload": "copying",
        "verify": "checking",
        "download": "fetching",
        "decrypt": "decrypting",
        "prune": "pruning",
    }
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as bar:
        task = bar.add_task("starting", total=None)

        def update(event: ProgressEvent) -> None:
            where = f" -> {event.dest}" if event.dest else ""
            label = f"{labels.get(event.phase, event.phase)} {event.item or ''}{where}"
            bar.update(task, description=label.strip(), completed=event.done, total=event.total)

        yield update


# --- rendering ---------------------------------------------------------------------------

_STATE_TEXT = {"ok": "OK", "backup-now": "BACK UP NOW", "not-met": "NOT MET"}
_STATE_COLOR = {"ok": "green", "backup-now": "yellow", "not-met": "red"}


def _styled(text: str, color: str) -> str:
    return click.style(text, fg=color, bold=True) if sys.stdout.isatty() else text


def _echo_verdicts(verdicts: Sequence[Verdict], warnings: Sequence[str] = ()) -> None:
    for verdict in verdicts:
        state = _styled(_STATE_TEXT[verdict.state], _STATE_COLOR[verdict.state])
        media = ", ".join(verdict.media_kinds) or "none"
        click.echo(
            f"{verdict.item}: {state}  {verdict.copies}/{verdict.required.min_copies} copies, "
            f"media: {media}, offsite: {verdict.offsite}"
            + (f", immutable/offline: {verdict.immutable_or_offline}" if verdict.strict else "")
        )
        for copy in verdict.counted:
            click.echo(f"    counts:  {copy.kind} {copy.name} ({copy.media})")
        for other in verdict.not_counted:
            click.echo(f"    no:      {other.copy.kind} {other.copy.name}: {other.reason}")
        for problem in verdict.problems:
            click.echo(f"    problem: {problem}")
        if verdict.state != "ok" or verdict.action_code != "none":
            click.echo(f"    next:    {verdict.action}")
    for warning in warnings:
        click.echo(_styled(f"WARNING: {warning}", "red"), err=True)


def _size(count: int | None) -> str:
    if count is None:
        return "?"
    value = float(count)
    for unit in ("B", "kB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{count} B"


# --- key material ------------------------------------------------------------------------


def vault_identities(passphrase_file: str | None) -> list[X25519Identity]:
    """The vault key and every earlier one (after rotations, newest first), opened with
    the vault passphrase (which is wiped after). The one way the commands that read
    what was encrypted to the vault key (backup, drill, descriptor) get their keys."""
    from keyvault.vault.keystore import previous_identities, unlock_vault_key

    app = get_app()
    passphrase = read_vault_passphrase(passphrase_file)
    try:
        current = unlock_vault_key(app.home, passphrase)
        return [current, *reversed(previous_identities(app.home, passphrase))]
    finally:
        passphrase.wipe()


def _read_text_file(path: str, what: str) -> Secret:
    return Secret(read_secret_input(path, what), label=what)


# --- backup ------------------------------------------------------------------------------


@click.command("backup")
@click.option("--dry-run", is_flag=True, help="Say what would be copied; write nothing.")
def backup(dry_run: bool) -> None:
    """Back up every item to every destination (no passphrase needed).

    Changed items get a new version, encrypted to the vault key, copied to each
    destination and read back; unchanged items cost nothing. A drive that is not
    connected is reported and skipped. Exit 4 when a destination failed or held a
    damaged copy while another took the new version, 1 when none did, 3 when an item
    is not 3-2-1 afterwards.
    """
    from keyvault.backup.engine import backup as run_backup

    app = get_app()
    with _progress() as progress:
        report = run_backup(app.home, dry_run=dry_run, progress=progress)

    def human() -> None:
        if not report.items:
            click.echo("no items yet: 'keyvault add PATH' or 'keyvault add-phrase --name NAME'")
        for item in report.items:
            text = {
                "unchanged": f"unchanged (version {item.version})",
                "new-version": f"new version {item.version} ({_size(item.size)})",
                "would-back-up": f"would back up as version {item.version} ({_size(item.size)})",
                "original-missing": "ORIGINAL MISSING: its stored versions are kept",
                "failed": f"FAILED: {item.message}",
            }[item.action]
            click.echo(f"{item.name}: {text}")
        if not report.destinations:
            click.echo("no destinations yet: 'keyvault dest add local NAME PATH'")
        for dest in report.destinations:
            if dest.state == "ok":
                text = (
                    f"ok, {dest.uploaded} copied, {_size(dest.bytes_written)} written"
                    + (f", manifest {dest.manifest_generation}" if dest.manifest_generation else "")
                    + (f", {dest.pruned} pruned" if dest.pruned else "")
                )
            else:
                text = f"{dest.state.upper()}: {dest.message}"
            click.echo(f"-> {dest.name}: {text}")
            for note in dest.notes:
                click.echo(f"   {note}")
            for damage in dest.damage:
                click.echo(f"   DAMAGED: {damage}")
        if not report.dry_run:
            click.echo("")
            _echo_verdicts(report.verdicts)

    app.output.emit(report.to_dict(), human)
    if report.exit_code:
        raise click.exceptions.Exit(report.exit_code)


@click.command("status")
@click.option(
    "--strict",
    is_flag=True,
    help="Apply 3-2-1-1-0: also an immutable or offline "
    "copy and no errors at the last verification.",
)
def status(strict: bool) -> None:
    """Say per item whether the 3-2-1 rule holds, why, and what to do next.

    Exit 3 when any item's policy is not met.
    """
    from keyvault.backup.engine import status as run_status

    app = get_app()
    report = run_status(app.home, strict=strict)

    def human() -> None:
        _echo_verdicts(report.verdicts, report.warnings)

    app.output.emit(report.to_dict(), human)
    if not report.policy_met:
        raise click.exceptions.Exit(ExitCode.POLICY_NOT_MET)


@click.command("verify")
@click.option("--dest", "dest_name", metavar="NAME", help="Check only this destination.")
@click.option(
    "--deep",
    is_flag=True,
    help="Also decrypt every copy and compare its content (asks for the vault passphrase).",
)
@passphrase_file_option
def verify(dest_name: str | None, deep: bool, passphrase_file: str | None) -> None:
    """Check that the stored copies are present and intact.

    Exit 4 if a copy is missing or damaged, or if a destination that is not marked
    offline is not available (its copies are missing for this check). A destination
    added with --offline that is away is reported and not checked.
    """
    from keyvault.backup.engine import verify as run_verify

    app = get_app()
    identities = vault_identities(passphrase_file) if deep else None
    with _progress() as progress:
        report = run_verify(
            app.home, dest=dest_name, deep=deep, identities=identities, progress=progress
        )

    def human() -> None:
        for name, message in report.unavailable:
            click.echo(f"-> {name}: NOT AVAILABLE, its copies count as missing ({message})")
        for name, message in report.offline:
            click.echo(f"-> {name}: offline, not checked ({message})")
        for check in report.checks:
            if check.ok:
                continue
            what = f"{check.item} version {check.version}" if check.what == "object" else check.what
            click.echo(f"-> {check.dest}: {what}: {check.result.upper()}: {check.message}")
        dests = len({c.dest for c in report.checks})
        level = "restorable" if deep else "intact"
        if report.problems:
            click.echo(
                f"{len(report.problems)} problem(s) in {len(report.checks)} checks at "
                f"{dests} destination(s); run 'keyvault repair'"
            )
        else:
            click.echo(f"all {len(report.checks)} copies at {dests} destination(s) are {level}")
        if report.unavailable:
            click.echo(
                f"{len(report.unavailable)} destination(s) not available: connect them and "
                "run 'keyvault verify' again (a drive kept disconnected on purpose belongs "
                "in the config with --offline)"
            )
        for dest, key in report.unknown_objects:
            click.echo(f"   {dest}: unknown object {key} (not from this machine; left alone)")

    app.output.emit(report.to_dict(), human)
    if report.exit_code:
        raise click.exceptions.Exit(report.exit_code)


@click.command("repair")
def repair() -> None:
    """Re-copy missing or damaged copies from a good one (no passphrase needed)."""
    from keyvault.backup.engine import repair as run_repair

    app = get_app()
    with _progress() as progress:
        report = run_repair(app.home, progress=progress)

    def human() -> None:
        for name, message in report.before.unavailable:
            click.echo(f"-> {name}: NOT AVAILABLE, not checked ({message})")
        for name, message in report.before.offline:
            click.echo(f"-> {name}: offline, not checked ({message})")
        for check in report.repaired:
            what = f"{check.item} version {check.version}" if check.item else check.what
            click.echo(f"-> {check.dest}: {what}: repaired")
        for check in report.unrepaired:
            what = f"{check.item} version {check.version}" if check.item else check.what
            click.echo(f"-> {check.dest}: {what}: NOT REPAIRED: {check.message}")
        if not report.before.problems:
            click.echo("nothing to repair: every copy is intact")

    app.output.emit(report.to_dict(), human)
    if report.exit_code:
        raise click.exceptions.Exit(report.exit_code)


# --- restore and recover -----------------------------------------------------------------


@click.command("restore")
@click.argument("name")
@click.option("--version", "version", type=click.IntRange(1), metavar="V", help="The version.")
@click.option("--from", "from_dest", metavar="DEST", help="Read from this destination.")
@click.option(
    "-o", "--output", "out", type=click.Path(path_type=Path), required=True, help="Write here."
)
@click.option("--force", is_flag=True, help="Replace OUT if it exists.")
@passphrase_file_option
def restore(
    name: str,
    version: int | None,
    from_dest: str | None,
    out: Path,
    force: bool,
    passphrase_file: str | None,
) -> None:
    """Restore item NAME (newest version by default) into OUT (a new file or folder, 0600)."""
    from keyvault.backup.engine import restore as run_restore

    app = get_app()
    identities = vault_identities(passphrase_file)
    with _progress() as progress:
        result = run_restore(
            app.home,
            name,
            out,
            identities=identities,
            version=version,
            from_dest=from_dest,
            force=force,
            progress=progress,
        )
    app.output.emit(
        {"restored": result.to_dict()},
        f"restored {result.name} version {result.version} from {result.source} to "
        f"{result.path}\n    {result.identity_line}",
    )
    if result.identity_check == "different":
        # On stderr too: a script parsing stdout must still see it.
        click.echo(f"WARNING {result.name!r}: {result.identity_line}", err=True)
        raise click.exceptions.Exit(ExitCode.COPY_MISSING_OR_DAMAGED)


def _recover_identities(
    phrase_file: str | None, identity_file: str | None, shares_file: str | None = None
) -> list[X25519Identity] | None:
    from keyvault.crypto.keys import parse_identity_file
    from keyvault.crypto.vaultkey import identity_from_words

    if phrase_file:
        words = _read_text_file(phrase_file, "recovery phrase")
        try:
            return [identity_from_words(Secret(" ".join(words.reveal_text().split())))]
        finally:
            words.wipe()
    if identity_file:
        text = _read_text_file(identity_file, "age key")
        try:
            return parse_identity_file(text)
        finally:
            text.wipe()
    if shares_file:
        from keyvault.paper.kit import identity_from_shares

        return [identity_from_shares(read_shares(shares_file))]
    return None


def read_shares(shares_file: str) -> list[Secret]:
    """SLIP-39 shares from FILE ('-': stdin), one per line, typed or from 'keyvault scan';
    a page scanned twice counts once."""
    text = _read_text_file(shares_file, "shares")
    try:
        lines = dict.fromkeys(
            " ".join(line.split()).lower() for line in text.reveal_text().splitlines()
        )
        return [Secret(line, label="share") for line in lines if line]
    finally:
        text.wipe()


@click.command("recover")
@click.argument("source")
@click.option(
    "-o",
    "--output",
    "out",
    type=click.Path(path_type=Path),
    required=True,
    help="Restore every item into this folder.",
)
@click.option(
    "--phrase-file", metavar="FILE", help="The vault key's 24 words, from FILE ('-': stdin)."
)
@click.option(
    "-i",
    "--identity",
    "identity_file",
    metavar="AGE_KEY_FILE",
    help="The vault key as an age key file (AGE-SECRET-KEY-1...).",
)
@click.option(
    "--shares-file",
    metavar="FILE",
    help="SLIP-39 shares of the vault key (a split recovery kit), one per line, from FILE.",
)
@passphrase_file_option
@click.option("--force", is_flag=True, help="Replace files that exist in the output folder.")
def recover(
    source: str,
    out: Path,
    phrase_file: str | None,
    identity_file: str | None,
    shares_file: str | None,
    passphrase_file: str | None,
    force: bool,
) -> None:
    """Recover everything from SOURCE (a backup folder or b2://bucket/prefix) on a new machine.

    The vault key comes from the 24 words, an age key file, enough SLIP-39 shares of it
    (--shares-file), or the vault passphrase
    (which opens the key.age stored there; asked for when nothing else is given).
    Only an authentic manifest of the newest generation is accepted.
    """
    from keyvault.backup.engine import recover_from_source

    app = get_app()
    if sum(x is not None for x in (phrase_file, identity_file, shares_file, passphrase_file)) > 1:
        raise click.UsageError(
            "give only one of --phrase-file, -i, --shares-file and --passphrase-file"
        )
    identities = _recover_identities(phrase_file, identity_file, shares_file)
    passphrase = None if identities else read_vault_passphrase(passphrase_file)
    try:
        with _progress() as progress:
            report = recover_from_source(
                source,
                out,
                home=app.home,
                identities=identities or (),
                passphrase=passphrase,
                force=force,
                progress=progress,
            )
    finally:
        if passphrase is not None:
            passphrase.wipe()

    guards = {
        item.name: restored_phrase_guard(app.home, item.path, app.output)
        for item in report.restored
        if item.kind == "phrase"
    }

    def human() -> None:
        click.echo(f"vault {report.vault_id}, manifest generation {report.generation}")
        for item in report.restored:
            click.echo(f"restored {item.name} version {item.version} -> {item.path}")
            click.echo(f"    {item.identity_line}")
            found = guards.get(item.name)
            if found is not None:
                click.echo(f"    {found.line}")
        for name, message in report.failed:
            click.echo(f"FAILED {name}: {message}")
        for vault_id, reason in report.skipped:
            click.echo(f"skipped vault folder {vault_id}: {reason}")

    # The seal's verdict goes to stderr in text and JSON mode alike: it is a warning a
    # script's log must keep even when stdout is parsed.
    seal_line = {
        "sealed": f"the owner's seal covers generation {report.seal_generation}",
        "older": f"the owner's seal covers an older generation ({report.seal_generation})",
        "none": "no owner's seal at this destination",
        "invalid": "the seal does not verify with this vault key",
    }[report.seal]
    click.echo(f"seal: {seal_line}", err=True)
    for item in report.restored:
        if item.identity_check == "different":
            click.echo(f"WARNING {item.name!r}: {item.identity_line}", err=True)
    for sealed in report.sealed_versions:
        facts = sealed.to_dict()
        if sealed.same_wallet:
            click.echo(
                f"note {sealed.name!r}: version {facts['current_version']} was written after "
                f"the owner's seal and holds the same wallet as the sealed version "
                f"{sealed.version} ({facts['sealed_proof']}), restored beside it as "
                f"{sealed.path}",
                err=True,
            )
            continue
        click.echo(
            f"WARNING {sealed.name!r}: version {facts['current_version']} "
            f"({facts['current_proof'] or 'not restored'}) was written after the owner's "
            f"seal and is NOT the sealed wallet; the sealed version {sealed.version} "
            f"({facts['sealed_proof']}) is restored beside it as {sealed.path}",
            err=True,
        )
    payload: dict[str, Any] = report.to_dict()
    for entry in payload["restored"]:
        found = guards.get(entry["name"])
        if found is not None:
            entry.update(fingerprint=found.fingerprint, **found.guard.payload())
    app.output.emit(payload, human)
    if report.exit_code:
        raise click.exceptions.Exit(report.exit_code)

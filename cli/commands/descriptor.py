"""``keyvault add-descriptor`` and ``keyvault descriptor``: wallet configurations.

``add-descriptor`` reads a descriptor, BSMS record, Coldcard multisig file, Specter or
Sparrow JSON or Electrum wallet file (bounded, from FILE or stdin), checks and
normalises it and stores it encrypted to the vault key (no passphrase needed). The
``descriptor`` subcommands read it back, so they unlock the vault key (vault
passphrase from ``--passphrase-file``, ``KEYVAULT_PASSPHRASE`` or the prompt).
"""

from __future__ import annotations

import os
import re
import stat
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from keyvault.errors import NotFoundError, WalletConfigError

from ..context import get_app
from ..options import passphrase_file_option
from ..output_file import check_free, force_option, write_output
from .backup import vault_identities

if TYPE_CHECKING:
    from keyvault.configs import ConfigRecord, CosignerEntry, WalletConfig

__all__ = ["add_descriptor", "descriptor"]

_NETWORKS = ("mainnet", "testnet", "signet", "regtest")
_FINGERPRINT = re.compile(r"^[0-9a-fA-F]{8}$")


def read_bounded(path: str, limit: int, what: str) -> bytes:
    """At most ``limit`` bytes of the regular file ``path`` (``-``: stdin), else an error.

    The file is opened non-blocking and must be a regular file, so a FIFO or a device
    named by mistake cannot hang the command.
    """
    if path == "-":
        data = sys.stdin.buffer.read(limit + 1)
    else:
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
        except OSError as exc:
            raise click.UsageError(f"cannot read the {what} {path}: {exc.strerror}") from None
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise click.UsageError(f"the {what} {path} is not a regular file")
            with os.fdopen(fd, "rb", closefd=False) as stream:
                data = stream.read(limit + 1)
        finally:
            os.close(fd)
    if len(data) > limit:
        raise WalletConfigError(f"the {what} is larger than {limit} bytes")
    return data


def config_dict(config: WalletConfig) -> dict[str, Any]:
    """The identity of a configuration, as JSON."""
    return {
        "descriptor": config.descriptor,
        "checksum": config.checksum,
        "network": config.network,
        "script": config.script,
        "policy": config.policy,
        "threshold": config.threshold,
        "keys": len(config.cosigners),
        "summary": config.summary,
        "first_receive": list(config.receive),
        "first_change": list(config.change),
    }


def _entry_dict(entry: CosignerEntry) -> dict[str, Any]:
    return {
        "key": entry.letter,
        "fingerprint": entry.fingerprint,
        "derivation": entry.derivation,
        "xpub": entry.key,
        "held_by": entry.held_by,
        "in_this_vault": entry.held_by is not None,
        "location": entry.location,
    }


def load_configuration(
    name: str, passphrase_file: str | None, *, with_map: bool
) -> tuple[ConfigRecord, list[CosignerEntry]]:
    from keyvault.configs import cosigner_map
    from keyvault.vault.configurations import held_fingerprints, read_configuration_item

    app = get_app()
    identities = vault_identities(passphrase_file)
    record = read_configuration_item(app.home, name, identities)
    held = held_fingerprints(app.home, identities) if with_map else {}
    return record, cosigner_map(record, held)


@click.command("add-descriptor")
@click.argument("source", metavar="[FILE|-]", default="-")
@click.option("--name", metavar="NAME", required=True, help="The item's name.")
@click.option(
    "--labels",
    "labels_file",
    metavar="FILE",
    help="BIP-329 wallet labels (JSON lines) to keep with it.",
)
@click.option(
    "--network",
    type=click.Choice(_NETWORKS),
    help="The network the wallet is on (default: what its keys say).",
)
def add_descriptor(source: str, name: str, labels_file: str | None, network: str | None) -> None:
    """Protect a wallet configuration: a descriptor, BSMS record, Coldcard multisig
    file, Specter/Sparrow JSON or Electrum wallet file (FILE, or stdin with '-').

    The configuration is checked (checksum, keys, network), normalised and stored
    encrypted to the vault key, and backed up like every item.
    """
    from keyvault.configs import labels_text, parse_labels, read_configuration
    from keyvault.configs.formats import MAX_FILE
    from keyvault.configs.labels import MAX_LABELS_FILE
    from keyvault.vault.configurations import add_configuration_item

    app = get_app()
    data = read_bounded(source, MAX_FILE, "configuration file")
    imported = read_configuration(data, network=network)  # type: ignore[arg-type]
    labels = None
    if labels_file is not None:
        labels = labels_text(
            parse_labels(read_bounded(labels_file, MAX_LABELS_FILE, "labels file"))
        )
    item, record = add_configuration_item(app.home, name, imported, data.decode("utf-8"), labels)
    config = record.config
    app.output.emit(
        {
            "added": {"name": item.name, "kind": item.kind, "phrase_kind": item.phrase_kind},
            "source_format": imported.format,
            "label": imported.label,
            "blockheight": imported.blockheight,
            "labels": 0 if labels is None else labels.count("\n"),
            **config_dict(config),
        },
        f"protecting wallet configuration {item.name!r} ({config.summary}, {config.network}; "
        f"read as {imported.format})\n"
        f"descriptor checksum #{config.checksum}, first address {config.receive[0]}\n"
        "run 'keyvault backup' to copy it to the destinations",
    )


@click.group("descriptor")
def descriptor() -> None:
    """Show, export, check and annotate wallet configurations."""


@descriptor.command("show")
@click.argument("name")
@passphrase_file_option
def show(name: str, passphrase_file: str | None) -> None:
    """Show a configuration: its descriptor, identity and who holds each key."""
    from keyvault.configs import holding_summary, parse_labels

    app = get_app()
    record, entries = load_configuration(name, passphrase_file, with_map=True)
    config = record.config
    labels = parse_labels(record.labels.encode("utf-8")) if record.labels else []
    summary = holding_summary(entries, config.threshold)

    def human() -> None:
        click.echo(f"{record.name}: {config.summary} ({config.network})")
        click.echo(f"descriptor: {config.descriptor}")
        if record.label or record.blockheight:
            click.echo(f"label: {record.label or '-'}  birth height: {record.blockheight or '-'}")
        click.echo("keys:")
        for e in entries:
            where = (
                f"held here: phrase {e.held_by!r}"
                if e.held_by
                else f"not in this vault{': ' + e.location if e.location else ''}"
            )
            click.echo(f"  {e.letter}  {e.fingerprint or '?':8}  {e.derivation or '-':18}  {where}")
        click.echo(summary)
        click.echo("first receive addresses: " + ", ".join(config.receive))
        if config.change:
            click.echo("first change addresses:  " + ", ".join(config.change))
        click.echo(f"labels: {len(labels)} record(s)")

    app.output.emit(
        {
            "name": record.name,
            **config_dict(config),
            "label": record.label,
            "blockheight": record.blockheight,
            "source_format": record.source_format,
            "cosigners": [_entry_dict(e) for e in entries],
            "held_here": sum(1 for e in entries if e.held_by),
            "holding": summary,
            "labels": labels,
        },
        human,
    )


@descriptor.command("export")
@click.argument("name")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(("text", "bsms", "coldcard", "specter", "sparrow")),
    default="text",
    show_default=True,
    help="The file format to write.",
)
@click.option(
    "-o",
    "--output",
    "output_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to FILE (0600) instead of stdout.",
)
@force_option
@passphrase_file_option
def export_command(
    name: str, fmt: str, output_path: Path | None, force: bool, passphrase_file: str | None
) -> None:
    """Write a configuration in a format other wallets import."""
    from keyvault.atomic import atomic_write
    from keyvault.configs import export

    app = get_app()
    if output_path is not None:
        check_free(output_path, force)
    record, _ = load_configuration(name, passphrase_file, with_map=False)
    text = export(
        record.config, fmt, name=record.label or record.name, blockheight=record.blockheight
    )
    if output_path is None:
        app.output.emit(
            {"name": name, "format": fmt, "text": text}, lambda: click.echo(text, nl=False)
        )
        return
    data = text.encode("utf-8")
    write_output(output_path, lambda: atomic_write(output_path, data, mode=0o600, overwrite=force))
    app.output.emit(
        {"name": name, "format": fmt, "path": str(output_path)},
        f"wrote {output_path}: {fmt} export of {name!r}",
    )


def _origins(config: WalletConfig) -> list[tuple[str | None, str | None, str]]:
    return [(c.fingerprint, c.derivation, c.key) for c in config.cosigners]


def _independent(config: WalletConfig, text: str) -> dict[str, Any]:
    """What bdkpython (BDK, an independent Rust implementation) derives from ``text``."""
    try:
        import bdkpython as bdk
    except ImportError:
        return {"parser": None, "ok": None, "problem": "bdkpython is not installed"}
    main = config.network == "mainnet"
    kind = bdk.NetworkKind.MAIN if main else bdk.NetworkKind.TEST
    network = {
        "mainnet": bdk.Network.BITCOIN,
        "testnet": bdk.Network.TESTNET,
        "signet": bdk.Network.SIGNET,
        "regtest": bdk.Network.REGTEST,
    }[config.network]
    try:
        parsed = bdk.Descriptor(text, kind)
        singles = parsed.to_single_descriptors() if parsed.is_multipath() else [parsed]
        receive = [str(singles[0].derive_address(i, network)) for i in range(len(config.receive))]
        change = (
            [str(singles[1].derive_address(i, network)) for i in range(len(config.change))]
            if config.change and len(singles) > 1
            else []
        )
        origins = sorted(re.findall(r"\[([0-9a-f]{8})((?:/[0-9]+['h]?)*)\]", str(singles[0])))
    except Exception as exc:  # bdk raises its own error types
        return {"parser": "bdkpython", "ok": False, "problem": f"bdk cannot read it: {exc}"[:200]}
    ours = sorted(
        (c.fingerprint, (c.derivation or "m")[1:].replace("h", "'"))
        for c in config.cosigners
        if c.fingerprint
    )
    theirs = sorted((fp, path.replace("h", "'")) for fp, path in origins)
    problems = []
    if receive != list(config.receive) or change != list(config.change):
        problems.append("bdk derives other addresses")
    if theirs != ours:
        problems.append("bdk reads other key origins")
    return {"parser": "bdkpython", "ok": not problems, "problem": "; ".join(problems) or None}


def _check_format(config: WalletConfig, fmt: str, record: ConfigRecord) -> dict[str, Any]:
    from keyvault.configs import export, read_configuration

    try:
        text = export(config, fmt, name=record.label or record.name, blockheight=record.blockheight)
    except WalletConfigError as exc:
        return {"format": fmt, "applicable": False, "ok": None, "problem": exc.message}
    problems = []
    try:
        again = read_configuration(text.encode("utf-8"), network=config.network).config
    except WalletConfigError as exc:
        return {"format": fmt, "applicable": True, "ok": False, "problem": exc.message}
    if again.descriptor != config.descriptor:
        problems.append("re-imports as another descriptor")
    if (again.receive, again.change) != (config.receive, config.change):
        problems.append("re-imports with other addresses")
    if _origins(again) != _origins(config):
        problems.append("re-imports with other key origins")
    independent = _independent(config, again.descriptor)
    ok = not problems and independent["ok"] is not False
    return {
        "format": fmt,
        "applicable": True,
        "ok": ok,
        "problem": "; ".join(problems) or None,
        "independent": independent,
    }


@descriptor.command("check")
@click.argument("name")
@passphrase_file_option
def check(name: str, passphrase_file: str | None) -> None:
    """Export a configuration in every format and import each again: same descriptor,
    same addresses, same key origins (also by bdkpython, an independent parser, when
    installed). Exit code 1 if any export does not read back the same."""
    from keyvault.configs import EXPORT_FORMATS

    app = get_app()
    record, _ = load_configuration(name, passphrase_file, with_map=False)
    results = [_check_format(record.config, fmt, record) for fmt in EXPORT_FORMATS]
    failed = [r for r in results if r["ok"] is False]

    def human() -> None:
        for r in results:
            if not r["applicable"]:
                click.echo(f"{r['format']:9} n/a   {r['problem']}")
                continue
            independent = r["independent"]
            by = "and bdk" if independent["ok"] else f"(bdk: {independent['problem']})"
            state = "ok" if r["ok"] else "FAIL"
            what = r["problem"] or "same descriptor, addresses, origins"
            click.echo(f"{r['format']:9} {state:5} {what} {by}")
        click.echo(
            "every export reads back the same" if not failed else f"{len(failed)} export(s) differ"
        )

    app.output.emit({"name": name, "ok": not failed, "formats": results}, human)
    if failed:
        raise click.exceptions.Exit(1)


@descriptor.command("set-location")
@click.argument("name")
@click.argument("key", metavar="KEY")
@click.argument("text", metavar="TEXT")
@passphrase_file_option
def set_location(name: str, key: str, text: str, passphrase_file: str | None) -> None:
    """Record where KEY (its letter A, B, ... or its fingerprint) is kept, e.g.
    "with the lawyer"; an empty TEXT forgets it. Not for secrets: it is printed on
    the heir's kit."""
    from keyvault.configs import cosigner_map
    from keyvault.vault.configurations import update_configuration_item

    app = get_app()
    record, entries = load_configuration(name, passphrase_file, with_map=False)
    wanted = key.upper() if not _FINGERPRINT.match(key) else key.lower()
    match = [e for e in entries if e.letter == wanted or e.fingerprint == wanted]
    if not match or match[0].fingerprint is None:
        raise NotFoundError(
            f"{name!r} has no key {key!r} with a fingerprint",
            hint="name a key by its letter or fingerprint, as 'keyvault descriptor show' lists",
        )
    updated = record.with_location(match[0].fingerprint, text)
    update_configuration_item(app.home, updated)
    entry = cosigner_map(updated, {})[entries.index(match[0])]
    app.output.emit(
        {
            "name": name,
            "key": entry.letter,
            "fingerprint": entry.fingerprint,
            "location": entry.location,
        },
        f"key {entry.letter} ({entry.fingerprint}) of {name!r}: "
        + (f"kept {entry.location!r}" if entry.location else "location forgotten"),
    )

"""``keyvault mnemonic split`` and ``combine``: a BIP39 phrase as SLIP-39 shares (one group
T of N, or several groups) and back, with an optional SLIP-39 passphrase that protects
the shares (read from a file or a no-echo prompt, never from argv)."""

from __future__ import annotations

import getpass
import re
import sys
from typing import Any

import click

from keyvault.secret import Secret
from keyvault.seedphrase import bip39, slip39

from ..context import get_app
from ..secrets_input import read_secret_input, read_secret_lines
from .mnemonic_common import LANGUAGE, phrase_fingerprint, read_phrase

__all__ = ["combine", "split"]


def _slip39_passphrase(prompt: bool, passphrase_file: str | None) -> Secret | None:
    """The optional SLIP-39 passphrase (it protects the shares; not the BIP39 passphrase)."""
    if passphrase_file:
        text = read_secret_input(passphrase_file, "SLIP-39 passphrase")
        return Secret(text.removesuffix("\n").removesuffix("\r"), label="SLIP-39 passphrase")
    if not prompt:
        return None
    try:
        return Secret(getpass.getpass("SLIP-39 passphrase: "), label="SLIP-39 passphrase")
    except (EOFError, OSError):
        raise click.UsageError(
            "no terminal to ask for the passphrase; use --slip39-passphrase-file"
        ) from None


def _slip39_passphrase_options(func: Any) -> Any:
    func = click.option(
        "--slip39-passphrase-file",
        metavar="FILE",
        default=None,
        help="Read the optional SLIP-39 passphrase (printable ASCII) from FILE.",
    )(func)
    return click.option(
        "--slip39-passphrase",
        "slip39_passphrase_prompt",
        is_flag=True,
        help="Ask for an optional SLIP-39 passphrase that protects the shares.",
    )(func)


_GROUP = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")


def _parse_group(text: str) -> tuple[int, int]:
    match = _GROUP.match(text)
    if not match:
        raise click.BadParameter(f"{text!r} is not T/N (for example 2/3)", param_hint="--group")
    return int(match.group(1)), int(match.group(2))


@click.command("split")
@click.option("--threshold", type=int, default=None, help="Shares needed (one group).")
@click.option("--shares", "share_count", type=int, default=None, help="Shares made (one group).")
@click.option(
    "--group",
    "group_specs",
    multiple=True,
    metavar="T/N",
    help="A group of N shares of which T are needed; repeat for several groups.",
)
@click.option(
    "--group-threshold", type=int, default=1, show_default=True, help="Groups needed, with --group."
)
@_slip39_passphrase_options
def split(
    threshold: int | None,
    share_count: int | None,
    group_specs: tuple[str, ...],
    group_threshold: int,
    slip39_passphrase_prompt: bool,
    slip39_passphrase_file: str | None,
) -> None:
    """Split a BIP39 phrase into SLIP-39 shares (T of N, or groups).

    The shares carry the phrase's entropy: 'keyvault mnemonic combine' gives back the same
    BIP39 phrase. A Trezor loading these shares directly as a SLIP-39 wallet would derive
    a different wallet.
    """
    app = get_app()
    groups = [_parse_group(g) for g in group_specs] or None
    if groups is not None and (threshold is not None or share_count is not None):
        raise click.UsageError("give --threshold/--shares or --group, not both")
    if groups is None and (threshold is None or share_count is None):
        raise click.UsageError("give --threshold T --shares N (or --group T/N ...)")
    if groups is None and group_threshold != 1:
        raise click.UsageError("--group-threshold needs --group")
    phrase = read_phrase(None)
    passphrase = _slip39_passphrase(slip39_passphrase_prompt, slip39_passphrase_file)
    try:
        made = slip39.split_bip39(
            phrase,
            threshold=threshold,
            shares=share_count,
            groups=groups,
            group_threshold=group_threshold,
            passphrase=passphrase,
        )
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    spec = groups or [(int(threshold or 0), int(share_count or 0))]
    note = (
        "these shares restore this BIP39 phrase through keyvault (or shamir-mnemonic plus a "
        "BIP39 conversion); a Trezor loading them as a SLIP-39 wallet derives a different wallet"
    )
    payload = {
        "group_threshold": group_threshold,
        "groups": [
            {"threshold": t, "count": n, "shares": [s.reveal_text() for s in shares]}
            for (t, n), shares in zip(spec, made, strict=True)
        ],
        "slip39_passphrase": passphrase is not None and not passphrase.is_empty(),
        "words": phrase.word_count,
        "language": phrase.language,
        "note": note,
    }

    def human() -> None:
        for number, ((t, n), shares) in enumerate(zip(spec, made, strict=True), start=1):
            sys.stdout.write(f"group {number}: any {t} of these {n} shares\n")
            for index, share in enumerate(shares, start=1):
                sys.stdout.write(f"  share {index}: {share.reveal_text()}\n")
        if len(spec) > 1:
            sys.stdout.write(f"any {group_threshold} of the {len(spec)} groups are needed\n")
        app.output.info(f"note: {note}")
        if phrase.language != "english":
            app.output.info(f"note: combine with --language {phrase.language}")

    app.output.emit(payload, human)


@click.command("combine")
@click.option(
    "--language",
    type=LANGUAGE,
    default="english",
    show_default=True,
    help="Language of the BIP39 phrase to print.",
)
@click.option(
    "--master-secret",
    "print_master_secret",
    is_flag=True,
    help="Print the SLIP-39 master secret in hex instead of a BIP39 phrase.",
)
@_slip39_passphrase_options
def combine(
    language: str,
    print_master_secret: bool,
    slip39_passphrase_prompt: bool,
    slip39_passphrase_file: str | None,
) -> None:
    """Combine SLIP-39 shares (stdin, one per line) into the BIP39 phrase they hold."""
    app = get_app()
    shares = read_secret_lines("share")
    passphrase = _slip39_passphrase(slip39_passphrase_prompt, slip39_passphrase_file)
    try:
        if print_master_secret:
            secret = slip39.combine(shares, passphrase)
            hex_secret = secret.reveal().hex()
            app.output.emit({"master_secret": hex_secret}, hex_secret)
            return
        restored = slip39.combine_to_bip39(shares, language, passphrase)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    phrase = bip39.check(restored, language)
    fingerprint = phrase_fingerprint(phrase)

    def human() -> None:
        sys.stdout.write(phrase.words.reveal_text() + "\n")
        app.output.info(f"fingerprint {fingerprint} (without a BIP39 passphrase)")

    app.output.emit(
        {
            "mnemonic": phrase.words.reveal_text(),
            "words": phrase.word_count,
            "language": language,
            "fingerprint": fingerprint,
        },
        human,
    )

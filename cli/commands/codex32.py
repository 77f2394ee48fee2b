"""``keyvault codex32``: BIP-93 master seeds and shares (new, split, derive, combine, check).

Secrets (codex32 strings, hex seeds, BIP39 phrases) come from stdin when piped or a
no-echo prompt, never from argv. Errors name the character positions the checksum
points at, never the characters.
"""

from __future__ import annotations

import sys
from typing import Any

import click

from keyvault.errors import InvalidCodex32Error
from keyvault.secret import Secret
from keyvault.seedphrase import bip39, codex32

from ..context import get_app
from ..secrets_input import read_secret_lines, read_secret_text

__all__ = ["codex32_group"]

_BIP39_NOTE = (
    "this codex32 seed holds BIP39 entropy: 'keyvault codex32 combine --to bip39' gives back "
    "the phrase; a wallet loading the codex32 string directly opens a different wallet"
)
_TO_BIP39_NOTE = (
    "this BIP39 phrase has the codex32 seed as its entropy; it opens a different wallet "
    "than the codex32 seed itself unless the seed was made from that phrase"
)


def _fingerprint(seed: Secret) -> str:
    from keyvault.seedphrase import wallet

    return wallet.master_fingerprint(seed)


def _identifier_option(func: Any) -> Any:
    return click.option(
        "--identifier",
        metavar="ID",
        default=None,
        help="4 bech32 characters naming the share set (default: random for shares).",
    )(func)


def _split_options(func: Any) -> Any:
    func = click.option(
        "--shares",
        "share_count",
        type=click.IntRange(2, len(codex32.SHARE_INDICES)),
        default=None,
        help="Shares to make.",
    )(func)
    return click.option(
        "--threshold", type=click.IntRange(2, 9), default=None, help="Shares needed (2-9)."
    )(func)


def _emit_shares(
    shares: list[Secret], threshold: int, seed: Secret, note: str | None = None
) -> None:
    app = get_app()
    infos = [codex32.check(share) for share in shares]
    fingerprint = _fingerprint(seed)
    payload: dict[str, Any] = {
        "threshold": threshold,
        "identifier": infos[0].identifier,
        "shares": [
            {"index": info.share_index, "codex32": share.reveal_text()}
            for info, share in zip(infos, shares, strict=True)
        ],
        "fingerprint": fingerprint,
        "seed_bytes": len(seed),
    }
    if note:
        payload["note"] = note

    def human() -> None:
        sys.stdout.write(
            f"any {threshold} of these {len(shares)} shares (identifier {infos[0].identifier}):\n"
        )
        for info, share in zip(infos, shares, strict=True):
            sys.stdout.write(f"  share {info.share_index}: {share.reveal_text()}\n")
        app.output.info(f"master fingerprint {fingerprint}")
        if note:
            app.output.info(f"note: {note}")
        app.output.info("give each share to a different holder; store none unencrypted")

    app.output.emit(payload, human)


def _emit_secret(text: Secret, seed: Secret, note: str | None = None) -> None:
    app = get_app()
    info = codex32.check(text)
    fingerprint = _fingerprint(seed)
    payload: dict[str, Any] = {
        "codex32": text.reveal_text(),
        "identifier": info.identifier,
        "fingerprint": fingerprint,
        "seed_bytes": len(seed),
    }
    if note:
        payload["note"] = note

    def human() -> None:
        sys.stdout.write(text.reveal_text() + "\n")
        app.output.info(f"master fingerprint {fingerprint}")
        if note:
            app.output.info(f"note: {note}")

    app.output.emit(payload, human)


@click.group("codex32")
def codex32_group() -> None:
    """codex32 (BIP-93) master seeds and shares you can check by hand."""


@codex32_group.command("new")
@click.option(
    "--bytes",
    "seed_bytes",
    type=click.Choice([str(n) for n in codex32.SEED_BYTES]),
    default="16",
    show_default=True,
    help="Master seed size (16 = 128 bits, 32 = 256 bits).",
)
@_split_options
@_identifier_option
def new(
    seed_bytes: str, threshold: int | None, share_count: int | None, identifier: str | None
) -> None:
    """Create a fresh master seed as a codex32 secret, or directly as shares."""
    if (threshold is None) != (share_count is None):
        raise click.UsageError("give both --threshold and --shares, or neither")
    seed = codex32.generate(int(seed_bytes))
    try:
        if threshold is not None and share_count is not None:
            if share_count < threshold:
                raise click.UsageError("--shares must be at least --threshold")
            shares = codex32.split(seed, threshold, share_count, identifier)
            _emit_shares(shares, threshold, seed)
            return
        _emit_secret(codex32.from_seed(seed, identifier), seed)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None


def _read_seed(source: str) -> tuple[Secret, str | None]:
    text = read_secret_text("codex32 secret" if source == "codex32" else source)
    if source == "codex32":
        return codex32.seed(text), None
    if source == "bip39":
        return codex32.from_bip39_entropy(bip39.check(text)), _BIP39_NOTE
    raw = text.reveal_text().strip().lower().removeprefix("0x")
    try:
        data = bytes.fromhex(raw)
    except ValueError:
        raise InvalidCodex32Error(
            "the master seed is not hexadecimal", hint="give 32 to 128 hex digits"
        ) from None
    if len(data) not in codex32.SEED_BYTES:
        raise InvalidCodex32Error(
            f"a {len(data)}-byte master seed cannot be written in codex32",
            hint="codex32 holds 16 to 64 bytes, a multiple of 4",
        )
    return Secret(data, label="master seed"), None


@codex32_group.command("split")
@_split_options
@_identifier_option
@click.option(
    "--from",
    "source",
    type=click.Choice(["codex32", "hex", "bip39"]),
    default="codex32",
    show_default=True,
    help="What stdin holds: a codex32 secret, a BIP32 master seed in hex, or a BIP39 "
    "phrase (its entropy is split, see the note).",
)
def split(
    threshold: int | None, share_count: int | None, identifier: str | None, source: str
) -> None:
    """Split a master seed into k-of-n codex32 shares with a fresh identifier."""
    if threshold is None or share_count is None:
        raise click.UsageError("give --threshold K --shares N")
    if share_count < threshold:
        raise click.UsageError("--shares must be at least --threshold")
    seed, note = _read_seed(source)
    try:
        shares = codex32.split(seed, threshold, share_count, identifier)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    _emit_shares(shares, threshold, seed, note)


@codex32_group.command("derive")
@click.option("--index", required=True, metavar="X", help="Share index to make (not s).")
def derive(index: str) -> None:
    """Make a share with a new index (or re-make a lost one) from k shares on stdin."""
    app = get_app()
    shares = read_secret_lines("codex32 share")
    try:
        made = codex32.derive_share(shares, index)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    info = codex32.check(made)
    app.output.emit(
        {"index": info.share_index, "identifier": info.identifier, "codex32": made.reveal_text()},
        made.reveal_text(),
    )


@codex32_group.command("combine")
@click.option(
    "--to",
    "target",
    type=click.Choice(["codex32", "hex", "xprv", "bip39"]),
    default="codex32",
    show_default=True,
    help="Print the codex32 secret, the BIP32 master seed in hex, its xprv, or the BIP39 "
    "phrase whose entropy it is (16-32 byte seeds; labelled).",
)
@click.option(
    "--language",
    type=click.Choice(bip39.LANGUAGES),
    default="english",
    show_default=True,
    help="Language of the BIP39 phrase, with --to bip39.",
)
def combine(target: str, language: str) -> None:
    """Combine k shares (stdin, one per line), or convert one codex32 secret."""
    app = get_app()
    strings = read_secret_lines("codex32 string")
    secret = codex32.combine(strings)
    seed = codex32.seed(secret)
    if target == "codex32":
        _emit_secret(secret, seed)
        return
    fingerprint = _fingerprint(seed)
    note: str | None = None
    if target == "hex":
        text = seed.reveal().hex()
    elif target == "xprv":
        from keyvault.seedphrase import wallet

        text = wallet.extended_private_key(seed).reveal_text()
    else:
        text = codex32.to_bip39(seed, language).reveal_text()
        note = _TO_BIP39_NOTE
    payload: dict[str, Any] = {target: text, "fingerprint": fingerprint}
    if note:
        payload["note"] = note

    def human() -> None:
        sys.stdout.write(text + "\n")
        app.output.info(f"master fingerprint {fingerprint} (of the codex32 seed)")
        if note:
            app.output.info(f"note: {note}")

    app.output.emit(payload, human)


@codex32_group.command("check")
@click.option(
    "--correct",
    "show_correction",
    is_flag=True,
    help="Print the string the checksum proposes (compare it with your copy before use).",
)
def check(show_correction: bool) -> None:
    """Check codex32 strings (stdin, one per line); exit 1 naming the wrong positions.

    Type ? for a character you cannot read: the checksum fills in up to 8 of them.
    """
    app = get_app()
    strings = read_secret_lines("codex32 string")
    if not strings:
        raise click.UsageError("no codex32 string on stdin")
    results: list[dict[str, Any]] = []
    lines: list[str] = []
    failed = False
    for number, text in enumerate(strings, start=1):
        try:
            info = codex32.check(text, number)
        except InvalidCodex32Error as error:
            failed = True
            entry: dict[str, Any] = {
                "valid": False,
                "reason": error.message,
                "positions": list(error.positions),
                "error": {"type": error.type_name, "message": error.message},
            }
            lines.append(f"invalid: {error.message}")
            if error.hint:
                entry["hint"] = error.hint
                lines.append(f"  hint: {error.hint}")
            if show_correction:
                proposal = codex32.correct(text, number)
                if proposal is not None and proposal.positions:
                    entry["corrected"] = proposal.text()
                    lines.append(f"  the checksum proposes: {proposal.text()}")
                    lines.append("  compare it with your copy before you use it")
            results.append(entry)
            continue
        kind = "secret" if info.is_secret else f"share {info.share_index}"
        threshold = "unshared" if info.threshold == 0 else f"{info.threshold} needed"
        results.append(
            {
                "valid": True,
                "identifier": info.identifier,
                "threshold": info.threshold,
                "share_index": info.share_index,
                "seed_bytes": info.seed_bytes,
            }
        )
        lines.append(
            f"string {number}: valid: codex32 {kind}, identifier {info.identifier}, "
            f"{threshold}, {info.seed_bytes}-byte seed"
        )
    app.output.emit({"valid": not failed, "strings": results}, "\n".join(lines))
    if failed:
        raise click.exceptions.Exit(1)


@codex32_group.command("resplit")
@_split_options
def resplit(threshold: int | None, share_count: int | None) -> None:
    """Re-split after a holder leaves: k old shares (stdin) -> new shares, fresh identifier.

    Every share of the old set must then be destroyed: together they still restore the
    secret. The new identifier differs from the old one, so the sets cannot be mixed.
    """
    if threshold is None or share_count is None:
        raise click.UsageError("give --threshold K --shares N for the new set")
    if share_count < threshold:
        raise click.UsageError("--shares must be at least --threshold")
    old = read_secret_lines("old codex32 share")
    secret = codex32.combine(old)
    old_identifier = codex32.check(secret).identifier
    seed = codex32.seed(secret)
    fresh = codex32.random_identifier(avoid=[old_identifier])
    shares = codex32.split(seed, threshold, share_count, fresh)
    note = (
        f"destroy every share of the old set (identifier {old_identifier}); "
        f"the new set has identifier {fresh}"
    )
    _emit_shares(shares, threshold, seed, note)

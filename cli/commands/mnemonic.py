"""``keyvault mnemonic``: create, check, inspect, split and combine seed phrases.

Phrases and shares come from stdin (when piped) or a no-echo prompt, never from argv.
``check`` exits 0 for a valid phrase and 1 for an invalid one, with the precise reason
(the word position, the closest words, or the words that would complete the checksum).
"""

from __future__ import annotations

import getpass
import re
import sys
from pathlib import Path
from typing import Any

import click

from keyvault.errors import InvalidMnemonicError
from keyvault.secret import Secret
from keyvault.seedphrase import bip39, electrum, slip39

from ..context import get_app
from ..guard import phrase_guard
from ..options import bip39_passphrase_options
from ..secrets_input import (
    read_optional_bip39_passphrase,
    read_secret_input,
    read_secret_lines,
    read_secret_text,
    stdin_is_terminal,
)
from .holders import holders

__all__ = ["mnemonic"]

_LANGUAGE = click.Choice(bip39.LANGUAGES)
_SCRIPTS = ("p2wpkh", "p2tr", "p2sh-p2wpkh")
# BIP-85 has language codes for these (no Russian or Turkish); keyvault.seedphrase.bip85
# holds the codes, kept out of this module's imports so --help stays fast.
_BIP85_LANGUAGES = tuple(
    language for language in bip39.LANGUAGES if language not in ("russian", "turkish")
)


def _fingerprint(phrase: bip39.Phrase) -> str:
    from keyvault.seedphrase import wallet

    return wallet.phrase_fingerprint(phrase)


def _read_phrase(language: str | None) -> bip39.Phrase:
    return bip39.check(read_secret_text("seed phrase"), language)


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


@click.group("mnemonic")
def mnemonic() -> None:
    """Create, check, inspect, split and combine seed phrases (BIP39, SLIP-39)."""


@mnemonic.command("new")
@click.option(
    "--words",
    "word_count",
    type=click.Choice([str(n) for n in bip39.WORD_COUNTS]),
    default="24",
    show_default=True,
    help="Number of words.",
)
@click.option("--language", type=_LANGUAGE, default="english", show_default=True)
@click.option(
    "--dice",
    is_flag=True,
    help="Also type dice rolls (1-6); they are mixed with the system's random generator.",
)
def new(word_count: str, language: str, dice: bool) -> None:
    """Create a new random BIP39 phrase from the operating system's CSPRNG."""
    app = get_app()
    words = int(word_count)
    full = bip39.DICE_ROLLS_FOR_FULL_STRENGTH[words]
    rolls: str | None = None
    if dice:
        if stdin_is_terminal():
            app.output.info(
                f"type your dice rolls (digits 1-6); {full} rolls alone would give full "
                f"strength for {words} words, and fewer still add to the system's randomness"
            )
        rolls = read_secret_text("dice rolls").reveal_text()
        try:
            created = bip39.generate(words, language, dice=rolls)
        except ValueError as exc:
            raise click.UsageError(str(exc)) from None
    else:
        created = bip39.generate(words, language)
    phrase = bip39.check(created, language)
    fingerprint = _fingerprint(phrase)
    payload: dict[str, Any] = {
        "mnemonic": phrase.words.reveal_text(),
        "words": words,
        "language": language,
        "fingerprint": fingerprint,
    }
    if rolls is not None:
        count = sum(c in "123456" for c in rolls)
        payload["dice"] = {"rolls": count, "rolls_for_full_strength": full}

    def human() -> None:
        sys.stdout.write(phrase.words.reveal_text() + "\n")
        app.output.info(f"fingerprint {fingerprint} (without a BIP39 passphrase)")
        if rolls is not None:
            app.output.info(
                f"mixed {payload['dice']['rolls']} dice rolls into the system's random bytes "
                f"({full} rolls alone would give full strength)"
            )
        app.output.info("write the words down on paper; never store them unencrypted")

    app.output.emit(payload, human)


@mnemonic.command("check")
@click.option("--language", type=_LANGUAGE, default=None, help="Wordlist (default: detect).")
def check(language: str | None) -> None:
    """Check a phrase: exit 0 if valid, 1 with the precise reason if not.

    Accepts any case and spacing and 4-letter prefixes; type ? for a word you cannot read
    to list the words that fit there.
    """
    app = get_app()
    text = read_secret_text("seed phrase")
    try:
        phrase = bip39.check(text, language)
    except InvalidMnemonicError as error:
        if _report_electrum(text, error):
            return
        payload: dict[str, Any] = {
            "valid": False,
            "reason": error.message,
            "position": error.position,
            "suggestions": list(error.suggestions),
            "error": {"type": error.type_name, "message": error.message},
        }
        if error.hint:
            payload["hint"] = error.hint
            payload["error"]["hint"] = error.hint
        lines = [f"invalid: {error.message}"]
        if error.suggestions:
            lines.append("suggestions: " + ", ".join(error.suggestions))
        if error.hint:
            lines.append(f"hint: {error.hint}")
        app.output.emit(payload, "\n".join(lines))
        raise click.exceptions.Exit(1) from None
    fingerprint = _fingerprint(phrase)
    guard = phrase_guard(app.home, phrase, None, app.output)
    payload = {
        "valid": True,
        "kind": "bip39",
        "words": phrase.word_count,
        "language": phrase.language,
        "fingerprint": fingerprint,
        **guard.payload(),
    }
    human = (
        f"valid: {phrase.word_count} {phrase.language} words, fingerprint {fingerprint} "
        "(without a BIP39 passphrase)"
    )
    also = electrum.kind(text)
    if also is not None:
        payload["also_electrum"] = also
        human += (
            f"\nnote: these words are also an {electrum.describe(also)}; Electrum would "
            "restore a different wallet from them"
        )
    app.output.emit(payload, human)
    guard.say(app.output)


def _report_electrum(text: Secret, error: InvalidMnemonicError) -> bool:
    """For ``check``: say so when a phrase that fails BIP39 is an Electrum seed."""
    app = get_app()
    found = electrum.kind(text)
    if found is None:
        return False
    wallet = electrum.inspect(text, count=0)
    what = electrum.describe(found)
    message = f"this is an {what}, not BIP39: restore it in Electrum, or inspect it here"
    hint = (
        "'keyvault mnemonic inspect' shows its fingerprint and first addresses; if the words "
        f"came from a BIP39 wallet instead, a word is wrong ({error.message})"
    )
    app.output.emit(
        {
            "valid": True,
            "kind": f"electrum-{found}",
            "bip39": False,
            "words": len(text.reveal_text().split()),
            "fingerprint": wallet.fingerprint,
            "message": message,
            "hint": hint,
        },
        f"{message}\nfingerprint {wallet.fingerprint} (Electrum root, no passphrase)\nhint: {hint}",
    )
    return True


@mnemonic.command("inspect")
@bip39_passphrase_options
@click.option(
    "--script",
    type=click.Choice(_SCRIPTS),
    default="p2wpkh",
    show_default=True,
    help="p2wpkh: native segwit (BIP84); p2tr: taproot (BIP86); "
    "p2sh-p2wpkh: nested segwit (BIP49).",
)
@click.option("--testnet", is_flag=True, help="Testnet keys and addresses.")
@click.option(
    "--count",
    type=click.IntRange(0, 1000),
    default=5,
    show_default=True,
    help="How many receive addresses to show.",
)
@click.option("--account", type=click.IntRange(0, 2**31 - 1), default=0, show_default=True)
@click.option("--language", type=_LANGUAGE, default=None, help="Wordlist (default: detect).")
def inspect(
    bip39_passphrase_prompt: bool,
    bip39_passphrase_file: str | None,
    script: str,
    testnet: bool,
    count: int,
    account: int,
    language: str | None,
) -> None:
    """Show the wallet a phrase opens: fingerprint, account xpub, first addresses."""
    from keyvault.seedphrase import wallet

    app = get_app()
    text = read_secret_text("seed phrase")
    try:
        phrase = bip39.check(text, language)
    except InvalidMnemonicError:
        if electrum.kind(text) is None:
            raise
        passphrase = read_optional_bip39_passphrase(bip39_passphrase_prompt, bip39_passphrase_file)
        _inspect_electrum(text, passphrase, count)
        return
    passphrase = read_optional_bip39_passphrase(bip39_passphrase_prompt, bip39_passphrase_file)
    info = wallet.inspect(
        phrase,
        passphrase,
        script=script,  # type: ignore[arg-type]  # a click.Choice of wallet.SCRIPTS
        testnet=testnet,
        count=count,
        account=account,
    )
    guard = phrase_guard(app.home, phrase, passphrase, app.output)
    payload = {
        "fingerprint": info.fingerprint,
        "script": info.script,
        "network": info.network,
        "derivation_path": info.derivation_path,
        "account_xpub": info.account_xpub,
        "descriptor": info.descriptor,
        "addresses": list(info.addresses),
        "bip39_passphrase": passphrase is not None and not passphrase.is_empty(),
        "words": phrase.word_count,
        "language": phrase.language,
        **guard.payload(),
    }
    lines = [
        f"fingerprint:  {info.fingerprint}",
        f"script:       {info.script} ({info.network})",
        f"path:         {info.derivation_path}",
        f"account key:  {info.account_xpub}",
        f"descriptor:   {info.descriptor}",
    ]
    lines += [f"address {i}:    {a}" for i, a in enumerate(info.addresses)]
    app.output.emit(payload, "\n".join(lines))
    guard.say(app.output)


def _inspect_electrum(text: Secret, passphrase: Secret | None, count: int) -> None:
    """``inspect`` for an Electrum seed: what Electrum restores (its derivation, not BIP44)."""
    app = get_app()
    try:
        info = electrum.inspect(text, passphrase, count=count)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    payload = {
        "kind": f"electrum-{info.kind}",
        "fingerprint": info.fingerprint,
        "script": info.script,
        "derivation_path": info.derivation_path,
        "master_keys": list(info.master_keys),
        "addresses": list(info.addresses),
        "change_addresses": list(info.change_addresses),
        "passphrase": passphrase is not None and not passphrase.is_empty(),
    }
    lines = [
        f"kind:         {electrum.describe(info.kind)}",
        f"fingerprint:  {info.fingerprint}",
        f"script:       {info.script}",
        f"path:         {info.derivation_path}",
    ]
    lines += [f"master key:   {key}" for key in info.master_keys]
    lines += [f"address {i}:    {a}" for i, a in enumerate(info.addresses)]
    if info.kind.startswith("2fa"):
        lines.append("addresses: a 2fa wallet also needs TrustedCoin's key; restore it in Electrum")
    app.output.emit(payload, "\n".join(lines))


_GROUP = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")


def _parse_group(text: str) -> tuple[int, int]:
    match = _GROUP.match(text)
    if not match:
        raise click.BadParameter(f"{text!r} is not T/N (for example 2/3)", param_hint="--group")
    return int(match.group(1)), int(match.group(2))


@mnemonic.command("split")
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
    phrase = _read_phrase(None)
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


@mnemonic.command("combine")
@click.option(
    "--language",
    type=_LANGUAGE,
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
    fingerprint = _fingerprint(phrase)

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


def _bip85_root(bip39_passphrase_prompt: bool, bip39_passphrase_file: str | None) -> Any:
    """The BIP-85 master: an xprv, or a BIP39 phrase (and optional passphrase), from stdin."""
    from keyvault.seedphrase import bip85

    text = read_secret_text("seed phrase or xprv")
    if text.reveal_text().lstrip()[:4] in ("xprv", "tprv"):
        if bip39_passphrase_prompt or bip39_passphrase_file:
            raise click.UsageError("a BIP39 passphrase applies to a phrase, not to an xprv")
        return bip85.root_from_xprv(text)
    phrase = bip39.check(text)
    passphrase = read_optional_bip39_passphrase(bip39_passphrase_prompt, bip39_passphrase_file)
    seed = bip39.to_seed(phrase, passphrase)
    try:
        return bip85.root_from_seed(seed)
    finally:
        seed.wipe()


@mnemonic.command("bip85")
@click.option(
    "--app",
    type=click.Choice(["bip39", "wif", "xprv", "hex", "base64", "base85"]),
    default="bip39",
    show_default=True,
    help="bip39: a child phrase; wif: a Bitcoin Core hdseed; xprv: a child master key; "
    "hex: raw bytes; base64/base85: a password.",
)
@click.option(
    "--words",
    "word_count",
    type=click.Choice([str(n) for n in bip39.WORD_COUNTS]),
    default="12",
    show_default=True,
    help="Words of a bip39 child.",
)
@click.option("--index", type=click.IntRange(0, 2**31 - 1), default=0, show_default=True)
@click.option(
    "--language",
    type=click.Choice(_BIP85_LANGUAGES),
    default="english",
    show_default=True,
    help="Language of a bip39 child (BIP-85 has codes for these ten).",
)
@click.option(
    "--length",
    type=click.IntRange(10, 86),
    default=None,
    help="hex: bytes (16-64, default 32); base64: characters (20-86, default 21); "
    "base85: characters (10-80, default 12).",
)
@bip39_passphrase_options
def bip85_child(
    app: str,
    word_count: str,
    index: int,
    language: str,
    length: int | None,
    bip39_passphrase_prompt: bool,
    bip39_passphrase_file: str | None,
) -> None:
    """Derive a BIP-85 child (phrase, WIF, xprv, hex, password) from a phrase or xprv on stdin.

    The child is printed once and never stored: the same master, app and index give it
    again whenever it is needed. Add it as an item ('keyvault add-phrase') only if you
    want it backed up on its own.
    """
    from keyvault.seedphrase import bip85

    out = get_app()
    root = _bip85_root(bip39_passphrase_prompt, bip39_passphrase_file)
    try:
        made = bip85.child(
            root,
            app,  # type: ignore[arg-type]  # a click.Choice of bip85.APPLICATIONS
            index=index,
            words=int(word_count),
            language=language,
            length=length,
        )
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    master = root.my_fingerprint.hex() if root.depth == 0 else None
    payload: dict[str, Any] = {"app": app, "index": index, "child": made.reveal_text()}
    if master:
        payload["master_fingerprint"] = master
    if app == "bip39":
        payload.update(words=int(word_count), language=language)
        payload["fingerprint"] = _fingerprint(bip39.check(made, language))

    def human() -> None:
        sys.stdout.write(made.reveal_text() + "\n")
        if "fingerprint" in payload:
            out.output.info(f"child fingerprint {payload['fingerprint']}")
        out.output.info("BIP-85 child: derived again from the same master and index; not stored")

    out.output.emit(payload, human)


@mnemonic.group("xor")
def xor() -> None:
    """Seed XOR (Coldcard): split a phrase into 2-4 phrases that XOR back to it."""


@xor.command("split")
@click.option(
    "--parts",
    "part_count",
    type=click.IntRange(2, 4),
    default=2,
    show_default=True,
    help="How many parts (every part is needed to restore).",
)
def xor_split(part_count: int) -> None:
    """Split a BIP39 phrase (stdin) into Seed XOR parts, each a valid BIP39 phrase."""
    from keyvault.seedphrase import seedxor

    app = get_app()
    phrase = _read_phrase(None)
    parts = seedxor.split(phrase, part_count)
    fingerprint = _fingerprint(phrase)
    last_word = phrase.words.reveal_text().split(bip39.separator(phrase.language))[-1]
    note = (
        "every part is needed: any subset XORs to another valid wallet; keep the secret's "
        "last word with the parts to check a restore"
    )

    def human() -> None:
        for number, part in enumerate(parts, start=1):
            sys.stdout.write(f"part {number} of {part_count}: {part.reveal_text()}\n")
        app.output.info(f"fingerprint {fingerprint} (of the phrase the parts restore)")
        app.output.info(f"note: {note}")

    app.output.emit(
        {
            "parts": [part.reveal_text() for part in parts],
            "words": phrase.word_count,
            "language": phrase.language,
            "fingerprint": fingerprint,
            "last_word": last_word,
            "note": note,
        },
        human,
    )


@xor.command("combine")
@click.option("--language", type=_LANGUAGE, default=None, help="Wordlist (default: detect).")
def xor_combine(language: str | None) -> None:
    """Combine every Seed XOR part (stdin, one phrase per line) into the phrase."""
    from keyvault.seedphrase import seedxor

    app = get_app()
    parts = read_secret_lines("part")
    restored = bip39.check(seedxor.combine(parts, language), language)
    fingerprint = _fingerprint(restored)

    def human() -> None:
        sys.stdout.write(restored.words.reveal_text() + "\n")
        app.output.info(f"fingerprint {fingerprint} (without a BIP39 passphrase)")
        app.output.info("check: its last word is the one you kept with the parts")

    app.output.emit(
        {
            "mnemonic": restored.words.reveal_text(),
            "parts": len(parts),
            "words": restored.word_count,
            "language": restored.language,
            "fingerprint": fingerprint,
        },
        human,
    )


@mnemonic.command("plate")
@click.option(
    "--format",
    "plate_format",
    type=click.Choice(["1248", "binary"]),
    default="1248",
    show_default=True,
    help="1248: Stackbit-style digit columns; binary: TinySeed-style 12-dot grid.",
)
@click.option("--language", type=_LANGUAGE, default=None, help="Wordlist (default: detect).")
@click.option(
    "-o",
    "--output",
    "output_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also write the plate sheet as a PDF here (secret: print it, then delete it).",
)
@click.option(
    "--paper", "paper_size", type=click.Choice(("a4", "letter")), default="a4", show_default=True
)
@click.option("--force", is_flag=True, help="Replace the output file if it exists.")
@click.option(
    "--template",
    is_flag=True,
    help="With -o: an empty grid of 24 rows to mark by hand (reads no phrase).",
)
def plate(
    plate_format: str,
    language: str | None,
    output_path: Path | None,
    paper_size: str,
    force: bool,
    template: bool,
) -> None:
    """Show a phrase (stdin) as metal-plate dots, with word numbers, to check a plate by hand.

    Word numbers count from 1 (abandon = 1, zoo = 2048), as the plates do.
    """
    from keyvault.seedphrase import plate as plates

    app = get_app()
    chosen: plates.PlateFormat = "binary" if plate_format == "binary" else "1248"
    if template:
        if output_path is None:
            raise click.UsageError("--template writes a PDF: give -o FILE")
        _write_plate_pdf(None, chosen, output_path, force, paper_size)
        return
    phrase = _read_phrase(language)
    made = plates.rows(phrase, chosen)
    weights = plates.BINARY_WEIGHTS if chosen == "binary" else plates.DIGIT_WEIGHTS
    payload = {
        "format": chosen,
        "language": phrase.language,
        "weights": list(weights),
        "rows": [
            {
                "position": row.position,
                "number": row.number,
                "dots": [[int(dot) for dot in group] for group in row.dots],
            }
            for row in made
        ],
    }
    if output_path is not None:
        _write_plate_pdf(phrase, chosen, output_path, force, paper_size)
        return
    app.output.emit(payload, plates.text(made, chosen).reveal_text())


mnemonic.add_command(holders)


def _write_plate_pdf(
    phrase: bip39.Phrase | None, plate_format: str, path: Path, force: bool, paper_size: str
) -> None:
    """``plate -o FILE``: the plate sheet as a PDF (atomic, 0600, no overwrite unless forced)."""
    import hashlib
    from datetime import date

    from keyvault.atomic import atomic_write
    from keyvault.paper.plates import plate_sheet
    from keyvault.paper.render import count_pages, render_pdf

    from ..output_file import check_free, write_output

    app = get_app()
    check_free(path, force)
    document = plate_sheet(
        phrase,
        plate_format,
        day=date.today(),
        paper="letter" if paper_size == "letter" else "a4",
    )
    data = render_pdf(document)
    write_output(path, lambda: atomic_write(path, data, mode=0o600, overwrite=force))
    app.output.emit(
        {
            "path": str(path),
            "document": document.title,
            "pages": count_pages(data),
            "paper": document.paper,
            "secret": document.has_secret,
            "sha256": hashlib.sha256(data).hexdigest(),
            "format": plate_format,
        },
        f"wrote {path}: {'SECRET ' if document.has_secret else ''}{document.title}",
    )
    if document.has_secret:
        app.output.warn("this PDF is your seed: print it, then delete the file")

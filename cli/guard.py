"""The phrase guard: does the phrase (and BIP39 passphrase) just typed open a recorded wallet?

A wrong BIP39 passphrase opens a valid, empty wallet without a word of warning. Every
command that takes a phrase calls :func:`phrase_guard` and adds its result to its
output: ``matches_item`` in JSON (the item's name, or null) and one line on stderr,
"matches item 'NAME'" or "matches none of your recorded wallets: ...". Only
fingerprints are compared (:func:`keyvault.vault.identities.check_phrase`, which the GUI
uses too); no secret is
stored for it. With no recorded wallet (no vault yet) the line is left out.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from keyvault.errors import KeyvaultError
from keyvault.secret import Secret
from keyvault.seedphrase import bip39
from keyvault.vault import identities
from keyvault.vault.identities import NO_MATCH

from .output import Output

__all__ = ["NO_MATCH", "PhraseGuard", "RestoredPhrase", "phrase_guard", "restored_phrase_guard"]


@dataclass(frozen=True)
class PhraseGuard(identities.PhraseMatch):
    """What the guard found for one phrase (:class:`~keyvault.vault.identities.PhraseMatch`),
    with the CLI's ways to say it."""

    def payload(self) -> dict[str, Any]:
        """The JSON field every guarded command adds."""
        return {"matches_item": self.matches_item}

    def say(self, output: Output) -> None:
        """Print the human line on stderr (never in JSON mode, where the field says it)."""
        if self.line is not None and not output.json_mode:
            output.info(self.line)


def phrase_guard(
    home: Path,
    phrase: bip39.Phrase | Secret | str,
    bip39_passphrase: Secret | None,
    output: Output,
) -> PhraseGuard:
    """Compare the phrase's fingerprint with the vault's records. Never fails the command:
    unreadable records are a warning and count as none recorded."""
    try:
        found = identities.check_phrase(home, phrase, bip39_passphrase)
    except KeyvaultError as exc:
        output.warn(f"cannot compare with your recorded wallets: {exc.message}")
        return PhraseGuard(None, False)
    return PhraseGuard(found.matches_item, found.recorded)


def restored_phrase_guard(home: Path, path: Path, output: Output) -> RestoredPhrase | None:
    """For a phrase record that ``recover`` just wrote at ``path``: the fingerprint of the
    wallet it opens (with its stored BIP39 passphrase) and what the guard says of it.
    None for a record that is not a BIP39 phrase or cannot be read back."""
    from keyvault.vault.items import parse_phrase_record

    try:
        with path.open("rb") as handle:
            data = handle.read(_MAX_RECORD + 1)
        if len(data) > _MAX_RECORD:
            return None
        record = parse_phrase_record(Secret(data, label="phrase record"))
        if record.kind != "bip39":
            return None
        fingerprint = record.identity().fingerprint or ""
        guard = phrase_guard(home, record.phrase, record.bip39_passphrase, output)
    except (OSError, KeyvaultError):
        return None
    return RestoredPhrase(fingerprint, guard)


@dataclass(frozen=True)
class RestoredPhrase:
    """A restored phrase's fingerprint and the guard's verdict on it."""

    fingerprint: str
    guard: PhraseGuard

    @property
    def line(self) -> str:
        """``fingerprint X`` and, where wallets are recorded, whether it matches one."""
        said = self.guard.line
        return f"fingerprint {self.fingerprint}" + (f"; {said}" if said else "")


#: A phrase record is a few hundred bytes; anything far larger is not one.
_MAX_RECORD = 64 << 10

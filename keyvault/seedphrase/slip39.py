"""SLIP-39 Shamir shares (Trezor's format), through the reference ``shamir-mnemonic``.

:func:`split` and :func:`combine` work on a SLIP-39 master secret, exactly as a Trezor
does: single-group T-of-N or multi-group schemes, an optional passphrase, and the
"extendable" flag of current SLIP-39 (on by default, as in the reference library).

:func:`split_bip39` and :func:`combine_to_bip39` carry an existing BIP39 phrase: its
*entropy* becomes the master secret, and combining gives back the very same BIP39 phrase.
Such shares restore that BIP39 phrase through keyvault (or ``shamir-mnemonic`` followed by
a BIP39 entropy-to-phrase conversion). A Trezor that loads them directly as a SLIP-39
wallet derives a **different** wallet: it uses the master secret itself as the BIP32 seed,
where BIP39 derives the seed from the words with PBKDF2.

Share input is forgiving like BIP39 input: any case and whitespace, and 4-letter prefixes
(SLIP-39 words are unique in their first four letters). Errors say which share and which
word, never the words themselves.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import shamir_mnemonic
from shamir_mnemonic.share import Share
from shamir_mnemonic.wordlist import WORD_INDEX_MAP, WORDLIST

from keyvault.errors import InvalidShareError
from keyvault.secret import Secret

from . import bip39

__all__ = [
    "ShareInfo",
    "combine",
    "combine_to_bip39",
    "describe",
    "split",
    "split_bip39",
]

_BIP39_ENTROPY_BYTES = (16, 20, 24, 28, 32)
_PREFIX: dict[str, str] = {word[:4]: word for word in WORDLIST}


@dataclass(frozen=True)
class ShareInfo:
    """The public facts a share carries (what to print on its sheet; no secret).

    Indices are 1-based here (SLIP-39 stores them 0-based).
    """

    identifier: int
    extendable: bool
    iteration_exponent: int
    group: int
    group_threshold: int
    group_count: int
    member: int
    member_threshold: int
    words: int


def _groups_spec(
    threshold: int | None, shares: int | None, groups: Sequence[tuple[int, int]] | None
) -> list[tuple[int, int]]:
    if groups is not None:
        if threshold is not None or shares is not None:
            raise ValueError("give either threshold and shares, or groups")
        spec = [(int(t), int(n)) for t, n in groups]
    else:
        if threshold is None or shares is None:
            raise ValueError("give threshold and shares (or groups)")
        spec = [(threshold, shares)]
    if not spec:
        raise ValueError("at least one group is needed")
    for t, n in spec:
        if not 1 <= t <= n <= 16:
            raise ValueError("each group needs 1 <= threshold <= shares <= 16")
        if t == 1 and n > 1:
            raise ValueError(
                "SLIP-39 does not allow 1-of-N shares (each would be a full copy): "
                "use 1-of-1, or a threshold of 2 or more"
            )
    return spec


def _passphrase_bytes(passphrase: Secret | None) -> bytes:
    raw = passphrase.reveal() if passphrase is not None else b""
    if not all(32 <= c <= 126 for c in raw):
        raise ValueError("a SLIP-39 passphrase may contain only printable ASCII characters")
    return raw


def split(
    master_secret: Secret,
    *,
    threshold: int | None = None,
    shares: int | None = None,
    groups: Sequence[tuple[int, int]] | None = None,
    group_threshold: int = 1,
    passphrase: Secret | None = None,
    extendable: bool = True,
    iteration_exponent: int = 1,
) -> list[list[Secret]]:
    """Split ``master_secret`` (16 to 32 bytes, even length) into SLIP-39 shares.

    Either ``threshold`` of ``shares`` (one group), or ``groups`` as (threshold, count)
    pairs with ``group_threshold`` groups needed. Returns one list of shares per group.
    Bad parameters (1-of-N with N > 1 is refused, as SLIP-39 says) raise ``ValueError``.
    """
    spec = _groups_spec(threshold, shares, groups)
    secret = master_secret.reveal()
    if len(secret) < 16 or len(secret) % 2:
        raise ValueError("a SLIP-39 master secret has an even number of bytes, at least 16")
    if not 1 <= group_threshold <= len(spec):
        raise ValueError("the group threshold must be between 1 and the number of groups")
    mnemonics = shamir_mnemonic.generate_mnemonics(
        group_threshold,
        spec,
        secret,
        _passphrase_bytes(passphrase),
        extendable=extendable,
        iteration_exponent=iteration_exponent,
    )
    return [[Secret(m, label="share") for m in group] for group in mnemonics]


def _normalise(share: Secret | str, number: int) -> str:
    text = share.reveal_text() if isinstance(share, Secret) else share
    if not isinstance(text, str):
        raise TypeError("a share is a Secret or a str")
    words = []
    for position, token in enumerate(text.lower().split(), start=1):
        word = token if token in WORD_INDEX_MAP else None
        if word is None and len(token) >= 4:
            candidate = _PREFIX.get(token[:4])
            if candidate is not None and candidate.startswith(token):
                word = candidate
        if word is None:
            raise InvalidShareError(
                f"share {number}: word {position} is not in the SLIP-39 wordlist"
            )
        words.append(word)
    if not words:
        raise InvalidShareError(f"share {number} is empty")
    return " ".join(words)


def _parse(mnemonic: str, number: int) -> Share:
    try:
        return Share.from_mnemonic(mnemonic)
    except shamir_mnemonic.MnemonicError as exc:
        reason = str(exc)
        count = len(mnemonic.split())
        if reason.startswith("Invalid mnemonic length"):
            message = (
                f"share {number} has {count} words, which no SLIP-39 share has "
                "(20 words for a 128-bit secret, 33 for 256 bits)"
            )
        elif reason.startswith("Invalid mnemonic checksum"):
            message = f"share {number} is damaged: its checksum does not match"
            hint = "a word is wrong, missing or out of order"
            raise InvalidShareError(message, hint=hint) from None
        elif reason.startswith("Invalid mnemonic padding"):
            message = f"share {number} is damaged: its padding is invalid"
        elif "Group threshold cannot be greater" in reason:
            message = f"share {number} is damaged: its group threshold exceeds its group count"
        else:
            message = f"share {number} is not a valid SLIP-39 share"
        raise InvalidShareError(message) from None


def describe(share: Secret | str) -> ShareInfo:
    """The public facts of one share (group, member, thresholds, identifier)."""
    parsed = _parse(_normalise(share, 1), 1)
    return ShareInfo(
        identifier=parsed.identifier,
        extendable=parsed.extendable,
        iteration_exponent=parsed.iteration_exponent,
        group=parsed.group_index + 1,
        group_threshold=parsed.group_threshold,
        group_count=parsed.group_count,
        member=parsed.index + 1,
        member_threshold=parsed.member_threshold,
        words=len(parsed.words()),
    )


def _set_error(reason: str, parsed: Sequence[Share]) -> InvalidShareError:
    """A message for an error about the set of shares, built from facts, not words."""
    mismatch = re.match(r"Invalid set of mnemonics\. The (\w+) parameters don't match", reason)
    if mismatch:
        field = mismatch.group(1).replace("_", " ")
        return InvalidShareError(
            f"the shares do not belong together: their {field} differs",
            hint="they come from different backups, or one of them is damaged",
        )
    if reason.startswith("Invalid set of mnemonics. All mnemonics must begin"):
        return InvalidShareError(
            "the shares do not belong together: they come from different backups or schemes"
        )
    if reason.startswith("Invalid set of shares. Share indices must be unique"):
        return InvalidShareError("two different shares have the same member number in a group")
    if reason.startswith("Invalid digest"):
        return InvalidShareError(
            "the shares do not combine to a valid secret",
            hint="one of them is wrong or belongs to another backup",
        )
    needed = parsed[0].group_threshold
    groups: dict[int, list[Share]] = {}
    for share in parsed:
        groups.setdefault(share.group_index, []).append(share)
    if reason.startswith(
        ("Insufficient number of mnemonic groups", "Wrong number of mnemonic groups")
    ):
        given = f"{len(groups)} group" + ("s" if len(groups) != 1 else "")
        return InvalidShareError(
            f"shares from {given} were given; exactly {needed} groups are needed"
        )
    if reason.startswith("Wrong number of mnemonics"):
        for index, members in sorted(groups.items()):
            distinct = len({m.index for m in members})
            if distinct != members[0].member_threshold:
                verb = "was" if distinct == 1 else "were"
                return InvalidShareError(
                    f"group {index + 1} needs exactly {members[0].member_threshold} shares; "
                    f"{distinct} {verb} given"
                )
    return InvalidShareError("the shares cannot be combined")


def combine(shares: Sequence[Secret | str], passphrase: Secret | None = None) -> Secret:
    """The master secret the ``shares`` encode (decrypted with ``passphrase``, default empty).

    Needs exactly the threshold number of shares of exactly the threshold number of
    groups. Any passphrase decrypts to *some* secret: a wrong one is not detected here.
    Raises :class:`InvalidShareError` naming the share at fault where there is one.
    """
    if isinstance(shares, (str, Secret)):
        raise TypeError("shares is a sequence of shares")
    if not shares:
        raise InvalidShareError("no shares were given")
    mnemonics = [_normalise(share, n) for n, share in enumerate(shares, start=1)]
    parsed = [_parse(m, n) for n, m in enumerate(mnemonics, start=1)]
    secret_passphrase = _passphrase_bytes(passphrase)
    try:
        groups = shamir_mnemonic.decode_mnemonics(mnemonics)
        encrypted = shamir_mnemonic.recover_ems(groups)
    except shamir_mnemonic.MnemonicError as exc:
        raise _set_error(str(exc), parsed) from None
    return Secret(encrypted.decrypt(secret_passphrase), label="master secret")


def split_bip39(
    phrase: bip39.Phrase | Secret | str,
    *,
    threshold: int | None = None,
    shares: int | None = None,
    groups: Sequence[tuple[int, int]] | None = None,
    group_threshold: int = 1,
    passphrase: Secret | None = None,
    extendable: bool = True,
) -> list[list[Secret]]:
    """Split a BIP39 phrase's entropy into SLIP-39 shares (see the module note).

    :func:`combine_to_bip39` gives back the same phrase. A SLIP-39 ``passphrase`` here
    protects the shares; it is not the phrase's BIP39 passphrase, which still applies
    after recovery. Combining with a wrong SLIP-39 passphrase yields a different phrase.
    """
    checked = phrase if isinstance(phrase, bip39.Phrase) else bip39.check(phrase)
    return split(
        checked.entropy(),
        threshold=threshold,
        shares=shares,
        groups=groups,
        group_threshold=group_threshold,
        passphrase=passphrase,
        extendable=extendable,
    )


def combine_to_bip39(
    shares: Sequence[Secret | str],
    language: str = "english",
    passphrase: Secret | None = None,
) -> Secret:
    """The BIP39 phrase whose entropy the shares hold (made by :func:`split_bip39`).

    Shares a Trezor made hold a SLIP-39 master secret, not BIP39 entropy: a 16- or 32-byte
    one still converts to a valid phrase, but that phrase is a different wallet from the
    Trezor's. Restore such shares on a SLIP-39 wallet instead.
    """
    secret = combine(shares, passphrase)
    if len(secret) not in _BIP39_ENTROPY_BYTES:
        raise InvalidShareError(
            f"these shares hold a {len(secret)}-byte secret, which is not a BIP39 phrase",
            hint="shares made by a Trezor hold a SLIP-39 master secret; restore them there",
        )
    return bip39.from_entropy(secret, language)

"""The drill of a split recovery kit: every T-of-N combination of its SLIP-39 shares.

A kit split into SLIP-39 shares of the vault key (``keyvault paper kit --split``) is
only as good as its weakest allowed combination: an heir holding *any* T of the N
printed shares must recover the vault key. :func:`drill_shares` combines every
combination the given shares allow (within each group its member threshold, across
groups the group threshold) and checks that each opens the vault key whose public
recipient the config names. Only public facts appear in the result (group and member
numbers, counts, reasons); never a share or the key.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from keyvault.crypto import X25519Identity
from keyvault.errors import InvalidShareError
from keyvault.secret import Secret
from keyvault.seedphrase import slip39

__all__ = ["MAX_COMBINATIONS", "ShareDrill", "drill_shares"]

#: At most this many combinations are combined in one drill (each costs a PBKDF2).
MAX_COMBINATIONS = 1000
_VAULT_KEY_BYTES = 32


@dataclass(frozen=True)
class ShareDrill:
    """What :func:`drill_shares` found."""

    #: Distinct shares read.
    shares: int
    #: Combinations combined, and the ones that did not open the vault key, as
    #: ("group g member m + ...", why).
    combinations: int
    failed: tuple[tuple[str, str], ...]
    #: True when more combinations were allowed than :data:`MAX_COMBINATIONS`.
    truncated: bool = False

    @property
    def ok(self) -> bool:
        """True when at least one combination was allowed and every one opened the key."""
        return self.combinations > 0 and not self.failed

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "shares": self.shares,
            "combinations": self.combinations,
            "failed": [{"shares": who, "message": why} for who, why in self.failed],
            "truncated": self.truncated,
            "ok": self.ok,
        }


def _label(chosen: Sequence[tuple[slip39.ShareInfo, Secret]]) -> str:
    return " + ".join(f"group {i.group} share {i.member}" for i, _ in chosen)


def _combinations(
    readable: Sequence[tuple[slip39.ShareInfo, Secret]],
) -> Iterator[list[tuple[slip39.ShareInfo, Secret]]]:
    """Every set of shares SLIP-39 allows: ``group_threshold`` groups, and in each chosen
    group ``member_threshold`` of its shares."""
    groups: dict[int, list[tuple[slip39.ShareInfo, Secret]]] = {}
    for entry in readable:
        groups.setdefault(entry[0].group, []).append(entry)
    usable = {
        g: members
        for g, members in groups.items()
        if len(members) >= members[0][0].member_threshold
    }
    needed = readable[0][0].group_threshold
    for chosen_groups in itertools.combinations(sorted(usable), needed):
        per_group = [
            itertools.combinations(usable[g], usable[g][0][0].member_threshold)
            for g in chosen_groups
        ]
        for parts in itertools.product(*per_group):
            yield [entry for part in parts for entry in part]


def drill_shares(shares: Sequence[Secret], recipient: str) -> ShareDrill:
    """Combine every allowed combination of ``shares`` (a split kit's, one per printed
    share, duplicates already removed) and check that each opens the vault key of public
    ``recipient``. A share that cannot be read is reported on its own and left out."""
    readable: list[tuple[slip39.ShareInfo, Secret]] = []
    failed: list[tuple[str, str]] = []
    seen: set[tuple[int, int, int]] = set()
    for number, share in enumerate(shares, start=1):
        try:
            info = slip39.describe(share)
        except InvalidShareError as exc:
            failed.append((f"share {number} as given", exc.message))
            continue
        if (info.identifier, info.group, info.member) not in seen:
            seen.add((info.identifier, info.group, info.member))
            readable.append((info, share))
    readable.sort(key=lambda entry: (entry[0].group, entry[0].member))
    count, truncated = 0, False
    for chosen in _combinations(readable) if readable else iter(()):
        if count == MAX_COMBINATIONS:
            truncated = True
            break
        count += 1
        try:
            secret = slip39.combine([share for _, share in chosen])
        except InvalidShareError as exc:
            failed.append((_label(chosen), exc.message))
            continue
        try:
            opened = (
                str(X25519Identity.from_bytes(secret).recipient)
                if len(secret) == _VAULT_KEY_BYTES
                else None
            )
        finally:
            secret.wipe()
        if opened != recipient:
            failed.append((_label(chosen), "these shares open another key than the vault key"))
    if readable and count == 0:
        info = readable[0][0]
        failed.append(
            (
                "all shares given",
                f"too few shares for any combination ({info.member_threshold} of a group, "
                f"{info.group_threshold} group(s) needed)",
            )
        )
    return ShareDrill(len(readable), count, tuple(failed), truncated)

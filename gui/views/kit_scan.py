"""Reading the vault key from a photo or PDF of a recovery kit (the heir's path).

:func:`read_kit` runs on the pool: the core scans the file's QR codes
(:func:`keyvault.paper.scan.scan_file`); an ``AGE-SECRET-KEY-1...`` code is the vault
key itself, SLIP-39 share codes are gathered across scans until enough of them give the
key back (:func:`keyvault.paper.kit.identity_from_shares`). Only the key's public half
is ever shown.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from pathlib import Path

from keyvault.crypto import X25519Identity
from keyvault.crypto.keys import parse_identity
from keyvault.errors import InvalidShareError
from keyvault.paper import kit
from keyvault.paper.scan import scan_file, secrets_of
from keyvault.secret import Secret

__all__ = ["KitScan", "read_kit"]

#: Share pages tried together at most (a kit has a handful; this bounds the combinations).
MAX_SHARES = 10


@dataclass
class KitScan:
    """What one scan gave: the key (when complete), the shares so far, and in words."""

    identity: X25519Identity | None
    message: str
    shares: list[Secret] = field(default_factory=list)


def read_kit(path: Path, earlier_shares: list[Secret]) -> KitScan:
    """The vault key from the kit page(s) at ``path`` plus ``earlier_shares``."""
    results = scan_file(path)
    keys = secrets_of(results, "age-identity")
    if keys:
        key = parse_identity(keys[0])
        for text in keys:
            text.wipe()
        return KitScan(key, f"key read from the kit (vault public key {key.recipient})")
    shares = list(earlier_shares)
    for share in secrets_of(results, "slip39-share"):
        if any(share.equals(s) for s in shares):
            share.wipe()
        else:
            shares.append(share)
    if not shares:
        return KitScan(None, f"no key or share QR code found in {path.name}", shares)
    combined, problem = _combine(shares)
    if combined is None:
        return KitScan(
            None, f"{len(shares)} share(s) read; {problem}: scan another share page", shares
        )
    for share in shares:
        share.wipe()
    return KitScan(combined, f"key put together from the shares ({combined.recipient})")


def _combine(shares: list[Secret]) -> tuple[X25519Identity | None, str]:
    """The key from the fewest shares that give it (SLIP-39 wants exactly the threshold,
    and a PDF of the whole kit holds them all), or None and why not."""
    problem = "not enough shares"
    for size in range(1, min(len(shares), MAX_SHARES) + 1):
        for group in itertools.combinations(shares[:MAX_SHARES], size):
            try:
                return kit.identity_from_shares(group), ""
            except InvalidShareError as exc:
                problem = exc.message
    return None, problem

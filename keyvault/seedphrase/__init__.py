"""Seed phrases and the other seed formats owners meet. Pure formats, no I/O.

- :mod:`.bip39`: ``generate``, ``check`` (precise errors), ``from_entropy``, ``to_seed``.
- :mod:`.slip39`: ``split``/``combine`` Shamir shares; ``split_bip39``/``combine_to_bip39``.
- :mod:`.seedqr`: SeedSigner's Standard and Compact SeedQR payloads.
- :mod:`.wallet`: master fingerprint, account xpub and first addresses (embit).
- :mod:`.codex32` (+ :mod:`.codex32_correction`): BIP-93 seeds and shares, with errors
  that locate wrong characters.
- :mod:`.bip85`: deterministic child phrases, keys and passwords.
- :mod:`.electrum`: recognise Electrum seeds and derive what Electrum derives.
- :mod:`.seedxor`: Coldcard's Seed XOR parts.
- :mod:`.plate`: metal-plate encodings (1248 columns, binary grid).

The submodules are the API; this package re-exports the names most callers need.
"""

from __future__ import annotations

from .bip39 import LANGUAGES, WORD_COUNTS, Phrase, check, from_entropy, generate, to_seed
from .seedqr import from_payload as from_seedqr
from .seedqr import to_compact as to_compact_seedqr
from .seedqr import to_standard as to_seedqr
from .slip39 import combine, combine_to_bip39, split, split_bip39
from .wallet import WalletInfo, inspect, master_fingerprint

__all__ = [
    "LANGUAGES",
    "WORD_COUNTS",
    "Phrase",
    "WalletInfo",
    "check",
    "combine",
    "combine_to_bip39",
    "from_entropy",
    "from_seedqr",
    "generate",
    "inspect",
    "master_fingerprint",
    "split",
    "split_bip39",
    "to_compact_seedqr",
    "to_seed",
    "to_seedqr",
]

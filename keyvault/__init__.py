"""keyvault: keep cryptocurrency keys from being lost.

The front door. Most code needs only these:

- :mod:`keyvault.seedphrase`: create and check BIP39 phrases (``generate``, ``check``),
  SLIP-39 shares (``split``/``combine``), SeedQR (``to_seedqr``/``from_seedqr``), and
  ``inspect`` a wallet (fingerprint, xpub, addresses).
- :mod:`keyvault.crypto`: age v1 files: ``encrypt``/``decrypt`` streams to X25519 or
  scrypt recipients; the vault key is an ``X25519Identity``, shown as its 24-word
  recovery phrase by :mod:`keyvault.crypto.vaultkey` (``identity_to_words``/
  ``identity_from_words``).
- :mod:`keyvault.backup`: back up protected items to destinations under the 3-2-1 policy,
  verify, restore and recover.
- :mod:`keyvault.paper`: print phrase sheets, SLIP-39 share sheets and the heir's kit.

Advanced: :mod:`keyvault.destinations` (the ``Destination`` protocol: local folders, B2,
and the one wrapper stack every run talks through), :mod:`keyvault.layout` (where
everything lives at a destination),
:mod:`keyvault.vault` (config and local state), :mod:`keyvault.errors` (every error a user
can see), :mod:`keyvault.secret` (the redacted ``Secret`` type).

Compatibility promise: every file keyvault writes is a standard format (age v1, BIP39,
SLIP-39, SeedQR, tar, JSON) and any backup written by a stable release opens in every
later release, and with the stock ``age`` CLI without keyvault at all.

The core is headless: it never imports the CLI, the GUI, Qt or the CLI framework.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]

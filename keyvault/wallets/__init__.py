"""Wallets on this machine: where each wallet program keeps its files, how to recognise
them, and how to copy one safely while its program may be running.

- :mod:`.discover`: the engine: every scanner over its default places and the folders
  the user names (``discover``, ``scan_data_dir``), and the items to propose.
- :mod:`.scanners`: each wallet program declared once, as data (places per OS, layout,
  file patterns, formats, encryption, notes), and the ``WalletFind`` a scan reports.
- :mod:`.locations`: the per-OS base folders those places are named from.
- :mod:`.formats`: a file's format from its first bytes; each wallet's record of
  encryption.
- :mod:`.node`: Bitcoin Core and its forks: conf files, wallets in a data dir, the
  ``backupwallet`` RPC.
- :mod:`.copy`: a consistent, checked copy of a wallet file (``copy_wallet``).
- :mod:`.identity`: the public facts that name the wallet an item opens.

Submodules are imported by name (importing this package imports none of them).
"""

__all__ = ["copy", "discover", "formats", "identity", "locations", "node", "scanners"]

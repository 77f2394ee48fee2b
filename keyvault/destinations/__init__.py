"""Backup destinations behind one small protocol, and the one wrapper stack over them.

- :mod:`.base`: the ``Destination`` protocol and its error contract.
- :mod:`.wrappers`: retry within an attempt budget, bounded reads, read-back
  verification, dry run; ``wrap`` applies them once per destination and run.
- :mod:`.factory`: a config entry to a destination (``open_destination``).
- :mod:`.local` (a folder on a drive), ``b2`` (a B2 bucket prefix), :mod:`.memory`
  (tests); :mod:`.mounts`: mount points, media kinds and filesystem UUIDs.

Submodules are imported by name (B2 support pulls in b2sdk only when used).
"""

__all__ = ["b2", "base", "factory", "local", "memory", "mounts", "wrappers"]

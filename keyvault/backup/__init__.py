"""Backups under the 3-2-1 policy: the engine and what it is made of.

The front door is :mod:`keyvault.backup.engine` (``backup``, ``status``, ``verify``,
``repair``, ``restore``, ``recover``, ``recover_from_source``, ``list_source`` and their
reports). The
modules, each named for its one job:

- :mod:`.engine`: a backup run, from originals to checked copies at every destination.
- :mod:`.status`: the 3-2-1 verdicts from local state; :mod:`.policy` (pure) decides them.
- :mod:`.verify`: present, intact, restorable checks, and repair from a good copy.
- :mod:`.restore`: restore one item, recover a whole vault from a destination;
  :mod:`.sealcheck` what recover learns from the owner's seal; :mod:`.untar` safe
  extraction of a folder archive.
- :mod:`.run`: one engine call's context (config, keys, state, wrapped destinations).
- :mod:`.originals`: the one place originals are read; :mod:`.snapshot` their bytes.
- :mod:`.transfer`: bytes to and from a destination (checked puts, streamed reads).
- :mod:`.untar`: a folder archive extracted safely (tarfile's ``data`` filter rules).
- :mod:`.catalog`: what each destination holds; its manifest built, read and written.
- :mod:`.manifest`: the manifest document (pure: encrypt, decrypt, seal).
- :mod:`.retention` (pure): which versions are kept; :mod:`.room`: pruning to make room
  for the newest version at a full destination; :mod:`.reports`: what calls return.
- :mod:`.setup`: adding and checking destinations (``dest add``).
- :mod:`.drill`: recovery drills (the owner proves a restore works); :mod:`.drilldates`
  when each copy was last drilled, which are overdue or failed; :mod:`.sharedrill` every
  T-of-N combination of a split kit's shares.
- :mod:`.proof`: which wallet a copy holds (identities recorded, rebuilt, compared).
- :mod:`.sources`: a source seen with only the vault key: its vault folders, the
  authentic manifest, and :func:`~.sources.list_source` (what it holds, for a preview).

Submodules are imported by name (importing this package imports none of them, so the
CLI's start-up stays light).
"""

__all__ = [
    "catalog",
    "drill",
    "drilldates",
    "engine",
    "manifest",
    "originals",
    "policy",
    "proof",
    "reports",
    "restore",
    "retention",
    "room",
    "run",
    "sealcheck",
    "setup",
    "sharedrill",
    "snapshot",
    "sources",
    "status",
    "transfer",
    "untar",
    "verify",
]

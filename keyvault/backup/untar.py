"""Extract a folder archive safely, with or without tarfile's extraction filters.

A folder item is stored as a tar whose members all sit under one root folder. Restoring it
must never write outside the new folder, whatever the archive says: this module moves the
members from ``root/...`` to ``...`` and applies the rules of tarfile's ``data`` filter
(PEP 706): no absolute names, no ``..`` out of the folder, no link that points outside it,
no device or FIFO, no set-uid bits or group/other write permission, no owners.

Python gained those filters in 3.11.4 (and 3.10.12). Debian 12's own Python is 3.11.2,
which has none (``extractall`` there takes no ``filter``), so on such a Python the same rules
are applied here, member by member, and attributes are set without ever changing an owner.
Either way files and subfolders get their archived modification times and modes within
those rules (a folder's mode too, which the ``data`` filter alone would leave at the
process's default).

Errors: :class:`~keyvault.errors.DamagedFileError` for a member that breaks a rule (with the
filters, tarfile's own ``FilterError`` for the rules it checks); ``tarfile.TarError`` for an
archive that cannot be read.
"""

from __future__ import annotations

import copy
import os
import tarfile
from collections.abc import Callable
from pathlib import Path

from keyvault.errors import DamagedFileError

__all__ = ["MemberFilter", "extract_folder", "strip_root_filter"]

#: tarfile's filter signature: the member and the destination folder, the member to extract
#: (possibly changed) or ``None`` to skip it.
MemberFilter = Callable[[tarfile.TarInfo, str], "tarfile.TarInfo | None"]

#: True when this Python's tarfile has the PEP 706 extraction filters.
HAS_FILTERS = hasattr(tarfile, "data_filter")


def _inside(path: str, folder: str) -> bool:
    return os.path.commonpath([path, folder]) == folder


def _folder_mode(member: tarfile.TarInfo) -> int:
    """A folder's mode by the data filter's rule for files (no set-uid/gid or sticky bit,
    no group or other write), the owner always allowed in. The filter itself leaves a
    folder's mode alone (the process's default); keyvault keeps the archived one."""
    return (member.mode & 0o755) | 0o700


def _data_filter(member: tarfile.TarInfo, destination: str) -> tarfile.TarInfo:
    """The ``data`` filter's rules (CPython's ``_get_filtered_attrs`` with ``for_data``),
    a folder's mode kept as :func:`_folder_mode` says."""
    if HAS_FILTERS:
        filtered = tarfile.data_filter(member, destination)
        if filtered.isdir():
            filtered = filtered.replace(mode=_folder_mode(member), deep=False)
        return filtered
    folder = os.path.realpath(destination)
    changed = copy.copy(member)
    name = member.name.lstrip("/" + os.sep)
    if os.path.isabs(name):
        raise DamagedFileError("the folder archive has an absolute path")
    if not _inside(os.path.realpath(os.path.join(folder, name)), folder):
        raise DamagedFileError("the folder archive has an entry outside its folder")
    changed.name = name
    mode = member.mode & 0o755
    if member.isreg() or member.islnk():
        if not mode & 0o100:
            mode &= ~0o111
        changed.mode = mode | 0o600
    elif member.isdir() or member.issym():
        changed.mode = _folder_mode(member) if member.isdir() else member.mode
    else:
        raise DamagedFileError("the folder archive holds a device or FIFO")
    if member.islnk() or member.issym():
        if os.path.isabs(member.linkname):
            raise DamagedFileError("the folder archive has a link to an absolute path")
        base = os.path.dirname(name) if member.issym() else ""
        target = os.path.realpath(os.path.join(folder, base, member.linkname))
        if not _inside(target, folder):
            raise DamagedFileError("the folder archive has a link outside its folder")
    return changed


def strip_root_filter(root: str) -> MemberFilter:
    """The ``data`` filter's rules, after moving members from ``root/...`` to ``...``.

    The root entry itself is skipped; a member outside ``root`` (or a hard link to one) is
    :class:`~keyvault.errors.DamagedFileError`.
    """

    def strip(member: tarfile.TarInfo, destination: str) -> tarfile.TarInfo | None:
        head, _, rest = member.name.partition("/")
        if head != root:
            raise DamagedFileError("the folder archive has an entry outside its folder")
        if not rest:
            return None
        moved = copy.copy(member)
        moved.name = rest
        if member.islnk():
            link_head, _, link_rest = member.linkname.partition("/")
            if link_head != root:
                raise DamagedFileError("the folder archive has a link outside its folder")
            moved.linkname = link_rest
        return _data_filter(moved, destination)

    return strip


def extract_folder(tar: tarfile.TarFile, out: Path, member_filter: MemberFilter) -> None:
    """Extract every member of ``tar`` (a stream is fine) into ``out`` through the filter."""
    if HAS_FILTERS:
        tar.extractall(out, filter=member_filter)  # noqa: S202 - filtered
        return
    # No filters on this Python: extract member by member without tarfile setting owners
    # or modes (it would chown as root), then set modes and times ourselves, folders last
    # so that creating their files does not move their times again.
    folders: list[tarfile.TarInfo] = []
    for member in tar:
        kept = member_filter(member, str(out))
        if kept is None:
            continue
        tar.extract(kept, out, set_attrs=False)
        target = out / kept.name
        if kept.isdir():
            folders.append(kept)
        elif kept.isreg() or kept.islnk():
            os.chmod(target, kept.mode)
            os.utime(target, (kept.mtime, kept.mtime))
    for folder in sorted(folders, key=lambda m: m.name, reverse=True):
        target = out / folder.name
        os.chmod(target, folder.mode)
        os.utime(target, (folder.mtime, folder.mtime))

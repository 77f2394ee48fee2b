"""What the operating system says about the filesystem under a path.

Platform specifics live here, behind small functions, so the rest of keyvault asks plain
questions: which device and filesystem (UUID) holds this path, where is it mounted, and is
it an internal disk, a removable drive or a network share?

- Linux: ``/proc/self/mountinfo`` for the mount; the filesystem UUID from the mounted
  filesystem itself (the ``FS_IOC_GETFSUUID`` ioctl, Linux >= 6.5), else
  ``/dev/disk/by-uuid``, else ``blkid`` on the block device; ``/sys/dev/block`` for
  "removable" and "on USB".
- macOS: ``diskutil info -plist`` and ``mount`` (best effort).
- Windows: kernel32 volume functions through ctypes (best effort).

Every answer is best effort except :func:`device_id` and :func:`mount_point`: an unknown
UUID is ``None``, an unknown medium is ``"internal"``. Paths must exist.

Inside ``with cached():`` the mount table and each mount's facts (UUID, removable, the
macOS commands' answers) are read once and reused, so a run over many items and
destinations does not re-read ``/proc/self/mountinfo`` or fork ``blkid`` per question.
Outside a block every question reads afresh (a drive can be swapped between runs).
"""

from __future__ import annotations

import contextlib
import os
import plistlib
import re
import stat
import subprocess
import sys
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar, cast

from keyvault import childproc

from .base import MediaKind

__all__ = [
    "NETWORK_FILESYSTEMS",
    "OPTICAL_FILESYSTEMS",
    "MountEntry",
    "MountInfo",
    "cached",
    "device_id",
    "filesystem_uuid",
    "guess_media",
    "location_id",
    "media_for",
    "mount_info",
    "mount_point",
    "parse_mountinfo",
]

#: Filesystem types that live on another machine: a destination there is a NAS.
NETWORK_FILESYSTEMS = frozenset(
    {
        "nfs",
        "nfs4",
        "cifs",
        "smb",
        "smb3",
        "smbfs",
        "afpfs",
        "afp",
        "webdav",
        "davfs",
        "fuse.davfs2",
        "sshfs",
        "fuse.sshfs",
        "fuse.rclone",
        "ceph",
        "glusterfs",
        "fuse.glusterfs",
        "lustre",
        "9p",
    }
)
#: Filesystem types of optical discs.
OPTICAL_FILESYSTEMS = frozenset({"iso9660", "udf", "cd9660", "cdfs"})

_COMMAND_TIMEOUT = 10

#: ``struct fsuuid2 { __u8 len; __u8 uuid[16]; }`` (linux/fs.h): 17 bytes, no padding.
_FSUUID2_SIZE = 17
#: ``FS_IOC_GETFSUUID = _IOR(0x15, 0, struct fsuuid2)``: read direction (2) in bits 30-31,
#: the struct's size in bits 16-29, type 0x15 in bits 8-15, number 0 (= 0x80111500).
_FS_IOC_GETFSUUID = (2 << 30) | (_FSUUID2_SIZE << 16) | (0x15 << 8) | 0

_T = TypeVar("_T")

# The cache of :func:`cached`: one dict for the whole process (a run may ask from worker
# threads, which a ContextVar would not reach), alive while at least one block is open.
_cache_lock = threading.Lock()
_cache_depth = 0
_cache: dict[tuple[str, ...], object] = {}


@contextlib.contextmanager
def cached() -> Iterator[None]:
    """Within the block, read the mount table and each mount's facts once.

    Nestable and thread-safe: the cache lives until the outermost block ends. Inside it a
    drive swapped mid-block keeps its first answer (``device_id`` is never cached), so wrap
    one run, not a long-lived process.
    """
    global _cache_depth
    with _cache_lock:
        _cache_depth += 1
    try:
        yield
    finally:
        with _cache_lock:
            _cache_depth -= 1
            if _cache_depth == 0:
                _cache.clear()


def _memo(key: tuple[str, ...], compute: Callable[[], _T]) -> _T:
    """``compute()``, remembered under ``key`` while a :func:`cached` block is open."""
    with _cache_lock:
        active = _cache_depth > 0
        if active and key in _cache:
            return cast(_T, _cache[key])
    value = compute()
    if active:
        with _cache_lock:
            if _cache_depth > 0:
                _cache.setdefault(key, value)
    return value


@dataclass(frozen=True)
class MountEntry:
    """One line of Linux's ``/proc/self/mountinfo``."""

    major: int
    minor: int
    root: str
    mount_point: str
    fstype: str
    source: str


@dataclass(frozen=True)
class MountInfo:
    """The filesystem that holds a path."""

    mount_point: Path
    #: Filesystem type as the OS names it (``ext4``, ``nfs4``, ``apfs``, ``NTFS``), or "".
    fstype: str
    #: The mounted device or share (``/dev/sdb1``, ``server:/export``), or "".
    source: str
    fs_uuid: str | None
    removable: bool = False


def device_id(path: Path) -> int:
    """The id of the device holding ``path`` (``st_dev``); raises ``OSError`` if missing."""
    return os.stat(path).st_dev


def mount_point(path: Path) -> Path:
    """The mount point of the filesystem holding ``path`` (an existing path)."""
    current = Path(os.path.realpath(path))
    while not os.path.ismount(current):
        parent = current.parent
        if parent == current:
            break
        current = parent
    return current


# --- Linux --------------------------------------------------------------------------------

_ESCAPE = re.compile(r"\\([0-7]{3})")


def _unescape(field: str) -> str:
    return _ESCAPE.sub(lambda match: chr(int(match.group(1), 8)), field)


def parse_mountinfo(text: str) -> list[MountEntry]:
    """Parse ``/proc/self/mountinfo`` (proc(5)); malformed lines are skipped."""
    entries: list[MountEntry] = []
    for line in text.splitlines():
        fields = line.split(" ")
        try:
            separator = fields.index("-", 6)
            major, minor = (int(part) for part in fields[2].split(":"))
            entries.append(
                MountEntry(
                    major=major,
                    minor=minor,
                    root=_unescape(fields[3]),
                    mount_point=_unescape(fields[4]),
                    fstype=fields[separator + 1],
                    source=_unescape(fields[separator + 2]),
                )
            )
        except (ValueError, IndexError):
            continue
    return entries


def _read_mountinfo() -> list[MountEntry] | None:
    try:
        text = Path("/proc/self/mountinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    return parse_mountinfo(text)


def _linux_entry(path: Path) -> MountEntry | None:
    table = _memo(("mountinfo",), _read_mountinfo)
    if table is None:
        return None
    real = os.path.realpath(path)
    dev = os.stat(path).st_dev
    containing = [
        entry
        for entry in table
        if real == entry.mount_point or real.startswith(entry.mount_point.rstrip("/") + "/")
    ]
    same_device = [e for e in containing if (e.major, e.minor) == (os.major(dev), os.minor(dev))]
    # Prefer the entry of the path's own device (btrfs subvolumes not mounted on their own
    # have anonymous devices: fall back to the enclosing mount). The longest mount point
    # wins; among equal ones the later mount shadows the earlier (max keeps the last).
    candidates = same_device or containing
    if not candidates:
        return None
    longest = max(len(e.mount_point) for e in candidates)
    return [e for e in candidates if len(e.mount_point) == longest][-1]


def _block_rdev(source: str) -> int | None:
    if not source.startswith("/"):
        return None
    try:
        info = os.stat(source)
    except OSError:
        return None
    return info.st_rdev if stat.S_ISBLK(info.st_mode) else None


def _ioctl_uuid(path: Path) -> str | None:
    """The UUID the mounted filesystem holding ``path`` reports for itself.

    ``None`` when the filesystem has none (all zero). Raises ``OSError`` when the kernel
    (< 6.5) or the filesystem does not answer, or the answer is not a 16-byte UUID (the
    other readers then decide, keeping the form they gave before).
    """
    import fcntl  # POSIX only; this function is only reached on Linux

    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
    try:
        answer = bytearray(_FSUUID2_SIZE)
        fcntl.ioctl(fd, _FS_IOC_GETFSUUID, answer, True)
    finally:
        os.close(fd)
    if answer[0] != 16:
        raise OSError(f"FS_IOC_GETFSUUID gave a {answer[0]}-byte id")
    raw = bytes(answer[1:17])
    return None if raw == bytes(16) else str(uuid.UUID(bytes=raw))


def _linux_uuid(path: Path, source: str) -> str | None:
    rdev = _block_rdev(source)
    if rdev is None:
        # No block device (tmpfs, network shares): no lasting filesystem identity (a
        # tmpfs reports a random UUID per mount, which identifies nothing across mounts).
        return None
    # The mounted filesystem itself is the authority: the block device's reads can be
    # stale (a reused loop device gave the previous image's UUID to blkid).
    try:
        return _ioctl_uuid(path)
    except OSError:
        pass
    by_uuid = Path("/dev/disk/by-uuid")
    if by_uuid.is_dir():
        for link in sorted(by_uuid.iterdir()):
            try:
                if os.stat(link).st_rdev == rdev:
                    return link.name
            except OSError:
                continue
        return None
    # No udev (containers, minimal systems): ask libblkid to read the superblock. Its
    # cache (-c) is bypassed: a new drive on the old device name would get the old UUID.
    try:
        result = childproc.run(
            ["blkid", "-c", "/dev/null", "-s", "UUID", "-o", "value", source],
            timeout=_COMMAND_TIMEOUT,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    value = result.stdout.decode("utf-8", "replace").strip()
    return value or None


def _linux_removable(source: str) -> bool:
    rdev = _block_rdev(source)
    if rdev is None:
        return False
    node = Path(f"/sys/dev/block/{os.major(rdev)}:{os.minor(rdev)}")
    try:
        device = node.resolve(strict=True)
    except OSError:
        return False
    disk = device.parent if (device / "partition").exists() else device
    try:
        if (disk / "removable").read_text().strip() == "1":
            return True
    except OSError:
        pass
    return "/usb" in str(disk)


def _linux_info(path: Path) -> MountInfo | None:
    entry = _linux_entry(path)
    if entry is None:
        return None
    return MountInfo(
        mount_point=Path(entry.mount_point),
        fstype=entry.fstype,
        source=entry.source,
        fs_uuid=_memo(
            ("uuid", entry.mount_point, entry.source), lambda: _linux_uuid(path, entry.source)
        ),
        removable=_memo(("removable", entry.source), lambda: _linux_removable(entry.source)),
    )


# --- macOS --------------------------------------------------------------------------------


def _run(arguments: list[str]) -> str | None:
    return _memo(("run", *arguments), lambda: _run_uncached(arguments))


def _run_uncached(arguments: list[str]) -> str | None:
    try:
        result = childproc.run(arguments, timeout=_COMMAND_TIMEOUT)
    except (OSError, subprocess.SubprocessError):
        return None
    if result.returncode != 0:
        return None
    return result.stdout.decode("utf-8", "replace")


def _macos_info(path: Path) -> MountInfo:
    point = mount_point(path)
    fstype = source = ""
    listing = _run(["/sbin/mount"]) or ""
    for line in listing.splitlines():
        match = re.match(r"^(.*) on (.*) \(([^,)]+)", line)
        if match and match.group(2) == str(point):
            source, fstype = match.group(1), match.group(3)
    uuid: str | None = None
    removable = False
    raw = _run(["diskutil", "info", "-plist", str(point)])
    if raw:
        try:
            facts = plistlib.loads(raw.encode("utf-8"))
        except plistlib.InvalidFileException:
            facts = {}
        uuid = facts.get("VolumeUUID") or None
        removable = bool(
            facts.get("RemovableMedia") or facts.get("Ejectable") or not facts.get("Internal", True)
        )
    return MountInfo(point, fstype, source, uuid, removable)


# --- Windows ------------------------------------------------------------------------------


def _windows_info(path: Path) -> MountInfo:
    point = mount_point(path)
    uuid: str | None = None
    fstype = ""
    removable = False
    if sys.platform == "win32":
        import ctypes

        kernel32 = ctypes.windll.kernel32
        root = ctypes.create_unicode_buffer(1024)
        if kernel32.GetVolumePathNameW(str(path), root, len(root)):
            point = Path(root.value)
        volume = ctypes.create_unicode_buffer(1024)
        if kernel32.GetVolumeNameForVolumeMountPointW(root.value, volume, len(volume)):
            match = re.search(r"\{([0-9A-Fa-f-]+)\}", volume.value)
            uuid = match.group(1).lower() if match else None
        name = ctypes.create_unicode_buffer(256)
        if kernel32.GetVolumeInformationW(root.value, None, 0, None, None, None, name, 256):
            fstype = name.value
        drive_type = kernel32.GetDriveTypeW(root.value)
        removable = drive_type == 2  # DRIVE_REMOVABLE
        if drive_type == 4:  # DRIVE_REMOTE
            fstype = fstype or "smb"
        elif drive_type == 5:  # DRIVE_CDROM
            fstype = fstype or "cdfs"
    return MountInfo(point, fstype, "", uuid, removable)


# --- the questions ------------------------------------------------------------------------


def mount_info(path: Path) -> MountInfo:
    """What the OS tells about the filesystem holding ``path`` (best effort)."""
    path = Path(path)
    os.stat(path)  # missing paths raise here, on every platform
    if sys.platform.startswith("linux"):
        info = _linux_info(path)
        if info is not None:
            return info
    elif sys.platform == "darwin":
        return _macos_info(path)
    elif sys.platform == "win32":
        return _windows_info(path)
    return MountInfo(mount_point(path), "", "", None)


def filesystem_uuid(path: Path) -> str | None:
    """The UUID of the filesystem holding ``path``, when the OS tells; else ``None``."""
    return mount_info(path).fs_uuid


def media_for(fstype: str, removable: bool) -> MediaKind:
    """The media kind implied by a filesystem type and the removable flag (pure)."""
    kind = fstype.lower()
    if kind in NETWORK_FILESYSTEMS or kind.startswith("nfs"):
        return "nas"
    if kind in OPTICAL_FILESYSTEMS:
        return "optical"
    return "external" if removable else "internal"


def guess_media(path: Path) -> MediaKind:
    """A guess at the medium under ``path``: network share -> nas, removable -> external."""
    info = mount_info(path)
    return media_for(info.fstype, info.removable)


def location_id(path: Path) -> str:
    """An identity of the physical place holding ``path``, for "one place, one copy".

    ``fs:<uuid>`` when the filesystem UUID is known, ``net:<share>`` for a network share
    (two mounts of one share are one place), else ``dev:<major>:<minor>`` of the device.
    """
    info = mount_info(path)
    if info.fs_uuid:
        return f"fs:{info.fs_uuid.lower()}"
    if info.fstype.lower() in NETWORK_FILESYSTEMS and info.source:
        return f"net:{info.source}"
    dev = device_id(path)
    return f"dev:{os.major(dev)}:{os.minor(dev)}" if os.name != "nt" else f"dev:{dev}"

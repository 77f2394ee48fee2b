"""The platform functions of keyvault.destinations.mounts, checked against the real OS."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from keyvault.destinations import mounts

from .local_fixtures import make_ext4_image, mounted_ext4, mounted_tmpfs

linux_only = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="CI runs on Linux; this checks Linux's answer"
)

# Two lines in the format of proc(5), one with optional fields and an escaped space.
MOUNTINFO = (
    "36 35 98:0 /mnt1 /mnt/parent rw,noatime master:1 - ext3 /dev/root rw,errors=continue\n"
    "42 27 8:17 / /media/usb\\040drive rw,relatime shared:5 - vfat /dev/sdb1 rw,fmask=0022\n"
    "garbage line\n"
    "50 27 0:44 / /mnt/nas rw - nfs4 server:/export rw,vers=4.2\n"
)


def test_parse_mountinfo() -> None:
    entries = mounts.parse_mountinfo(MOUNTINFO)
    assert [(e.major, e.minor, e.mount_point, e.fstype, e.source) for e in entries] == [
        (98, 0, "/mnt/parent", "ext3", "/dev/root"),
        (8, 17, "/media/usb drive", "vfat", "/dev/sdb1"),
        (0, 44, "/mnt/nas", "nfs4", "server:/export"),
    ]
    assert entries[0].root == "/mnt1"


@pytest.mark.parametrize(
    ("fstype", "removable", "expected"),
    [
        ("ext4", False, "internal"),
        ("ext4", True, "external"),
        ("vfat", True, "external"),
        ("nfs4", False, "nas"),
        ("nfs", False, "nas"),
        ("cifs", False, "nas"),
        ("smb3", False, "nas"),
        ("fuse.sshfs", False, "nas"),
        ("iso9660", True, "optical"),
        ("udf", False, "optical"),
        ("apfs", False, "internal"),
        ("", False, "internal"),
    ],
)
def test_media_for(fstype: str, removable: bool, expected: str) -> None:
    assert mounts.media_for(fstype, removable) == expected


def _root_is_a_mount() -> bool:
    """Whether /proc/self/mountinfo lists a mount at ``/``: not so in a chroot into a plain
    folder, where findmnt then finds no mount for ``tmp_path`` and exits 1."""
    try:
        text = Path("/proc/self/mountinfo").read_text(encoding="utf-8")
    except OSError:
        return True  # no answer: let findmnt speak
    return any(entry.mount_point == "/" for entry in mounts.parse_mountinfo(text))


@linux_only
def test_mount_point_and_type_agree_with_findmnt(tmp_path: Path) -> None:
    if shutil.which("findmnt") is None:
        pytest.skip("findmnt is not installed")
    if not _root_is_a_mount():
        pytest.skip("/ is not a mount point (a chroot into a folder): findmnt has no answer")
    target, fstype = subprocess.run(
        ["findmnt", "-n", "-T", str(tmp_path), "-o", "TARGET,FSTYPE"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert mounts.mount_point(tmp_path) == Path(target)
    info = mounts.mount_info(tmp_path)
    assert info.mount_point == Path(target)
    assert info.fstype == fstype


def test_device_id_is_st_dev(tmp_path: Path) -> None:
    assert mounts.device_id(tmp_path) == os.stat(tmp_path).st_dev
    with pytest.raises(OSError):
        mounts.device_id(tmp_path / "missing")
    with pytest.raises(OSError):
        mounts.mount_info(tmp_path / "missing")


@linux_only
def test_a_tmpfs_is_its_own_place_without_uuid(tmp_path: Path) -> None:
    mount_point = tmp_path / "t"
    with mounted_tmpfs(mount_point, "1m"):
        inner = mount_point / "a" / "b"
        inner.mkdir(parents=True)
        info = mounts.mount_info(inner)
        assert info.mount_point == mount_point
        assert mounts.mount_point(inner) == mount_point
        assert (info.fstype, info.fs_uuid, info.removable) == ("tmpfs", None, False)
        assert mounts.guess_media(inner) == "internal"
        dev = os.stat(mount_point).st_dev
        assert mounts.location_id(inner) == f"dev:{os.major(dev)}:{os.minor(dev)}"
        assert mounts.location_id(inner) == mounts.location_id(mount_point)
        assert mounts.location_id(inner) != mounts.location_id(tmp_path)


@linux_only
def test_filesystem_uuid_of_a_real_ext4(tmp_path: Path) -> None:
    image = tmp_path / "fs.img"
    make_ext4_image(image, "3b1f2c4d-5e6f-4a1b-9c2d-3e4f5a6b7c8d")
    with mounted_ext4(image, tmp_path / "m") as mount_point:
        uuid = mounts.filesystem_uuid(mount_point)
        if uuid is None:
            pytest.skip("the OS does not tell filesystem UUIDs here (no udev, no blkid)")
        assert uuid == "3b1f2c4d-5e6f-4a1b-9c2d-3e4f5a6b7c8d"
        assert mounts.location_id(mount_point) == f"fs:{uuid}"
        assert mounts.mount_info(mount_point).fstype == "ext4"
        assert mounts.mount_info(mount_point).source.startswith("/dev/loop")
        assert mounts.guess_media(mount_point) == "internal"  # a loop device is not removable


@linux_only
def test_the_uuid_comes_from_the_mounted_filesystem_even_on_a_reused_loop_device(
    tmp_path: Path,
) -> None:
    """FS_IOC_GETFSUUID asks the mounted filesystem: a loop device reused for another
    image must not answer with the previous image's UUID (blkid could, from the block
    device's page cache)."""
    uuids = ["aaaaaaaa-1111-4222-8333-444444444444", "bbbbbbbb-1111-4222-8333-444444444444"]
    images = [tmp_path / "a.img", tmp_path / "b.img"]
    for image, uuid in zip(images, uuids, strict=True):
        make_ext4_image(image, uuid)
    where = tmp_path / "m"
    for turn in range(6):
        with mounted_ext4(images[turn % 2], where):
            try:
                direct = mounts._ioctl_uuid(where)
            except OSError as exc:
                pytest.skip(f"FS_IOC_GETFSUUID is not answered here (Linux < 6.5?): {exc}")
            assert direct == uuids[turn % 2]
            assert mounts.filesystem_uuid(where / ".") == uuids[turn % 2]
            assert mounts.location_id(where) == f"fs:{uuids[turn % 2]}"


@linux_only
def test_a_filesystem_without_a_block_device_has_no_uuid_even_if_the_kernel_makes_one(
    tmp_path: Path,
) -> None:
    # A tmpfs answers FS_IOC_GETFSUUID with a random UUID per mount: not an identity.
    with mounted_tmpfs(tmp_path / "t") as where:
        assert mounts.filesystem_uuid(where) is None

"""A local destination is there only while its marker (and filesystem UUID) say so."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import pytest

from keyvault.destinations import mounts
from keyvault.destinations.local import LocalDestination, create_marker, find_vaults
from keyvault.errors import DestinationError, DestinationUnavailableError, NotFoundError
from keyvault.layout import marker_key, parse_marker

from .local_fixtures import make_ext4_image, mounted_ext4, mounted_tmpfs

VAULT = "0f3c9a7e5b2d4c18"


def _all_operations_unavailable(dest: LocalDestination) -> None:
    with pytest.raises(DestinationUnavailableError):
        dest.check_available()
    with pytest.raises(DestinationUnavailableError):
        dest.location_id()
    with pytest.raises(DestinationUnavailableError):
        dest.put("keyvault/x/objects/a.age", io.BytesIO(b"abc"), 3)
    with pytest.raises(DestinationUnavailableError):
        dest.get("keyvault/x/objects/a.age", io.BytesIO())
    with pytest.raises(DestinationUnavailableError):
        dest.stat("keyvault/x/objects/a.age")
    with pytest.raises(DestinationUnavailableError):
        list(dest.list(""))
    with pytest.raises(DestinationUnavailableError):
        dest.delete("keyvault/x/objects/a.age")


def test_marker_holds_public_facts_only(tmp_path: Path) -> None:
    path = create_marker(tmp_path, VAULT, "2026-03-01T10:00:00Z")
    assert path == tmp_path / "keyvault" / VAULT / "vault.json"
    document = json.loads(path.read_text())
    assert document == {
        "keyvault": "destination marker",
        "format": 1,
        "vault_id": VAULT,
        "created": "2026-03-01T10:00:00Z",
    }
    assert parse_marker(path.read_bytes()).vault_id == VAULT
    assert find_vaults(tmp_path) == [VAULT]


def test_create_marker_keeps_an_existing_one_and_refuses_another_vault(tmp_path: Path) -> None:
    path = create_marker(tmp_path, VAULT, "2026-03-01T10:00:00Z")
    create_marker(tmp_path, VAULT, "2027-01-01T00:00:00Z")
    assert parse_marker(path.read_bytes()).created == "2026-03-01T10:00:00Z"
    (tmp_path / "keyvault" / "other").mkdir()
    (tmp_path / "keyvault" / "other" / "vault.json").write_text('{"format": 1, "vault_id": "x"}')
    with pytest.raises(DestinationError, match="another vault"):
        create_marker(tmp_path, "other", "2026-03-01T10:00:00Z")
    (tmp_path / "keyvault" / "junk").mkdir()
    (tmp_path / "keyvault" / "junk" / "vault.json").write_text("not json")
    with pytest.raises(DestinationError, match="not a keyvault marker"):
        create_marker(tmp_path, "junk", "2026-03-01T10:00:00Z")
    assert find_vaults(tmp_path) == [VAULT]


def test_create_marker_never_creates_the_folder_itself(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError):
        create_marker(tmp_path / "not-mounted", VAULT, "2026-03-01T10:00:00Z")
    assert not (tmp_path / "not-mounted").exists()


@pytest.mark.parametrize("bad", ["not json", "[1, 2]", '{"format": "1", "vault_id": "x"}', "{}"])
def test_parse_marker_rejects_non_markers(bad: str) -> None:
    with pytest.raises(ValueError):
        parse_marker(bad.encode())


def test_missing_marker_means_unavailable_and_nothing_is_written(tmp_path: Path) -> None:
    create_marker(tmp_path, VAULT, "2026-03-01T10:00:00Z")
    dest = LocalDestination("usb", tmp_path, vault_id=VAULT, media="external")
    dest.put(f"keyvault/{VAULT}/objects/a.age", io.BytesIO(b"abc"), 3)
    marker = tmp_path / marker_key(VAULT)
    marker.unlink()
    before = sorted(str(p) for p in tmp_path.rglob("*"))
    _all_operations_unavailable(dest)
    assert sorted(str(p) for p in tmp_path.rglob("*")) == before


def test_marker_of_another_vault_or_unreadable_means_damaged(tmp_path: Path) -> None:
    # Something in the marker's place is damage at a present drive (the run fails that
    # destination and exits 4), not a drive that is away.
    create_marker(tmp_path, VAULT, "2026-03-01T10:00:00Z")
    marker = tmp_path / marker_key(VAULT)
    marker.write_text('{"format": 1, "vault_id": "someone-else"}')
    dest = LocalDestination("usb", tmp_path, vault_id=VAULT)
    for content in ("garbage", None):
        with pytest.raises(DestinationError, match="damaged") as raised:
            dest.check_available()
        assert not isinstance(raised.value, DestinationUnavailableError)
        marker.unlink()
        if content is not None:
            marker.write_text(content)
        else:
            marker.symlink_to(tmp_path / "nowhere")
    with pytest.raises(DestinationError, match="damaged"):
        dest.check_available()


def test_missing_folder_means_unavailable(tmp_path: Path) -> None:
    dest = LocalDestination("usb", tmp_path / "gone", vault_id=VAULT)
    _all_operations_unavailable(dest)
    assert not (tmp_path / "gone").exists()


def test_recorded_uuid_that_differs_means_unavailable(tmp_path: Path) -> None:
    create_marker(tmp_path, VAULT, "2026-03-01T10:00:00Z")
    dest = LocalDestination(
        "usb", tmp_path, vault_id=VAULT, fs_uuid="00000000-dead-beef-0000-000000000000"
    )
    with pytest.raises(DestinationUnavailableError, match="another filesystem"):
        dest.put(f"keyvault/{VAULT}/objects/a.age", io.BytesIO(b"abc"), 3)
    assert not (tmp_path / "keyvault" / VAULT / "objects").exists()


def test_unmounted_drive_leaves_an_empty_mount_point_that_gets_no_writes(tmp_path: Path) -> None:
    mount_point = tmp_path / "media" / "usb"
    key = f"keyvault/{VAULT}/objects/a.age"
    with mounted_tmpfs(mount_point, "1m"):
        create_marker(mount_point, VAULT, "2026-03-01T10:00:00Z")
        dest = LocalDestination(
            "usb", mount_point, vault_id=VAULT, fs_uuid=mounts.filesystem_uuid(mount_point)
        )
        dest.put(key, io.BytesIO(b"ciphertext"), 10)
        drive_location = dest.location_id()
    # The drive is gone: the mount point is an empty folder on the internal disk.
    assert os.listdir(mount_point) == []
    _all_operations_unavailable(dest)
    assert os.listdir(mount_point) == []
    # Another, unmarked drive mounted there is not this destination either.
    with mounted_tmpfs(mount_point, "1m"):
        _all_operations_unavailable(dest)
        assert os.listdir(mount_point) == []
    assert os.listdir(mount_point) == []
    assert drive_location != mounts.location_id(tmp_path)


def test_a_different_drive_with_a_copied_marker_is_refused_by_uuid(tmp_path: Path) -> None:
    first, second = tmp_path / "a.img", tmp_path / "b.img"
    make_ext4_image(first, "11111111-2222-4333-8444-555555555555")
    make_ext4_image(second, "99999999-8888-4777-8666-555555555555")
    mount_point = tmp_path / "mnt"
    key = f"keyvault/{VAULT}/objects/a.age"
    with mounted_ext4(first, mount_point):
        uuid = mounts.filesystem_uuid(mount_point)
        if uuid is None:
            pytest.skip("the OS does not tell filesystem UUIDs here (no udev, no blkid)")
        assert uuid == "11111111-2222-4333-8444-555555555555"
        create_marker(mount_point, VAULT, "2026-03-01T10:00:00Z")
        dest = LocalDestination("usb", mount_point, vault_id=VAULT, fs_uuid=uuid)
        dest.put(key, io.BytesIO(b"first drive"), 11)
        assert dest.location_id() == f"fs:{uuid}"
    with mounted_ext4(second, mount_point):
        create_marker(mount_point, VAULT, "2026-03-01T10:00:00Z")  # a cloned marker
        with pytest.raises(DestinationUnavailableError, match="another filesystem"):
            dest.put(key, io.BytesIO(b"second"), 6)
        assert not (mount_point / "keyvault" / VAULT / "objects").exists()
    with mounted_ext4(first, mount_point):
        sink = io.BytesIO()
        dest.get(key, sink)
        assert sink.getvalue() == b"first drive"

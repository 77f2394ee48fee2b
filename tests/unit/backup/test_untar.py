"""keyvault.backup.untar: a folder archive extracts safely with tarfile's filters and, on a
Python without them (Debian 12's 3.11.2), through the same rules applied member by member."""

from __future__ import annotations

import io
import os
import stat
import tarfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from keyvault.backup import untar
from keyvault.backup.snapshot import open_snapshot
from keyvault.errors import DamagedFileError

from .test_snapshot import _tree


@pytest.fixture(params=["filters", "no-filters"])
def mode(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    if request.param == "no-filters":
        if untar.HAS_FILTERS:
            # Act as a Python without filters: tarfile itself filters nothing, so untar's
            # own rules are all that stand. Said explicitly, because left unset tarfile
            # warns from 3.12 on and applies its ``data`` filter from 3.14 on, which
            # would hide a hole in those rules.
            monkeypatch.setattr(
                tarfile.TarFile, "extraction_filter", staticmethod(tarfile.fully_trusted_filter)
            )
        monkeypatch.setattr(untar, "HAS_FILTERS", False)
    elif not untar.HAS_FILTERS:
        pytest.skip("this Python's tarfile has no extraction filters")
    yield request.param


def _extract(data: bytes, out: Path, root: str = "wallets") -> None:
    out.mkdir()
    with tarfile.open(fileobj=io.BytesIO(data), mode="r|") as tar:
        untar.extract_folder(tar, out, untar.strip_root_filter(root))


def test_a_snapshot_of_a_folder_comes_back_whole(mode: str, tmp_path: Path) -> None:
    root = _tree(tmp_path / "wallets")
    os.utime(root / "b" / "c.bin", (1_600_000_000, 1_600_000_000))
    out = tmp_path / "out"
    _extract(open_snapshot(root).read(), out)
    assert (out / "a.txt").read_bytes() == b"alpha\n"
    assert (out / "b" / "c.bin").read_bytes() == bytes(range(256)) * 10
    assert (out / "b" / "empty").read_bytes() == b""
    assert (out / "ünïcode name.dat").read_bytes() == b"x" * 1000
    assert os.readlink(out / "link-in") == "b/c.bin"
    assert os.stat(out / "run.sh").st_mode & 0o100
    assert not os.stat(out / "a.txt").st_mode & 0o022
    # The snapshot leaves out links that leave the folder and the FIFO.
    for skipped in ("link-out", "link-abs", "fifo"):
        assert not os.path.lexists(out / skipped)


def _archive(*members: tuple[tarfile.TarInfo, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        folder = tarfile.TarInfo("wallets")
        folder.type = tarfile.DIRTYPE
        tar.addfile(folder)
        for info, data in members:
            info.size = len(data) if info.isreg() else 0
            tar.addfile(info, io.BytesIO(data) if info.isreg() else None)
    return buffer.getvalue()


def _member(name: str, kind: bytes = tarfile.REGTYPE, link: str = "") -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = link
    return info


HOSTILE = {
    "outside the root": _member("other/evil"),
    "dot-dot": _member("wallets/../../escape"),
    "symlink out": _member("wallets/up", tarfile.SYMTYPE, "../../etc"),
    "absolute symlink": _member("wallets/abs", tarfile.SYMTYPE, "/etc/passwd"),
    "hard link outside the root": _member("wallets/hard", tarfile.LNKTYPE, "etc/passwd"),
    "device": _member("wallets/dev", tarfile.CHRTYPE),
    "fifo": _member("wallets/fifo", tarfile.FIFOTYPE),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_a_hostile_member_is_refused_and_nothing_lands_outside(
    mode: str, case: str, tmp_path: Path
) -> None:
    data = _archive((HOSTILE[case], b"x"))
    with pytest.raises((DamagedFileError, tarfile.TarError)):
        _extract(data, tmp_path / "out")
    outside = [p for p in tmp_path.iterdir() if p.name != "out"]
    assert outside == []


def test_set_uid_and_group_write_bits_are_dropped(mode: str, tmp_path: Path) -> None:
    risky = _member("wallets/tool")
    risky.mode = 0o4777
    _extract(_archive((risky, b"#!/bin/sh\n")), tmp_path / "out")
    mode_bits = stat.S_IMODE(os.stat(tmp_path / "out" / "tool").st_mode)
    assert mode_bits == 0o755

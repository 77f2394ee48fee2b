"""Path questions that never raise: a folder that vanishes or cannot be read while a
wallet program runs is simply not there (discovery is best effort and read-only)."""

from __future__ import annotations

from pathlib import Path

__all__ = ["children", "is_dir", "is_file", "size"]


def is_file(path: Path) -> bool:
    try:
        return path.is_file()
    except OSError:
        return False


def is_dir(path: Path) -> bool:
    try:
        return path.is_dir()
    except OSError:
        return False


def children(directory: Path) -> list[Path]:
    """The entries of ``directory``, sorted; none when it cannot be listed."""
    try:
        return sorted(directory.iterdir())
    except OSError:
        return []


def size(path: Path) -> int:
    """A file's size, or the sum of a folder's files; 0 when unreadable."""
    try:
        if path.is_dir():
            return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
        return path.stat().st_size
    except OSError:
        return 0

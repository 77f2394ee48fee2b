"""Who holds which share: a small, non-secret record of SLIP-39 and codex32 share sets.

A split kit lives for years: holders move, lose a share, or leave. This module keeps,
per share set, its public facts (scheme, identifier, threshold, share names) and which
holder has which share, with the date each holder last confirmed they still have it.
It never holds a share: only what is printed on the shares' headers anyway.

Stored as ``holders.json`` in the config dir (not in ``config.toml``), written atomically
with mode 0600, read without following a symlink, at most :data:`MAX_FILE_BYTES`, and
validated field by field (a damaged file raises :class:`ConfigError`, never a
traceback)::

    {"format": "keyvault share holders", "version": 1,
     "sets": [{"label": "family", "scheme": "codex32", "identifier": "x0ma",
               "threshold": 2, "shares": ["a", "c", "d"], "created": "2026-12-07",
               "retired": null, "note": "",
               "holders": [{"name": "Alice", "share": "a", "confirmed": "2026-12-07"}]}]}

A set is *retired* when a holder leaves and the secret is re-split: the old shares must
then be destroyed (with the new set's fresh identifier they can never mix).
"""

from __future__ import annotations

import errno
import json
import os
import re
import stat
from dataclasses import asdict, dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any, Literal

from keyvault.atomic import atomic_write
from keyvault.errors import ConfigError, NotFoundError

__all__ = [
    "FILE_NAME",
    "MAX_FILE_BYTES",
    "Holder",
    "Scheme",
    "ShareSet",
    "assign",
    "confirm",
    "load",
    "record",
    "retire",
]

FILE_NAME = "holders.json"
MAX_FILE_BYTES = 256 * 1024
_FORMAT = "keyvault share holders"
_MAX_SETS = 200
_MAX_HOLDERS = 64
_MAX_SHARES = 256
_NAME = re.compile(r"^[^\x00-\x1f\x7f]{1,100}$")
_SHARE = re.compile(r"^[0-9a-z/]{1,16}$")

Scheme = Literal["codex32", "slip39"]


@dataclass(frozen=True)
class Holder:
    """A person (or place) holding one share, and when they last confirmed having it."""

    name: str
    share: str  # codex32: the share index ("a"); SLIP-39: "group/member" ("1/2")
    confirmed: str  # ISO date


@dataclass(frozen=True)
class ShareSet:
    """The public facts of one split, and its holders."""

    label: str
    scheme: Scheme
    identifier: str
    threshold: int
    shares: tuple[str, ...]
    created: str
    retired: str | None = None
    note: str = ""
    holders: tuple[Holder, ...] = field(default=())


def _path(home: Path) -> Path:
    return Path(home) / FILE_NAME


def _read(path: Path) -> bytes | None:
    try:
        fd = os.open(
            path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
        )
    except FileNotFoundError:
        return None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise ConfigError(f"{path} is a symbolic link; refusing to follow it") from None
        raise ConfigError(f"cannot read {path}: {exc.strerror}") from None
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            raise ConfigError(f"{path} is not a regular file")
        data = handle.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise ConfigError(f"{path} is larger than {MAX_FILE_BYTES} bytes")
    return data


def _text(value: object, what: str, pattern: re.Pattern[str] = _NAME) -> str:
    if not isinstance(value, str) or not pattern.match(value):
        raise ConfigError(f"{FILE_NAME}: {what} is missing or invalid")
    return value


def _day(value: object, what: str) -> str:
    text = _text(value, what)
    try:
        date.fromisoformat(text)
    except ValueError:
        raise ConfigError(f"{FILE_NAME}: {what} is not a date") from None
    return text


def _parse_set(raw: object) -> ShareSet:
    if not isinstance(raw, dict):
        raise ConfigError(f"{FILE_NAME}: a share set is not an object")
    scheme = raw.get("scheme")
    if scheme not in ("codex32", "slip39"):
        raise ConfigError(f"{FILE_NAME}: unknown scheme")
    threshold = raw.get("threshold")
    if not isinstance(threshold, int) or isinstance(threshold, bool) or not 1 <= threshold <= 16:
        raise ConfigError(f"{FILE_NAME}: a threshold is invalid")
    shares = raw.get("shares")
    if not isinstance(shares, list) or len(shares) > _MAX_SHARES:
        raise ConfigError(f"{FILE_NAME}: a share list is invalid")
    holders = raw.get("holders", [])
    if not isinstance(holders, list) or len(holders) > _MAX_HOLDERS:
        raise ConfigError(f"{FILE_NAME}: a holder list is invalid")
    retired = raw.get("retired")
    note = raw.get("note", "")
    if not isinstance(note, str) or len(note) > 500:
        raise ConfigError(f"{FILE_NAME}: a note is invalid")
    parsed_holders = []
    for holder in holders:
        if not isinstance(holder, dict):
            raise ConfigError(f"{FILE_NAME}: a holder is not an object")
        parsed_holders.append(
            Holder(
                name=_text(holder.get("name"), "a holder's name"),
                share=_text(holder.get("share"), "a holder's share", _SHARE),
                confirmed=_day(holder.get("confirmed"), "a confirmation date"),
            )
        )
    return ShareSet(
        label=_text(raw.get("label"), "a set's label"),
        scheme=scheme,
        identifier=_text(raw.get("identifier"), "an identifier", _SHARE),
        threshold=threshold,
        shares=tuple(_text(s, "a share name", _SHARE) for s in shares),
        created=_day(raw.get("created"), "a creation date"),
        retired=None if retired is None else _day(retired, "a retirement date"),
        note=note,
        holders=tuple(parsed_holders),
    )


def load(home: Path) -> list[ShareSet]:
    """Every recorded share set (none when the file does not exist yet)."""
    data = _read(_path(home))
    if data is None:
        return []
    try:
        document = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise ConfigError(f"{FILE_NAME} is not valid JSON") from None
    if not isinstance(document, dict) or document.get("format") != _FORMAT:
        raise ConfigError(f"{FILE_NAME} is not a keyvault share holders file")
    sets = document.get("sets")
    if not isinstance(sets, list) or len(sets) > _MAX_SETS:
        raise ConfigError(f"{FILE_NAME}: the list of sets is invalid")
    return [_parse_set(raw) for raw in sets]


def _save(home: Path, sets: list[ShareSet]) -> None:
    document: dict[str, Any] = {"format": _FORMAT, "version": 1, "sets": [asdict(s) for s in sets]}
    data = (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    atomic_write(_path(home), data, mode=0o600)


def _find(sets: list[ShareSet], label: str) -> int:
    for index, share_set in enumerate(sets):
        if share_set.label == label and share_set.retired is None:
            return index
    raise NotFoundError(f"no current share set is labelled {label!r}")


def record(
    home: Path,
    label: str,
    *,
    scheme: Scheme,
    identifier: str,
    threshold: int,
    shares: tuple[str, ...],
    today: date,
    note: str = "",
) -> ShareSet:
    """Record a new share set (refused while a current set has the same label)."""
    sets = load(home)
    if any(s.label == label and s.retired is None for s in sets):
        raise ConfigError(
            f"a current share set is already labelled {label!r}",
            hint="retire it first (its shares must then be destroyed), or pick another label",
        )
    if len(sets) >= _MAX_SETS:
        raise ConfigError(f"{FILE_NAME} already holds {_MAX_SETS} sets")
    made = ShareSet(
        label=_text(label, "the label"),
        scheme=scheme,
        identifier=_text(identifier, "the identifier", _SHARE),
        threshold=threshold,
        shares=tuple(_text(s, "a share name", _SHARE) for s in shares),
        created=today.isoformat(),
        note=note,
    )
    _save(home, [*sets, made])
    return made


def assign(home: Path, label: str, holder: str, share: str, *, today: date) -> ShareSet:
    """Record that ``holder`` has ``share`` of the current set ``label`` (as of today)."""
    sets = load(home)
    index = _find(sets, label)
    current = sets[index]
    if share not in current.shares:
        raise ConfigError(
            f"set {label!r} has no share {share!r}",
            hint=f"its shares are {', '.join(current.shares)}",
        )
    if len(current.holders) >= _MAX_HOLDERS:
        raise ConfigError(f"set {label!r} already has {_MAX_HOLDERS} holders")
    entry = Holder(_text(holder, "the holder's name"), share, today.isoformat())
    kept = tuple(h for h in current.holders if h.name != holder)
    sets[index] = replace(current, holders=(*kept, entry))
    _save(home, sets)
    return sets[index]


def confirm(home: Path, label: str, holder: str, *, today: date) -> ShareSet:
    """Record that ``holder`` confirmed today that they still have their share."""
    sets = load(home)
    index = _find(sets, label)
    current = sets[index]
    if not any(h.name == holder for h in current.holders):
        raise NotFoundError(f"{holder!r} holds no share of set {label!r}")
    holders = tuple(
        replace(h, confirmed=today.isoformat()) if h.name == holder else h for h in current.holders
    )
    sets[index] = replace(current, holders=holders)
    _save(home, sets)
    return sets[index]


def retire(home: Path, label: str, *, today: date, note: str = "") -> ShareSet:
    """Mark the current set ``label`` retired (re-split): its shares must be destroyed."""
    sets = load(home)
    index = _find(sets, label)
    sets[index] = replace(sets[index], retired=today.isoformat(), note=note[:500])
    _save(home, sets)
    return sets[index]

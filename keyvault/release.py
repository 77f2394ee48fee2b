"""Where keyvault comes from: the one download source the owner controls.

Every install hint (the recovery kit, the CLI's hint for the desktop app) names this
source instead of a package name: ``keyvault-backup`` is not published on PyPI, and if a
stranger registered it, an heir following the kit would type the 24 words into the
stranger's program. The owner sets ``KEYVAULT_RELEASE_URL`` (the project's release page,
or where they keep the bundle: an ``https://`` address or an absolute path such as a USB
folder) and, where known, ``KEYVAULT_RELEASE_SHA256`` (the bundle's SHA-256); the kit
records both when it is printed. Unset, the hints say the source was not recorded and point
at the standard-tools route, which needs no keyvault.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass

from .errors import InvalidValueError

__all__ = ["ENV_SHA256", "ENV_URL", "ReleaseSource", "install_hint", "release_source"]

ENV_URL = "KEYVAULT_RELEASE_URL"
ENV_SHA256 = "KEYVAULT_RELEASE_SHA256"
#: Long enough for any release page, short enough to copy off paper by hand.
MAX_URL = 200
_URL = re.compile(r"(https://|/)[\x21-\x7e]+")
_SHA256 = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class ReleaseSource:
    """The download location (``https://`` or an absolute path) and the bundle's SHA-256."""

    url: str
    sha256: str | None = None


def release_source(environ: Mapping[str, str] | None = None) -> ReleaseSource | None:
    """The source set in ``environ`` (default: this process's), or None when unset.

    Raises :class:`~keyvault.errors.InvalidValueError` for a value that is not one printable
    ``https://`` address or absolute path of at most :data:`MAX_URL` characters, or a
    SHA-256 that is not 64 hex digits (a kit must not carry a garbled source).
    """
    env = os.environ if environ is None else environ
    url = env.get(ENV_URL, "").strip()
    digest = env.get(ENV_SHA256, "").strip().lower() or None
    if not url:
        if digest is not None:
            raise InvalidValueError(f"{ENV_SHA256} is set but {ENV_URL} is not")
        return None
    if len(url) > MAX_URL or not _URL.fullmatch(url):
        raise InvalidValueError(
            f"{ENV_URL} must be an https:// address or an absolute path "
            f"(printable, at most {MAX_URL} characters)"
        )
    if digest is not None and not _SHA256.fullmatch(digest):
        raise InvalidValueError(f"{ENV_SHA256} must be 64 hex digits")
    return ReleaseSource(url=url, sha256=digest)


def install_hint(source: ReleaseSource | None) -> str:
    """One sentence: where to get keyvault (and how to check it), or that it is unrecorded."""
    if source is None:
        return (
            "where to download keyvault was not recorded (the owner can set "
            f"{ENV_URL}); never install a program of that name from a search result"
        )
    check = f" and check that its SHA-256 is {source.sha256}" if source.sha256 else ""
    return f"install keyvault from {source.url}{check}"

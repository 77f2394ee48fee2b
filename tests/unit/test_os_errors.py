"""errors.from_os_error: an OSError nothing handled becomes a typed, user-ready error."""

from __future__ import annotations

import errno
import os

import pytest

from keyvault import errors


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        (errno.ENOSPC, errors.DiskFullError),
        (errno.EDQUOT, errors.DiskFullError),
        (errno.EROFS, errors.ReadOnlyError),
        (errno.EACCES, errors.PermissionDeniedError),
        (errno.EPERM, errors.PermissionDeniedError),
        (errno.EIO, errors.FileSystemError),
    ],
)
def test_each_errno_gets_its_type_the_path_and_the_system_words(
    code: int, kind: type[errors.FileSystemError]
) -> None:
    error = errors.from_os_error(OSError(code, os.strerror(code), "/media/out/wallet.dat"))
    assert type(error) is kind
    assert error.message == f"{os.strerror(code).lower()}: /media/out/wallet.dat"
    assert error.exit_code == errors.ExitCode.ERROR
    assert (error.hint is None) == (kind is errors.FileSystemError)


def test_an_oserror_without_words_or_path_still_reads() -> None:
    assert errors.from_os_error(OSError()).message == "oserror"


def test_the_path_asked_for_is_named_instead_of_a_temp_name_or_none() -> None:
    temp = OSError(errno.EROFS, os.strerror(errno.EROFS), "/media/out/.kv-tmp-wallet.dat.1f")
    named = errors.from_os_error(temp, "/media/out/wallet.dat")
    assert named.message == f"{os.strerror(errno.EROFS).lower()}: /media/out/wallet.dat"
    full = errors.from_os_error(OSError(errno.ENOSPC, os.strerror(errno.ENOSPC)), "/m/w.dat")
    assert full.message.endswith(": /m/w.dat") and isinstance(full, errors.DiskFullError)

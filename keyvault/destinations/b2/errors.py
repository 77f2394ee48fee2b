"""b2sdk's, requests' and the OS's failures mapped onto the destination error contract.

The contract is in :mod:`keyvault.destinations.base`: no b2sdk, requests or OS exception
leaves a public method of :class:`~.destination.B2Destination`; each becomes one of
keyvault's typed :class:`~keyvault.errors.DestinationError` subclasses. Whatever may pass
on another attempt (503, 429, timeouts, dropped connections, a corrupted or cut
transfer, a token still expired after b2sdk's one renewal) becomes
:class:`~keyvault.errors.RetryableDestinationError`: the engine's retry wrapper is the
one place that tries again. b2sdk is
imported inside the functions (this module loads with the package, before b2sdk is
needed).
"""

from __future__ import annotations

from keyvault.errors import (
    DestinationCredentialsError,
    DestinationError,
    DestinationFullError,
    DestinationPermissionError,
    DestinationUnavailableError,
    DestinationUnreachableError,
    ObjectNotFoundError,
    RetryableDestinationError,
)

__all__ = [
    "Mismatch",
    "Truncated",
    "describe",
    "is_connection_failure",
    "is_missing_bucket",
    "is_transient",
    "map_error",
]


class Mismatch(Exception):
    """Downloaded bytes do not match the object's recorded hash (maybe in transit)."""


class Truncated(Exception):
    """A download delivered fewer bytes than the object has."""


def is_transient(exc: BaseException) -> bool:
    """True for a failure that may pass when the operation is tried again."""
    import requests
    from b2sdk.v3.exception import (
        B2Error,
        FileSha1Mismatch,
        MaxRetriesExceeded,
        PartSha1Mismatch,
    )

    if isinstance(exc, Mismatch | Truncated | requests.RequestException | FileSha1Mismatch):
        return True
    if isinstance(exc, PartSha1Mismatch | MaxRetriesExceeded):
        return True
    return isinstance(exc, B2Error) and bool(exc.should_retry_http())


def is_connection_failure(exc: BaseException) -> bool:
    """True when the service could not be reached (or stopped answering) at all."""
    import requests
    from b2sdk.v3.exception import (
        B2ConnectionError,
        B2RequestTimeout,
        BrokenPipe,
        ConnectionReset,
        UnknownHost,
    )

    return isinstance(
        exc,
        B2ConnectionError
        | B2RequestTimeout
        | ConnectionReset
        | UnknownHost
        | BrokenPipe
        | requests.ConnectionError
        | requests.Timeout,
    )


def is_missing_bucket(exc: BaseException) -> bool:
    """True when B2 says the bucket (or the cached bucket id) does not exist."""
    from b2sdk.v3.exception import BucketIdNotFound, NonExistentBucket

    return isinstance(exc, NonExistentBucket | BucketIdNotFound)


def describe(exc: BaseException) -> str:
    """A short one-line description of ``exc`` (its type and first line, at most 200 chars)."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    name = type(exc).__name__
    return f"{name}: {text[:200]}" if text else name


def map_error(
    exc: BaseException, *, what: str, where: str, bucket: str, key_id: str
) -> DestinationError:
    """The contract's error for ``exc``, raised by ``what`` (an operation, in words) at
    ``where`` (the destination, in words) on ``bucket`` with application key ``key_id``."""
    from b2sdk.v3.exception import (
        AccessDenied,
        FileNotPresent,
        InvalidAuthToken,
        NotAllowedByAppKeyError,
        RestrictedBucket,
        RetentionWriteError,
        StorageCapExceeded,
        TransactionCapExceeded,
        Unauthorized,
        UnknownHost,
    )

    if isinstance(exc, Mismatch | Truncated):
        return RetryableDestinationError(f"{what} at {where}: {exc}")
    if is_missing_bucket(exc):
        return DestinationUnavailableError(
            f"bucket {bucket!r} of {where} does not exist (any more)"
        )
    if isinstance(exc, FileNotPresent):
        return ObjectNotFoundError(f"{what}: the object is missing at {where}")
    if isinstance(exc, InvalidAuthToken) and exc.code == "expired_auth_token":
        # b2sdk renewed the token once and B2 still calls it expired: try again later.
        return RetryableDestinationError(f"{what} at {where}: B2 says the token expired")
    if isinstance(exc, InvalidAuthToken):
        return DestinationCredentialsError(
            f"{where}: B2 no longer accepts the application key {key_id!r}"
        )
    if isinstance(exc, Unauthorized | NotAllowedByAppKeyError | RestrictedBucket):
        return DestinationPermissionError(
            f"{what} at {where}: the application key is not allowed to do this ({describe(exc)})"
        )
    if isinstance(exc, AccessDenied | RetentionWriteError):
        return DestinationPermissionError(f"{what} at {where}: access denied")
    if isinstance(exc, StorageCapExceeded):
        return DestinationFullError(
            f"{where}: the account's storage cap is reached",
            hint="raise the cap in the B2 web UI (Caps & Alerts)",
        )
    if isinstance(exc, TransactionCapExceeded):
        return DestinationUnavailableError(
            f"{where}: the account's daily transaction cap is reached",
            hint="raise the cap in the B2 web UI (Caps & Alerts) or wait until tomorrow",
        )
    if isinstance(exc, UnknownHost):
        return DestinationUnavailableError(f"{where} is unreachable ({what}: {describe(exc)})")
    if is_connection_failure(exc):
        # A timeout or a dropped connection: the next attempt may get through (retryable);
        # if none does, the destination counts as unreachable (unavailable) for the run.
        return DestinationUnreachableError(f"{where} is unreachable ({what}: {describe(exc)})")
    if is_transient(exc):  # before OSError: requests' errors are OSErrors too
        return RetryableDestinationError(f"{what} at {where} failed: {describe(exc)}")
    if isinstance(exc, OSError):
        return DestinationError(f"{what} at {where}: local I/O failed: {describe(exc)}")
    return DestinationError(f"{what} at {where} failed: {describe(exc)}")

"""Administration of a B2 destination: checking a key and bucket (``dest add``), and
making the heir's read-only key (``paper kit --b2-read-key``).

These are reached through :meth:`~.destination.B2Destination.probe` and
:meth:`~.destination.B2Destination.create_read_key`; they use the destination's
:class:`~.connection.B2Connection` (authorization, cache, bucket id, error mapping).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from keyvault import layout
from keyvault.errors import DestinationPermissionError
from keyvault.secret import Secret

from .errors import describe

if TYPE_CHECKING:
    from .destination import B2Destination

__all__ = [
    "READ_ONLY_CAPABILITIES",
    "REQUIRED_CAPABILITIES",
    "RETENTION_CAPABILITIES",
    "B2Probe",
    "create_read_key",
    "probe",
]

#: Capabilities keyvault cannot work without, and those Object Lock needs in addition.
REQUIRED_CAPABILITIES = ("listFiles", "readFiles", "writeFiles")
RETENTION_CAPABILITIES = ("writeFileRetentions",)
#: What a read-only key for the heir may do: find the bucket, list and download (all that
#: ``recover b2://bucket/prefix`` and ``b2 sync`` call), nothing else.
READ_ONLY_CAPABILITIES = ("listBuckets", "listFiles", "readFiles")


@dataclass(frozen=True)
class B2Probe:
    """What ``dest add`` learned about a key and a bucket (see :func:`probe`)."""

    bucket_id: str
    capabilities: tuple[str, ...]
    name_prefix: str | None
    #: None when the key may not read the bucket's settings.
    file_lock_enabled: bool | None
    can_bypass_governance: bool
    warnings: tuple[str, ...]


def probe(dest: B2Destination) -> B2Probe:
    """Check the key and the bucket for ``dest add``; raise precisely what is wrong.

    Authorizes (always, ignoring the cache), resolves the bucket and checks the key's
    capabilities and name prefix against the destination's settings. Costs up to two
    Class C calls (authorization, bucket lookup) plus one to read the bucket settings.
    """
    conn = dest.connection
    with conn.lock:
        conn.open()
        conn.run("authorization", conn.authorize, setup=False)
        conn.forget_bucket()
        conn.run("bucket lookup", lambda: None)
    allowed = conn.info.get_allowed()
    capabilities = tuple(str(c) for c in allowed.get("capabilities") or ())
    name_prefix = allowed.get("namePrefix")
    root = dest.root + layout.ROOT
    if name_prefix and not root.startswith(name_prefix):
        raise DestinationPermissionError(
            f"the application key only allows names starting with {name_prefix!r}, "
            f"but keyvault would write under {root!r}",
            hint=f"use --prefix {name_prefix.rstrip('/')!r} (or a longer prefix inside it)",
        )
    key_id = conn.credentials.key_id
    missing = [c for c in REQUIRED_CAPABILITIES if c not in capabilities]
    if dest.immutable:
        missing += [c for c in RETENTION_CAPABILITIES if c not in capabilities]
    if missing:
        raise DestinationPermissionError(
            f"the application key {key_id!r} lacks "
            f"{', '.join(missing)} (it has: {', '.join(capabilities) or 'nothing'})",
            hint="create a key with read and write access to this bucket",
        )
    warnings: list[str] = []
    if "deleteFiles" not in capabilities:
        warnings.append(
            "the key cannot delete files: old versions cannot be pruned and 'remove' "
            "cannot free space at B2"
        )
    lock_enabled = _bucket_settings(dest, warnings)
    if dest.immutable and lock_enabled is False:
        raise DestinationPermissionError(
            f"bucket {dest.bucket!r} does not have Object Lock enabled, so "
            "--immutable-days cannot protect anything",
            hint="create a bucket with Object Lock enabled, or leave out --immutable-days",
        )
    bypass = "bypassGovernance" in capabilities
    if dest.immutable and dest.retention_mode == "governance" and bypass:
        warnings.append(
            "this key has the bypassGovernance capability: whoever holds it can delete "
            "the locked copies, so they are not really immutable; use --compliance or a "
            "key without bypassGovernance"
        )
    assert conn.bucket_id is not None
    return B2Probe(
        bucket_id=conn.bucket_id,
        capabilities=capabilities,
        name_prefix=name_prefix,
        file_lock_enabled=lock_enabled,
        can_bypass_governance=bypass,
        warnings=tuple(warnings),
    )


def _bucket_settings(dest: B2Destination, warnings: list[str]) -> bool | None:
    """Whether the bucket has Object Lock; warns when old versions are never pruned."""
    from b2sdk.v3.exception import B2Error

    try:
        conn = dest.connection
        bucket = conn.api.get_bucket_by_id(conn.bucket_id).get_fresh_state()
    except B2Error as exc:
        warnings.append(f"could not read the bucket's settings ({describe(exc)})")
        return None
    rules = list(bucket.lifecycle_rules or [])
    prunes = any(
        (dest.root + layout.ROOT).startswith(str(rule.get("fileNamePrefix") or ""))
        and rule.get("daysFromHidingToDeleting")
        for rule in rules
    )
    if not prunes:
        warnings.append(
            "no lifecycle rule deletes old versions under this prefix: every overwritten "
            "manifest stays stored (and billed); consider the rule 'keep only the last "
            "version' (daysFromHidingToDeleting=1)"
        )
    return bool(bucket.is_file_lock_enabled)


def create_read_key(dest: B2Destination) -> tuple[str, Secret]:
    """Create a read-only application key for the bucket and prefix; (key ID, key).

    The key has :data:`READ_ONLY_CAPABILITIES`, no expiry, and is restricted to this
    bucket and to names under the destination's prefix (``keyvault/`` when it has
    none, so it never opens the rest of the bucket). It is made with the destination's
    own key, which needs ``writeKeys`` and no bucket restriction (B2 lets only such keys
    create keys): otherwise :class:`~keyvault.errors.DestinationPermissionError` says how
    to make one by hand. One Class C call (plus the authorization, if none is cached).
    """
    name_prefix = dest.root or layout.ROOT
    cleaned = "".join(c if c.isascii() and c.isalnum() else "-" for c in dest.name)
    key_name = f"keyvault-read-{cleaned}"[:100]

    def create() -> Any:
        api, bucket_id = dest.connection.ready()
        return api.create_key(
            list(READ_ONLY_CAPABILITIES),
            key_name,
            bucket_ids=[bucket_id],
            name_prefix=name_prefix,
        )

    try:
        created = dest.connection.run("creating a read-only key", create)
    except DestinationPermissionError:
        raise DestinationPermissionError(
            f"the application key {dest.connection.credentials.key_id!r} of B2 destination "
            f"{dest.name!r} may not create keys (it needs writeKeys and no bucket "
            "restriction)",
            hint=f"create a read-only key in the B2 web UI (Application Keys: bucket "
            f"{dest.bucket}, prefix {name_prefix}, Read Only), or store a key "
            "that may create keys for this destination",
        ) from None
    return str(created.id_), Secret(str(created.application_key), label="B2 key")

"""The B2 package's front door: what it exports, and that importing it loads no b2sdk."""

from __future__ import annotations

import subprocess
import sys

import keyvault.destinations.b2 as b2


def test_the_front_door_exports_exactly_this() -> None:
    assert sorted(b2.__all__) == [
        "B2Config",
        "B2Destination",
        "B2Probe",
        "B2Settings",
        "ENV_REALM",
        "READ_ONLY_CAPABILITIES",
        "RetentionMode",
        "SHA256_INFO",
        "cache_path_for",
        "open_b2_destination",
        "open_b2_source",
        "parse_b2_url",
        "realm_from_env",
    ]
    assert all(hasattr(b2, name) for name in b2.__all__)


def test_importing_the_package_does_not_load_b2sdk() -> None:
    # b2sdk's subclasses live in cache.py and http.py, imported when a destination opens.
    code = (
        "import sys, keyvault.destinations.b2, keyvault.destinations.b2.credentials; "
        "print(sorted(m for m in sys.modules if m.startswith('b2sdk') or "
        "m in ('keyvault.destinations.b2.cache', 'keyvault.destinations.b2.http')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout

"""KEYVAULT_RELEASE_URL / _SHA256: the one source every install hint names."""

from __future__ import annotations

import pytest

from keyvault.errors import InvalidValueError
from keyvault.release import ReleaseSource, install_hint, release_source

DIGEST = "0123456789abcdef" * 4


def test_unset_is_none_and_the_hint_says_unrecorded() -> None:
    assert release_source({}) is None
    hint = install_hint(None)
    assert "not recorded" in hint
    assert "pip install" not in hint


def test_url_and_digest_are_read_and_named() -> None:
    source = release_source(
        {
            "KEYVAULT_RELEASE_URL": " https://example.org/kv ",
            "KEYVAULT_RELEASE_SHA256": DIGEST.upper(),
        }
    )
    assert source == ReleaseSource("https://example.org/kv", DIGEST)
    assert install_hint(source) == (
        f"install keyvault from https://example.org/kv and check that its SHA-256 is {DIGEST}"
    )
    assert release_source({"KEYVAULT_RELEASE_URL": "/media/usb/keyvault"}) == ReleaseSource(
        "/media/usb/keyvault"
    )


@pytest.mark.parametrize(
    "env",
    [
        {"KEYVAULT_RELEASE_URL": "http://example.org/kv"},  # not https: tampered in transit
        {"KEYVAULT_RELEASE_URL": "keyvault-backup"},  # a bare package name
        {"KEYVAULT_RELEASE_URL": "https://example.org/a b"},
        {"KEYVAULT_RELEASE_URL": "https://example.org/" + "a" * 200},
        {"KEYVAULT_RELEASE_URL": "https://example.org/\u202ekv"},
        {"KEYVAULT_RELEASE_URL": "https://example.org/kv", "KEYVAULT_RELEASE_SHA256": "abc"},
        {"KEYVAULT_RELEASE_SHA256": DIGEST},
    ],
)
def test_bad_values_are_refused(env: dict[str, str]) -> None:
    with pytest.raises(InvalidValueError):
        release_source(env)

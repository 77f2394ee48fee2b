"""The recovery kit: key QR and share pages scanned back, the heir's path without keyvault."""

from __future__ import annotations

import itertools
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from keyvault.crypto import X25519Identity, decrypt_bytes
from keyvault.crypto.vaultkey import identity_from_words, identity_to_words
from keyvault.errors import InvalidShareError
from keyvault.paper import kit, render, sheets
from keyvault.secret import Secret
from keyvault.seedphrase import slip39
from keyvault.vault.config import (
    Config,
    DestinationConfig,
    ItemConfig,
    PhysicalCopyConfig,
    VaultSection,
)

from .roundtrip import rasterise, zbar, zxing

DAY = date(2026, 11, 2)
# The stock `shamir` command (python-shamir-mnemonic's console script, the entry point
# `shamir_mnemonic.cli:cli`), run by this interpreter so that it is found whether or not
# the venv is activated or its scripts directory is on PATH.
SHAMIR = (sys.executable, "-m", "shamir_mnemonic.cli")
VAULT_ID = "3f2a9c0d11e24b6f8a7d5c4b3a291807"


def _config(identity: X25519Identity) -> Config:
    return Config(
        vault=VaultSection(
            id=VAULT_ID, recipient=str(identity.recipient), created="2026-10-01T10:00:00Z"
        ),
        destinations=[
            DestinationConfig(
                "usb-red", "local", "external", options={"path": "/media/me/RED", "fs_uuid": "1A2B"}
            ),
            DestinationConfig(
                "cloud", "b2", "cloud", offsite=True, options={"bucket": "kv-bkt", "prefix": "kv"}
            ),
        ],
        items=[ItemConfig("electrum", "file", "2026-10-01", "/home/me/wallet.dat")],
        copies=[
            PhysicalCopyConfig("c1", "vault-key", "paper", "home safe", "2026-10-01", "2026-10-02")
        ],
    )


def _age_encrypt(recipient: str, data: bytes, tmp_path: Path) -> Path:
    """A backup as the stock age CLI writes it, to the vault recipient."""
    plain = tmp_path / "wallet.dat"
    plain.write_bytes(data)
    out = tmp_path / "wallet.dat.age"
    subprocess.run(["age", "-r", recipient, "-o", str(out), str(plain)], check=True)
    plain.unlink()
    return out


def _pdftotext(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "kit-text.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, check=True, text=True
    ).stdout


def test_identity_from_shares_any_two_of_three() -> None:
    identity = X25519Identity.generate()
    shares = kit.split_vault_key(identity, 2, 3)
    assert all(len(s.reveal_text().split()) == 33 for s in shares)
    for pair in itertools.combinations(shares, 2):
        restored = kit.identity_from_shares(list(pair))
        assert restored.secret_bytes().equals(identity.secret_bytes())
    with pytest.raises(InvalidShareError, match="needs exactly 2"):
        kit.identity_from_shares(shares[:1])


def test_identity_from_shares_refuses_a_phrase_secret() -> None:
    shares = slip39.split(Secret(bytes(16)), threshold=2, shares=2)[0]
    with pytest.raises(InvalidShareError, match="16-byte secret, not a vault key"):
        kit.identity_from_shares(shares)


def test_split_refuses_impossible_numbers() -> None:
    identity = X25519Identity.generate()
    with pytest.raises(ValueError):
        kit.split_vault_key(identity, 1, 3)
    with pytest.raises(ValueError):
        kit.split_vault_key(identity, 3, 17)


@pytest.mark.slow
def test_kit_key_page_round_trip(tmp_path: Path) -> None:
    identity = X25519Identity.generate()
    document = kit.recovery_kit(_config(identity), day=DAY, identity=identity)
    pdf = render.render_pdf(document)
    pages = rasterise(pdf, tmp_path)
    assert len(pages) == render.count_pages(pdf)
    key = identity.to_secret().reveal()
    found = {n: zxing(p) for n, p in enumerate(pages, start=1)}
    assert {n: codes for n, codes in found.items() if codes} == {2: [key]}
    assert zbar(pages[1]) == [key]
    assert X25519Identity.parse(zbar(pages[1])[0].decode()).recipient == identity.recipient
    key_page = document.pages[1]
    assert key_page.secret and key_page.title == "The vault key"
    grid = next(b for b in key_page.blocks if isinstance(b, sheets.WordGrid))
    assert grid.words.equals(identity_to_words(identity))
    assert identity_from_words(grid.words).recipient == identity.recipient
    text = _pdftotext(pdf, tmp_path)
    for expected in ("bucket kv-bkt, folder kv/", "/media/me/RED", "home safe", "electrum"):
        assert expected in text
    assert f"keyvault/{VAULT_ID}/" in text
    assert "NOT a wallet seed" in text


def test_kit_is_byte_identical_for_identical_input() -> None:
    identity = X25519Identity.generate()
    config = _config(identity)
    first = render.render_pdf(kit.recovery_kit(config, day=DAY, identity=identity))
    second = render.render_pdf(kit.recovery_kit(config, day=DAY, identity=identity))
    assert first == second
    shares = kit.split_vault_key(identity, 2, 3)
    split_a = render.render_pdf(
        kit.recovery_kit(config, day=DAY, shares=shares, threshold=2, paper="letter")
    )
    split_b = render.render_pdf(
        kit.recovery_kit(config, day=DAY, shares=shares, threshold=2, paper="letter")
    )
    assert split_a == split_b


@pytest.mark.slow
def test_split_kit_two_of_three_with_keyvault_and_without(tmp_path: Path) -> None:
    identity = X25519Identity.generate()
    config = _config(identity)
    shares = kit.split_vault_key(identity, 2, 3)
    holders = ("Alice (spouse)", "Bob, lawyer", "Bank box 42")
    document = kit.recovery_kit(config, day=DAY, shares=shares, threshold=2, holders=holders)
    pdf = render.render_pdf(document)
    pages = rasterise(pdf, tmp_path / "png")
    # Pages 2-4 are the share pages, one share each, each scanned by both decoders.
    scanned: list[str] = []
    for number, share in enumerate(shares, start=2):
        via_zbar = zbar(pages[number - 1])
        assert via_zbar == zxing(pages[number - 1]) == [share.reveal_text().upper().encode()]
        scanned.append(via_zbar[0].decode())
    assert all(not zxing(p) for i, p in enumerate(pages, start=1) if i not in (2, 3, 4))
    for number, holder in enumerate(holders, start=2):
        assert document.pages[number - 1].title == f"Vault key share {number - 1} of 3: {holder}"

    # The 24 words and the key line appear nowhere in a split kit.
    words = identity_to_words(identity)
    assert not any(
        isinstance(b, sheets.WordGrid) and b.words.equals(words)
        for page in document.pages
        for b in page.blocks
    )
    text = _pdftotext(pdf, tmp_path)
    assert identity.to_secret().reveal_text() not in text.replace("\n", "")
    assert " ".join(words.reveal_text().split()[:3]) not in text

    backup = _age_encrypt(str(identity.recipient), b"wallet bytes \x00\x01", tmp_path)
    for pair in itertools.combinations(scanned, 2):
        # With keyvault: the scanned shares give the key, which opens the backup.
        restored = kit.identity_from_shares([Secret(s) for s in pair])
        assert decrypt_bytes(backup.read_bytes(), [restored]) == b"wallet bytes \x00\x01"

        # Without keyvault: stock `shamir recover`, the printed snippet, stock `age -d -i`.
        shamir = subprocess.run(
            [*SHAMIR, "recover"], input="\n".join(pair) + "\n", capture_output=True, text=True
        )
        assert shamir.returncode == 0, shamir.stderr
        hex_secret = shamir.stdout.split("Your master secret is:")[1].split()[0]
        key_txt = _run_snippet(hex_secret, tmp_path)
        out = subprocess.run(
            ["age", "-d", "-i", str(key_txt), str(backup)], capture_output=True, check=True
        )
        assert out.stdout == b"wallet bytes \x00\x01"

    # One share alone recovers nothing.
    with pytest.raises(InvalidShareError):
        kit.identity_from_shares([Secret(scanned[0])])
    alone = subprocess.run(
        [*SHAMIR, "recover"], input=scanned[0] + "\n", capture_output=True, text=True, timeout=30
    )
    assert "Your master secret is" not in alone.stdout


def _run_snippet(hex_secret: str, tmp_path: Path) -> Path:
    """The kit's program, exactly as printed, in an isolated interpreter (stdlib only)."""
    script = tmp_path / "key.py"
    script.write_text(kit.RECOVER_SNIPPET)
    proc = subprocess.run(
        [sys.executable, "-I", "-S", str(script)],
        input=hex_secret + "\n",
        capture_output=True,
        text=True,
        check=True,
    )
    key_txt = tmp_path / "key.txt"
    key_txt.write_text(proc.stdout)
    return key_txt


def test_snippet_turns_the_master_secret_into_the_age_key(tmp_path: Path) -> None:
    for _ in range(5):
        identity = X25519Identity.generate()
        key_txt = _run_snippet(identity.secret_bytes().reveal().hex(), tmp_path)
        assert key_txt.read_text() == identity.to_secret().reveal_text() + "\n"
    backup = _age_encrypt(str(identity.recipient), b"seed record", tmp_path)
    opened = subprocess.run(
        ["age", "-d", "-i", str(key_txt), str(backup)], capture_output=True, check=True
    )
    assert opened.stdout == b"seed record"


def test_snippet_refuses_a_wrong_length(tmp_path: Path) -> None:
    script = tmp_path / "key.py"
    script.write_text(kit.RECOVER_SNIPPET)
    proc = subprocess.run(
        [sys.executable, "-I", "-S", str(script)], input="abcd\n", capture_output=True, text=True
    )
    assert proc.returncode != 0 and "64 hex digits" in proc.stderr and proc.stdout == ""


def test_snippet_is_printed_in_the_split_kit(tmp_path: Path) -> None:
    identity = X25519Identity.generate()
    shares = kit.split_vault_key(identity, 2, 2)
    document = kit.recovery_kit(_config(identity), day=DAY, shares=shares, threshold=2)
    code = [b for page in document.pages for b in page.blocks if isinstance(b, sheets.Code)]
    assert "\n".join(code[0].lines) + "\n" == kit.RECOVER_SNIPPET
    printed = _pdftotext(render.render_pdf(document), tmp_path).splitlines()
    stripped = [line.strip() for line in printed]
    for line in kit.RECOVER_SNIPPET.splitlines():
        assert line.strip() in stripped


def test_b2_read_key_page_is_secret_and_printed() -> None:
    identity = X25519Identity.generate()
    read_key = kit.B2ReadKey("cloud", "0012abc", Secret("K001secretsecret"))
    document = kit.recovery_kit(
        _config(identity), day=DAY, identity=identity, b2_read_keys=[read_key]
    )
    page = next(p for p in document.pages if p.title == "Cloud access")
    assert page.secret
    assert any(isinstance(b, sheets.KeyText) for b in page.blocks)
    render.render_pdf(document)


def test_kit_argument_errors() -> None:
    identity = X25519Identity.generate()
    config = _config(identity)
    shares = kit.split_vault_key(identity, 2, 3)
    with pytest.raises(ValueError, match="either"):
        kit.recovery_kit(config, day=DAY, identity=identity, shares=shares, threshold=2)
    with pytest.raises(ValueError, match="either"):
        kit.recovery_kit(config, day=DAY)
    with pytest.raises(ValueError, match="threshold"):
        kit.recovery_kit(config, day=DAY, shares=shares, threshold=4)
    with pytest.raises(ValueError, match="holder"):
        kit.recovery_kit(config, day=DAY, shares=shares, threshold=2, holders=("a",))
    with pytest.raises(ValueError, match="not the vault key"):
        kit.recovery_kit(config, day=DAY, identity=X25519Identity.generate())


def test_kit_without_vault_is_refused() -> None:
    from keyvault.errors import VaultNotInitializedError

    with pytest.raises(VaultNotInitializedError):
        kit.recovery_kit(Config(), day=DAY, identity=X25519Identity.generate())


def test_kit_prints_each_items_identity_and_the_seal_key(tmp_path: Path) -> None:
    from keyvault.crypto.seal import seal_public

    identity = X25519Identity.generate()
    seal = seal_public(identity)
    document = kit.recovery_kit(
        _config(identity),
        day=DAY,
        identity=identity,
        item_identities={"electrum": "fingerprint 73c5da0a"},
        seal_public=seal,
    )
    pdf = render.render_pdf(document)
    text = _pdftotext(pdf, tmp_path)
    assert "fingerprint 73c5da0a" in text
    assert seal in text.replace("\n", "").replace(" ", "")
    # The scanned kit still gives the key back.
    pages = rasterise(pdf, tmp_path)
    key = identity.to_secret().reveal()
    assert zbar(pages[1]) == [key]
    assert X25519Identity.parse(zxing(pages[1])[0].decode()).recipient == identity.recipient

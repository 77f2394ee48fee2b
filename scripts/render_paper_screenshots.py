#!/usr/bin/env python3
"""Render every paper document with sample data and save PNG previews under docs/screenshots.

Usage: scripts/render_paper_screenshots.py [--dpi 72] [--out docs/screenshots]

The samples are public test data (BIP39's "abandon ... about" phrase, a vault key made
from a fixed public string): never use them for real funds. SLIP-39 randomness is fixed
here, and only here, so the previews do not change from run to run. Needs poppler's
``pdftoppm``.
"""

from __future__ import annotations

import argparse
import hashlib
import subprocess
import sys
import tempfile
from datetime import date
from pathlib import Path

import shamir_mnemonic.shamir

from keyvault.crypto import X25519Identity
from keyvault.paper import documents, kit, render
from keyvault.paper.sheets import Document
from keyvault.seedphrase import bip39, slip39, wallet
from keyvault.vault.config import (
    Config,
    DestinationConfig,
    ItemConfig,
    PhysicalCopyConfig,
    VaultSection,
)

SAMPLE_PHRASE = "abandon " * 23 + "art"
LABEL = "SAMPLE - do not use"
DAY = date(2026, 11, 2)


def _fixed_random() -> None:
    """Deterministic SLIP-39 randomness, for reproducible previews of sample data only."""
    counter = [0]

    def fake_random(count: int) -> bytes:
        counter[0] += 1
        stream = hashlib.shake_256(b"keyvault sample %d" % counter[0]).digest(count)
        return stream

    shamir_mnemonic.shamir.RANDOM_BYTES = fake_random


def _sample_config(identity: X25519Identity) -> Config:
    return Config(
        vault=VaultSection(
            id="5a3f0c9e2b7d4a11b6e8c0d2f4a6b8c1",
            recipient=str(identity.recipient),
            created="2026-10-01T09:30:00Z",
        ),
        destinations=[
            DestinationConfig(
                "usb-red",
                "local",
                "external",
                options={"path": "/media/alice/RED-USB", "fs_uuid": "4F2A-9C1B"},
            ),
            DestinationConfig(
                "nas", "local", "nas", options={"path": "/mnt/nas/backups", "fs_uuid": "7d1e0f"}
            ),
            DestinationConfig(
                "cloud",
                "b2",
                "cloud",
                offsite=True,
                options={"bucket": "alice-keyvault", "prefix": "kv"},
            ),
        ],
        items=[
            ItemConfig(
                "electrum wallet", "file", "2026-10-01", "/home/alice/.electrum/wallets/default"
            ),
            ItemConfig("ethereum keystore", "folder", "2026-10-01", "/home/alice/.ethereum/ks"),
            ItemConfig("ledger seed", "phrase", "2026-10-01"),
        ],
        copies=[
            PhysicalCopyConfig(
                "a1b2c3", "vault-key", "paper", "home safe", "2026-10-02", "2026-10-02"
            ),
            PhysicalCopyConfig(
                "d4e5f6", "ledger seed", "metal", "bank box 42", "2026-10-03", "2026-10-03", True
            ),
        ],
    )


def _documents() -> dict[str, tuple[Document, tuple[int, ...]]]:
    """name -> (document, 1-based pages to preview)."""
    _fixed_random()
    identity = X25519Identity.from_bytes(hashlib.sha256(b"keyvault sample vault key").digest())
    config = _sample_config(identity)
    phrase = bip39.check(SAMPLE_PHRASE)
    fingerprint = wallet.master_fingerprint(bip39.to_seed(phrase))
    shares = slip39.split_bip39(phrase, threshold=2, shares=3)
    key_shares = kit.split_vault_key(identity, 2, 3)
    return {
        "phrase": (documents.phrase_sheet(phrase, day=DAY, label=LABEL), (1,)),
        "phrase-compact-letter": (
            documents.phrase_sheet(phrase, day=DAY, label=LABEL, compact_qr=True, paper="letter"),
            (1,),
        ),
        "shares": (
            documents.share_sheets(shares, day=DAY, label=LABEL, fingerprint=fingerprint),
            (1,),
        ),
        "kit": (kit.recovery_kit(config, day=DAY, identity=identity), (1, 2, 3, 4, 5, 6, 7)),
        "kit-split": (
            kit.recovery_kit(
                config,
                day=DAY,
                shares=key_shares,
                threshold=2,
                holders=("Bob (spouse)", "Carol Law LLP", "Bank box 42"),
            ),
            (1, 2, 6),
        ),
        "public": (
            documents.public_sheet(wallet.inspect(phrase, count=1), day=DAY, label=LABEL),
            (1,),
        ),
        "blank": (documents.blank_sheet(day=DAY, label=""), (1, 2)),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dpi", type=int, default=72)
    parser.add_argument("--out", type=Path, default=Path("docs/screenshots"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        for name, (document, pages) in _documents().items():
            pdf = Path(tmp) / f"{name}.pdf"
            pdf.write_bytes(render.render_pdf(document))
            for page in pages:
                suffix = f"-{page}" if len(pages) > 1 else ""
                target = args.out / f"paper-{name}{suffix}"
                subprocess.run(
                    [
                        "pdftoppm",
                        "-r",
                        str(args.dpi),
                        "-gray",
                        "-png",
                        "-singlefile",
                        "-f",
                        str(page),
                        "-l",
                        str(page),
                        str(pdf),
                        str(target),
                    ],
                    check=True,
                )
                print(f"{target}.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())

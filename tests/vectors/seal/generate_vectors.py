"""Generate tests/vectors/seal/seal_vectors.json: known answers for keyvault's owner seal.

Independent of keyvault's own code: HKDF-SHA-256 and Ed25519 from `cryptography`, the
24 words from `python-mnemonic`, Bech32 from the BIP173 reference algorithm (below).
The derivation it encodes is the one documented in keyvault/crypto/seal.py:

    seed   = HKDF-SHA-256(ikm = 32 vault key bytes, salt = "", info = "keyvault owner seal v1")
    public = bech32("kvseal", Ed25519 public key of seed)
    signed = "keyvault seal v1\\nvault ID\\ngeneration N\\nmanifest HEX64\\n"

Run from the repository root:  python tests/vectors/seal/generate_vectors.py
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from mnemonic import Mnemonic

CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"


def bech32_polymod(values: list[int]) -> int:
    generator = [0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3]
    chk = 1
    for value in values:
        top = chk >> 25
        chk = (chk & 0x1FFFFFF) << 5 ^ value
        for i in range(5):
            chk ^= generator[i] if ((top >> i) & 1) else 0
    return chk


def bech32_encode(hrp: str, data: bytes) -> str:
    acc, bits, words = 0, 0, []
    for byte in data:
        acc = (acc << 8) | byte
        bits += 8
        while bits >= 5:
            bits -= 5
            words.append((acc >> bits) & 31)
    if bits:
        words.append((acc << (5 - bits)) & 31)
    expanded = [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp]
    polymod = bech32_polymod(expanded + words + [0] * 6) ^ 1
    checksum = [(polymod >> 5 * (5 - i)) & 31 for i in range(6)]
    return hrp + "1" + "".join(CHARSET[w] for w in words + checksum)


def statement(vault_id: str, generation: int, manifest: str) -> bytes:
    return f"keyvault seal v1\nvault {vault_id}\ngeneration {generation}\nmanifest {manifest}\n".encode()


def vector(name: str, key: bytes, vault_id: str, generation: int, manifest: str) -> dict[str, object]:
    seed = HKDF(hashes.SHA256(), 32, salt=None, info=b"keyvault owner seal v1").derive(key)
    private = Ed25519PrivateKey.from_private_bytes(seed)
    public = private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    message = statement(vault_id, generation, manifest)
    return {
        "name": name,
        "vault_key_hex": key.hex(),
        "vault_key_words": Mnemonic("english").to_mnemonic(key),
        "age_secret_key": bech32_encode("age-secret-key-", key).upper(),
        "seal_seed_hex": seed.hex(),
        "seal_public_hex": public.hex(),
        "seal_public": bech32_encode("kvseal", public),
        "vault_id": vault_id,
        "generation": generation,
        "manifest_sha256": manifest,
        "statement_hex": message.hex(),
        "signature_hex": private.sign(message).hex(),
    }


def main() -> None:
    cases = [
        vector("counting bytes", bytes(range(32)), "3f2a9c0d1e8b4a7f", 1, hashlib.sha256(b"m1").hexdigest()),
        vector("all ones", b"\xff" * 32, "vault-b", 0, "0" * 64),
        vector(
            "hashed key, large generation",
            hashlib.sha256(b"keyvault seal vector 3").digest(),
            "9d4c1b2a",
            2**40 + 7,
            hashlib.sha256(b"manifest 3").hexdigest(),
        ),
    ]
    document = {
        "generated_by": "tests/vectors/seal/generate_vectors.py (cryptography HKDF + Ed25519, "
        "python-mnemonic, BIP173 reference Bech32; independent of keyvault's code)",
        "vectors": cases,
    }
    out = Path(__file__).with_name("seal_vectors.json")
    out.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()

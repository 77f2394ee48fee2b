"""The kit's 'How to recover' page: with keyvault (from the source the owner recorded,
never a package name), and without it (stock ``age`` and ``tar``; for a split kit Trezor's
``shamir`` tool and :data:`RECOVER_SNIPPET`). No secret."""

from __future__ import annotations

from keyvault.release import ReleaseSource
from keyvault.vault.config import Config

from .kit_copies import vault_folder
from .sheets import Block, Code, Heading, Page, Paragraph, Steps

__all__ = ["RECOVER_SNIPPET", "howto_page"]

#: Standard-library Python that turns the SLIP-39 master secret (64 hex digits, as
#: ``shamir recover`` prints it) into the ``AGE-SECRET-KEY-1...`` line for ``age -i``.
#: Printed in the kit; a test runs it exactly as printed.
RECOVER_SNIPPET = """\
# key.py: turns the 64 hex digits from "shamir recover" into an age key.
# Run: python3 key.py > key.txt, then paste the hex digits and press Enter.
import sys
CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
GEN = [0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3]
def polymod(values):
    chk = 1
    for v in values:
        top = chk >> 25
        chk = (chk & 0x1FFFFFF) << 5 ^ v
        for i in range(5):
            if (top >> i) & 1:
                chk ^= GEN[i]
    return chk
sys.stderr.write("master secret (64 hex digits): ")
sys.stderr.flush()
key = bytes.fromhex(sys.stdin.readline().strip())
if len(key) != 32:
    sys.exit("that is not 64 hex digits: check what you typed")
hrp = "age-secret-key-"
data, acc, bits = [], 0, 0
for byte in key:
    acc, bits = acc << 8 | byte, bits + 8
    while bits >= 5:
        bits -= 5
        data.append(acc >> bits & 31)
if bits:
    data.append(acc << (5 - bits) & 31)
expanded = [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp]
check = polymod(expanded + data + [0] * 6) ^ 1
data += [check >> 5 * (5 - i) & 31 for i in range(6)]
print((hrp + "1" + "".join(CHARSET[d] for d in data)).upper())
"""


def _install_step(release: ReleaseSource | None) -> str:
    """Where keyvault comes from: the source recorded at print time, never a package name."""
    if release is None:
        return (
            "The owner did not record where to download keyvault when this kit was printed. "
            "Do not search for a program called keyvault (a look-alike could steal the key): "
            "use 'Recover without keyvault' below, which needs only the standard tool age."
        )
    check = (
        f" Before running it, check that the downloaded file's SHA-256 (`sha256sum FILE`) is "
        f"{release.sha256}; if it differs, do not run it."
        if release.sha256
        else ""
    )
    return (
        f"On a computer you trust, install keyvault from {release.url} (the source the owner "
        f"recorded when this kit was printed), and from nowhere else.{check}"
    )


def _with_keyvault(config: Config, split: bool, release: ReleaseSource | None) -> list[Block]:
    key_step = (
        "Gather enough shares. Type each share's 33 words on its own line in a text file "
        "shares.txt, or scan each share page's QR code: `keyvault scan page.png >> shares.txt`. "
        "Then run `keyvault recover BACKUP -o restored --shares-file shares.txt`."
        if split
        else "Type the 24 words from the vault key page into a text file words.txt and run "
        "`keyvault recover BACKUP -o restored --phrase-file words.txt` (or scan the key's QR "
        "code into key.txt with `keyvault scan page.png > key.txt` and use `-i key.txt`)."
    )
    return [
        Heading("Recover with keyvault (easiest)"),
        Steps(
            (
                _install_step(release),
                "Plug in one of the backup drives, or have the B2 access ready (see 'Where the "
                "copies are'). BACKUP below is the drive folder that holds the keyvault "
                "folder, or b2://BUCKET/FOLDER for the cloud copy.",
                key_step,
                "keyvault restores every item into the folder restored, checks each one "
                "against its recorded checksum and lists what it restored, with each "
                "phrase's fingerprint to compare with this kit's list of items. Then delete "
                + ("shares.txt." if split else "words.txt."),
            )
        ),
    ]


def _without_keyvault(config: Config, split: bool) -> list[Block]:
    folder = vault_folder(config)
    blocks: list[Block] = [
        Heading("Recover without keyvault (standard tools only)"),
        Paragraph(
            "This route needs no keyvault at all: only the free tool age (and tar), whose "
            "file format keyvault's backups follow.",
            "body",
        ),
    ]
    if split:
        blocks += [
            Paragraph("First turn the shares back into the key:", "body"),
            Steps(
                (
                    "Install Python 3 and Trezor's SLIP-39 tool: `pip install shamir-mnemonic`.",
                    "Run `shamir recover` and type the shares' words when asked. It ends with "
                    "'Your master secret is:' and 64 hex digits.",
                    "Type the program below into a file key.py, exactly as printed (it uses only "
                    "Python's standard library). Run `python3 key.py > key.txt` and paste the 64 "
                    "hex digits. key.txt now holds the key line AGE-SECRET-KEY-1...",
                )
            ),
            Code(tuple(RECOVER_SNIPPET.rstrip("\n").split("\n"))),
        ]
    steps = [
        "Install age, the standard encryption tool: https://age-encryption.org "
        "(`apt install age`, `brew install age`, or the Windows download).",
    ]
    if not split:
        steps.append(
            "Make a text file key.txt holding the one line AGE-SECRET-KEY-1... from the vault "
            "key page."
        )
    steps += [
        f"Copy the folder {folder} from a backup drive (or download it from B2) and open a "
        "terminal inside it.",
        "Read the list of backups: `age -d -i key.txt manifest.age > manifest.json`, then open "
        "manifest.json in any text editor. Each item lists its versions; the newest is last, "
        "with an object id.",
        "A file: `age -d -i key.txt objects/OBJECT.age > NAME` (OBJECT is the object id, NAME "
        "the file's name in the manifest).",
        "A folder: `age -d -i key.txt objects/OBJECT.age | tar x` (on Windows: `tar -xf -`).",
        "A seed phrase: `age -d -i key.txt objects/OBJECT.age` prints a small record with the "
        "words.",
        "When done, delete key.txt and the decrypted files you do not need.",
    ]
    blocks.append(Steps(tuple(steps), start=4 if split else 1))
    return blocks


def howto_page(config: Config, split: bool, release: ReleaseSource | None) -> Page:
    """'How to recover': with keyvault, then without it."""
    return Page(
        title="How to recover",
        blocks=(*_with_keyvault(config, split, release), *_without_keyvault(config, split)),
    )

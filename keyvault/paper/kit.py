"""The heir's recovery kit: the vault key on paper, where every copy lives, how to recover.

:func:`recovery_kit` builds the kit (a :class:`~keyvault.paper.sheets.Document`) from
the config and either the vault key itself or SLIP-39 shares of it:

1. *Read this first*: what the kit is, what it opens, scam warnings (no secret).
2. The vault key (secret): the 24-word vault recovery phrase, clearly not a wallet seed,
   and the same key as ``AGE-SECRET-KEY-1...`` text and QR code. **Or**, in a split kit,
   one page per share, each with its holder's name and never the 24 words: any T holders
   together recover the key, fewer learn nothing.
3. Where every copy lives: destinations (drives, B2 bucket and prefix), physical copies,
   the protected items; how the heir gets read access to B2.
4. Step-by-step recovery with keyvault, and without it (stock ``age``, ``tar``, Trezor's
   ``shamir`` tool and :data:`RECOVER_SNIPPET`, a standard-library Python program).
5. A fill-in heir letter (it holds no secret), a checklist and a restore drill.
6. The BIP39 English wordlist, to decode a Standard SeedQR or a damaged word by hand.

:func:`split_vault_key` makes the shares and :func:`identity_from_shares` turns enough
of them back into the vault key (the SLIP-39 master secret is the key's 32 bytes).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from types import MappingProxyType

from keyvault.configs import ConfigRecord, CosignerEntry
from keyvault.crypto import X25519Identity
from keyvault.crypto.vaultkey import identity_to_words
from keyvault.errors import InvalidShareError
from keyvault.release import ReleaseSource
from keyvault.secret import Secret
from keyvault.seedphrase import bip39, slip39
from keyvault.vault.config import Config, DestinationConfig

from .descriptor_sheet import descriptor_blocks
from .documents import SOFTWARE, share_qr
from .sheets import (
    Block,
    Bullets,
    Code,
    Columns,
    Document,
    Fields,
    Heading,
    KeyText,
    Page,
    PaperSize,
    Paragraph,
    QRCode,
    Steps,
    Table,
    WordGrid,
    Wordlist,
)

__all__ = [
    "RECOVER_SNIPPET",
    "B2ReadKey",
    "identity_from_shares",
    "recovery_kit",
    "split_vault_key",
]

KEY_BYTES = 32

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


@dataclass(frozen=True)
class B2ReadKey:
    """A read-only B2 application key for one destination, to print in the kit (secret)."""

    destination: str
    key_id: str
    application_key: Secret


def split_vault_key(identity: X25519Identity, threshold: int, count: int) -> list[Secret]:
    """SLIP-39 shares (one group, ``threshold`` of ``count``) of the vault key's 32 bytes.

    Each share is 33 words. Raises ``ValueError`` for impossible numbers (SLIP-39 has no
    1-of-N with N > 1, and at most 16 shares).
    """
    return slip39.split(identity.secret_bytes(), threshold=threshold, shares=count)[0]


def identity_from_shares(shares: Sequence[Secret | str]) -> X25519Identity:
    """The vault key held by enough SLIP-39 shares (the master secret is the key's bytes).

    Raises :class:`~keyvault.errors.InvalidShareError` for damaged, mismatched or too few
    shares, or shares that hold something other than a 32-byte vault key.
    """
    secret = slip39.combine(shares)
    if len(secret) != KEY_BYTES:
        raise InvalidShareError(
            f"these shares hold a {len(secret)}-byte secret, not a vault key",
            hint="they may be the shares of a seed phrase: use 'keyvault mnemonic combine'",
        )
    return X25519Identity.from_bytes(secret)


# --- page builders ------------------------------------------------------------------------


def _vault_folder(config: Config) -> str:
    return f"keyvault/{config.require_vault().id}/"


def _where(destination: DestinationConfig) -> str:
    options = destination.options
    if destination.type == "b2":
        prefix = str(options.get("prefix", "")).strip("/")
        where = f"bucket {options.get('bucket', '?')}"
        return where + (f", folder {prefix}/" if prefix else "")
    if destination.type == "local":
        where = str(options.get("path", "?"))
        if options.get("fs_uuid"):
            where += f" (drive id {options['fs_uuid']})"
        return where
    return destination.type


def _kind(destination: DestinationConfig) -> str:
    if destination.type == "b2":
        return "Backblaze B2 (cloud)"
    if destination.type == "local":
        return f"folder on a {destination.media} drive"
    return destination.type


def _read_first(
    config: Config, day: date, shares: int, threshold: int, holders: Sequence[str]
) -> Page:
    vault = config.require_vault()
    if shares:
        key_line = (
            f"The key to the backups is split into {shares} shares, held by different people "
            f"or places. Any {threshold} of them together recover it; fewer reveal nothing."
        )
    else:
        key_line = (
            "The key to the backups is on the secret page of this kit: 24 words, and the "
            "same key as one line of text and a QR code."
        )
    blocks: list[Block] = [
        Paragraph(
            "This kit lets you recover backups of cryptocurrency keys and wallet files that "
            "were made with the program keyvault. The backups are encrypted: without the key "
            "in this kit they are useless to anyone, with it they open with keyvault or with "
            "the free standard tool age, even if keyvault no longer exists.",
        ),
        Paragraph(key_line, "warning"),
        Fields(
            (
                ("Vault id", vault.id),
                ("Vault public key", vault.recipient),
                ("Vault created", vault.created[:10]),
                ("Kit printed", day.isoformat()),
                ("Made with", SOFTWARE),
            )
        ),
        Heading("What is in this kit"),
        Bullets(
            (
                "Read this first (this page).",
                "The vault key (secret), or one share of it per holder (secret)."
                if not shares
                else f"{shares} share pages (secret), one per holder; any {threshold} recover "
                "the key.",
                "Where every copy of the backups lives, and how to get to the cloud copy.",
                "How to recover, step by step: with keyvault, and without it.",
                "A letter to the heirs to fill in by hand (no secret in it).",
                "A checklist and a practice drill.",
                "Appendix: the BIP39 English wordlist.",
            )
        ),
    ]
    if any(holders):
        blocks += [
            Heading("Who holds a share"),
            Table(
                ("share", "holder"),
                tuple(
                    (f"{n} of {shares}", name or "(not named)")
                    for n, name in enumerate(holders, start=1)
                ),
                widths=(1, 4),
            ),
        ]
    blocks += [
        Heading("Before you do anything"),
        Bullets(
            (
                "**Nobody legitimate will ever ask you for the words or the key**: not a bank, "
                "not an exchange, not 'support', not a lawyer. Anyone who asks is a thief.",
                "Take your time. Nothing here expires. Do not let anyone rush you.",
                "Use a computer you trust, and do not photograph the secret pages or type "
                "them into a website.",
                "Ask a technically minded person you trust to sit with you (see the letter).",
                "When wallets are recovered, move a small test amount first.",
            )
        ),
    ]
    return Page(
        title="Recovery kit: read this first",
        subtitle=f"vault {vault.id[:8]} \u00b7 printed {day.isoformat()}",
        blocks=tuple(blocks),
    )


def _key_page(identity: X25519Identity, config: Config) -> Page:
    vault = config.require_vault()
    return Page(
        title="The vault key",
        subtitle="the key to every backup listed in this kit",
        secret=True,
        blocks=(
            Paragraph(
                "This page is the key to all the backups in this kit. It is NOT a wallet seed: "
                "never type these 24 words into a wallet. Whoever holds this page can open the "
                "backups; keep it sealed and safe.",
                "warning",
            ),
            Heading("Vault recovery phrase (24 words)"),
            WordGrid(identity_to_words(identity), columns=2),
            Heading("The same key for age (one line)"),
            Columns(
                left=(
                    QRCode(
                        payload=identity.to_secret(),
                        mode="alphanumeric",
                        error="M",
                        module_mm=1.4,
                        caption="the AGE-SECRET-KEY line",
                    ),
                ),
                right=(
                    KeyText(
                        identity.to_secret(),
                        caption="type it as one line without the spaces "
                        "(0 is zero: there is no letter O, I or B):",
                        prefix="AGE-SECRET-KEY-1",
                        groups_per_line=6,
                    ),
                    Fields((("Its public key", vault.recipient),)),
                ),
                left_width=0.4,
            ),
            Paragraph(
                "The 24 words and the AGE-SECRET-KEY line are the same key in two forms: either "
                "one is enough. keyvault takes the words; age takes the line, saved in a file "
                "key.txt.",
                "small",
            ),
        ),
    )


def _share_page(
    share: Secret, number: int, count: int, threshold: int, holder: str, config: Config
) -> Page:
    info = slip39.describe(share)
    words = Secret(" ".join(share.reveal_text().split()).lower(), label="share")
    facts: list[tuple[str, str]] = [
        ("Holder", holder),
        ("This share", f"{number} of {count}"),
        ("Needed", f"any {threshold} of the {count} shares"),
        ("Share set id", f"{info.identifier:05d}"),
        ("Vault id", config.require_vault().id),
    ]
    return Page(
        title=f"Vault key share {number} of {count}" + (f": {holder}" if holder else ""),
        subtitle=f"any {threshold} of {count} shares recover the key to the backups",
        secret=True,
        blocks=(
            Paragraph(
                f"This is one share of the key to the backups described in this kit. On its own "
                f"it reveals nothing; any {threshold} of the {count} shares together recover the "
                "key. It is NOT a wallet seed. Keep it sealed; give it only to the people "
                "carrying out the recovery, in person.",
                "warning",
            ),
            Heading("Share words (SLIP-39, 33 words)"),
            WordGrid(words, columns=3),
            Columns(left=(share_qr(share),), right=(Fields(tuple(facts)),), left_width=0.5),
            Paragraph(
                "To recover: bring the shares together and follow 'How to recover' in the kit "
                "(`keyvault recover --shares-file`, or Trezor's `shamir recover`).",
                "small",
            ),
        ),
    )


def _copies_page(config: Config, item_identities: Mapping[str, str], seal: str) -> Page:
    destinations = tuple(
        (d.name, _kind(d), _where(d), "yes" if d.offsite else "no", "") for d in config.destinations
    )
    physical = tuple((c.item, c.kind, c.location, c.confirmed[:10]) for c in config.copies)
    items = tuple(
        (i.name, i.kind, i.path or "", item_identities.get(i.name, "")) for i in config.items
    )
    folder = _vault_folder(config)
    blocks: list[Block] = [
        Paragraph(
            f"Every backup place holds the same folder, **{folder}**, with the encrypted "
            "files: manifest.age (the list of what is backed up), key.age (the vault key, "
            "locked with the owner's passphrase) and objects/ (the backups themselves). One "
            "good copy is enough."
        ),
        Heading("Backup places"),
        Table(
            ("name", "what", "where", "offsite", "kept at (fill in)"),
            destinations or (("(none configured)", "", "", "", ""),),
            widths=(1.2, 1.6, 2.6, 0.8, 1.8),
        ),
        Heading("Paper and metal copies"),
        Table(
            ("of", "kind", "where", "last checked"),
            physical or (("(none recorded)", "", "", ""),),
            widths=(1.5, 1, 3, 1.2),
        ),
        Heading("What is backed up"),
        Table(
            ("item", "kind", "original place", "identity (compare after recovery)"),
            items or (("(none yet)", "", "", ""),),
            widths=(1.3, 0.7, 2.2, 2.3),
        ),
    ]
    if seal:
        # Public: recover derives the same key from the vault key and says whether the
        # owner's seal verifies; this line lets an heir check it by eye too.
        blocks.append(
            Paragraph(
                f"The owner's seal key: **{seal}**. Recovery prints the seal it finds; "
                "items whose newest version the owner did not seal are restored twice, the "
                "sealed one labelled '.sealed': compare both with the identities above."
            )
        )
    b2 = [d for d in config.destinations if d.type == "b2"]
    if b2:
        blocks += [
            Heading("Getting to the cloud copy (Backblaze B2)"),
            Paragraph(
                "The B2 copy sits in the owner's Backblaze account. Two ways in: a read-only "
                "application key limited to the bucket and folder above (if the owner made one, "
                "it is on the 'Cloud access' page: it can read and list, nothing else), or the "
                "account itself: the owner's login, or Backblaze's account recovery through the "
                "executor. With access, download the folder with the Backblaze web site or the "
                "`b2` tool: `b2 sync b2://BUCKET/FOLDER/" + folder + " ./backup`."
            ),
            Fields(
                (
                    ("Account email (fill in)", ""),
                    ("Where the login is kept", ""),
                )
            ),
        ]
    return Page(title="Where the copies are", blocks=tuple(blocks))


def _b2_page(keys: Sequence[B2ReadKey], config: Config) -> Page:
    blocks: list[Block] = [
        Paragraph(
            "Read-only keys: each can list and download the backup folder of one B2 "
            "destination and nothing else. They do not open the backups (that needs the vault "
            "key), but keep them private.",
            "warning",
        )
    ]
    for key in keys:
        destination = config.destination(key.destination)
        where = _where(destination) if destination is not None else key.destination
        blocks += [
            Heading(f"{key.destination}: {where}", 2),
            Fields((("Application key id", key.key_id),)),
            KeyText(key.application_key, caption="application key:", groups_per_line=10),
        ]
    blocks.append(
        Code(
            (
                "b2 account authorize KEY_ID APPLICATION_KEY",
                "b2 sync b2://BUCKET/FOLDER ./backup",
            )
        )
    )
    return Page(title="Cloud access", secret=True, blocks=tuple(blocks))


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
    folder = _vault_folder(config)
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


def _howto_page(config: Config, split: bool, release: ReleaseSource | None) -> Page:
    return Page(
        title="How to recover",
        blocks=(*_with_keyvault(config, split, release), *_without_keyvault(config, split)),
    )


def _letter_page(config: Config, shares: int, threshold: int) -> Page:
    key_where = (
        f"The key is split into {shares} shares; any {threshold} recover it. The holders are "
        "listed in the kit."
        if shares
        else "The vault key page is kept at: ______________________________"
    )
    return Page(
        title="Letter to my heirs",
        subtitle="to fill in by hand; it holds no secret, and must never hold one",
        blocks=(
            Paragraph(
                "To ________________________________, written on ______________ by "
                "______________________________."
            ),
            Heading("What exists"),
            Paragraph(
                "I own cryptocurrency and keep its keys backed up with keyvault. Roughly: "
                "________________________________________________________________________"
            ),
            Heading("Where the pieces are"),
            Paragraph(key_where),
            Fields(
                (
                    ("Wallet devices and their PINs are kept at", ""),
                    ("Seed phrase sheets / metal plates are at", ""),
                    ("A passphrase (25th word) is kept at", ""),
                    ("This recovery kit's other copy is at", ""),
                )
            ),
            Heading("Who to contact"),
            Fields(
                (
                    ("A technical helper I trust", ""),
                    ("Lawyer / executor", ""),
                    ("Tax adviser", ""),
                )
            ),
            Heading("Warnings"),
            Bullets(
                (
                    "Nobody legitimate asks for the words, shares or key. Support staff, "
                    "'recovery services' and strangers who offer help are thieves.",
                    "Do not hurry: the coins do not expire. Recover first, then decide.",
                    "Move a small test amount before moving everything.",
                    "My will does not contain the words on purpose: wills become public.",
                )
            ),
        ),
    )


def _checklist_page(shares: int) -> Page:
    return Page(
        title="Checklist and practice drill",
        blocks=(
            Heading("The kit is complete when"),
            Bullets(
                (
                    "the vault key page is sealed in an envelope and stored safely"
                    if not shares
                    else "each holder has received exactly one share page, sealed",
                    "the letter to the heirs is filled in and the heirs know where the kit is",
                    "every backup place in 'Where the copies are' has 'kept at' filled in",
                    "the owner has practised a restore with this kit (below)",
                )
            ),
            Heading("Practise once a year"),
            Steps(
                (
                    "On a spare computer, follow 'How to recover' with this kit and one backup "
                    "drive, as an heir would.",
                    "Check that the restored files open, and that restored wallets show the "
                    "fingerprints on their public pages.",
                    "Run `keyvault copy confirm` so keyvault records the kit as checked.",
                    "Print a new kit when the setup changes (a new drive, a new bucket, a new "
                    "key), and destroy the old one.",
                )
            ),
            Heading("Update log"),
            Table(
                ("date", "what changed", "initials"),
                tuple(("", "", "") for _ in range(6)),
                widths=(1, 4, 1),
            ),
        ),
    )


def _wordlist_page() -> Page:
    return Page(
        title="Appendix: the BIP39 English wordlist",
        blocks=(
            Paragraph(
                "Each word follows its 4-digit number, from 0000 to 2047. A phone reading a "
                "Standard SeedQR shows digits: split them into groups of four and look each "
                "group up here. The first four letters of every word are unique, so a damaged "
                "word can be found from its beginning.",
                "small",
            ),
            Wordlist(bip39.wordlist("english")),
        ),
    )


def _wallet_page(record: ConfigRecord, entries: list[CosignerEntry]) -> Page:
    """One wallet configuration: the keys it needs, where each is, its descriptor."""
    config = record.config
    needed = (
        f"To spend from this wallet you need {config.threshold} of its {len(entries)} keys"
        if config.threshold is not None and len(entries) > 1
        else "To spend from this wallet you need its key(s) as the descriptor says"
    )
    blocks: list[Block] = [
        Paragraph(
            f"{needed}, and this descriptor: the seed words alone do not restore it. Each "
            "key held in this vault is one of its seed phrases (restored with the rest of "
            "the vault); the table says where the others are.",
            "warning",
        ),
        *descriptor_blocks(record, entries),
    ]
    return Page(title=f"Wallet: {record.name}", subtitle="private, no secret", blocks=tuple(blocks))


def recovery_kit(
    config: Config,
    *,
    day: date,
    identity: X25519Identity | None = None,
    shares: Sequence[Secret] = (),
    threshold: int = 0,
    holders: Sequence[str] = (),
    b2_read_keys: Sequence[B2ReadKey] = (),
    paper: PaperSize = "a4",
    release: ReleaseSource | None = None,
    wallets: Sequence[tuple[ConfigRecord, list[CosignerEntry]]] = (),
    item_identities: Mapping[str, str] = MappingProxyType({}),
    seal_public: str = "",
) -> Document:
    """The recovery kit for ``config``'s vault.

    Give ``identity`` (the vault key: printed as words, text and QR) **or** ``shares``
    with their ``threshold`` (from :func:`split_vault_key`: one page per share, the 24
    words appear nowhere). ``holders`` names the holder of each share, in order (empty
    names print a blank). ``b2_read_keys`` adds a secret 'Cloud access' page. ``release``
    (:func:`keyvault.release.release_source` at print time) is where the kit tells the
    heir to get keyvault; None says it was not recorded. ``wallets`` (each wallet
    configuration with its cosigner map) adds one page per wallet: its descriptor, which
    keys it needs and where each is. ``item_identities`` (item name -> its identity line,
    e.g. "fingerprint 1a2b3c4d"; public) is printed next to each item, ``seal_public``
    (the owner's ``kvseal1...`` key) under them. Raises
    ``ValueError`` for inconsistent arguments and
    :class:`~keyvault.errors.VaultNotInitializedError` without a vault.
    """
    vault = config.require_vault()
    if (identity is None) == (not shares):
        raise ValueError("give either the vault identity or its shares")
    if shares and not 2 <= threshold <= len(shares):
        raise ValueError("a split kit needs 2 <= threshold <= number of shares")
    if holders and len(holders) != len(shares):
        raise ValueError("name one holder per share")
    if identity is not None and str(identity.recipient) != vault.recipient:
        raise ValueError("this identity is not the vault key of this config")
    names = list(holders) or [""] * len(shares)
    pages = [_read_first(config, day, len(shares), threshold, holders)]
    if identity is not None:
        pages.append(_key_page(identity, config))
    else:
        pages += [
            _share_page(share, number, len(shares), threshold, names[number - 1], config)
            for number, share in enumerate(shares, start=1)
        ]
    pages.append(_copies_page(config, item_identities, seal_public))
    pages += [_wallet_page(record, entries) for record, entries in wallets]
    if b2_read_keys:
        pages.append(_b2_page(b2_read_keys, config))
    pages += [
        _howto_page(config, bool(shares), release),
        _letter_page(config, len(shares), threshold),
        _checklist_page(len(shares)),
        _wordlist_page(),
    ]
    return Document(
        title="keyvault recovery kit",
        pages=tuple(pages),
        date=day,
        paper=paper,
        reference=vault.id[:8],
        software=SOFTWARE,
    )


def kit_summary(document: Document) -> Mapping[str, object]:
    """Public facts about a built kit (page titles, which are secret) for CLI output."""
    return {
        "pages": [page.title for page in document.pages],
        "secret_pages": [page.title for page in document.pages if page.secret],
    }

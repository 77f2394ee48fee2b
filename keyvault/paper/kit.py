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
from datetime import date
from types import MappingProxyType

from keyvault.configs import ConfigRecord, CosignerEntry
from keyvault.crypto import X25519Identity
from keyvault.errors import InvalidShareError
from keyvault.release import ReleaseSource
from keyvault.secret import Secret
from keyvault.seedphrase import slip39
from keyvault.vault.config import Config

from .documents import SOFTWARE
from .kit_copies import copies_page, wallet_page
from .kit_heir import checklist_page, letter_page, read_first_page, wordlist_page
from .kit_howto import RECOVER_SNIPPET, howto_page
from .kit_secret import B2ReadKey, cloud_access_page, key_page, share_page
from .sheets import Document, PaperSize

__all__ = [
    "RECOVER_SNIPPET",
    "B2ReadKey",
    "identity_from_shares",
    "kit_summary",
    "recovery_kit",
    "split_vault_key",
]

KEY_BYTES = 32


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
    pages = [read_first_page(config, day, len(shares), threshold, holders)]
    if identity is not None:
        pages.append(key_page(identity, config))
    else:
        pages += [
            share_page(share, number, len(shares), threshold, names[number - 1], config)
            for number, share in enumerate(shares, start=1)
        ]
    pages.append(copies_page(config, item_identities, seal_public))
    pages += [wallet_page(record, entries) for record, entries in wallets]
    if b2_read_keys:
        pages.append(cloud_access_page(b2_read_keys, config))
    pages += [
        howto_page(config, bool(shares), release),
        letter_page(config, len(shares), threshold),
        checklist_page(len(shares)),
        wordlist_page(),
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

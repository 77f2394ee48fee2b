"""Output descriptors (BIP-380..386, BIP-389 multipath): checked, normalised, identified.

:func:`parse_descriptor` takes descriptor text from an untrusted source and returns a
:class:`WalletConfig`: the *normalised* descriptor with its checksum, and the wallet's
identity (script type, threshold, each cosigner's fingerprint and derivation, the first
receive and change addresses on the wallet's network). embit parses the descriptor and
derives the addresses; this module bounds the input, checks the checksum (the error
names the checksum the text has), refuses private keys, and normalises.

Normal form (what is stored, printed and exported)::

    wsh(sortedmulti(2,[1cf0bf7e/48h/0h/0h/2h]xpub.../<0;1>/*,...))#checksum

- hardened steps are written ``h`` (never ``'``), fingerprints in lower case;
- every extended key in its network's standard version (``xpub``/``tpub``), so a
  SLIP-132 ``Zpub``/``Vpub`` from Electrum or Coldcard becomes the same descriptor;
- a receive-only descriptor whose every key ends ``/0/*`` becomes ``/<0;1>/*`` (the
  change chain ``/1/*`` is what every wallet that wrote ``/0/*`` uses for change).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

from keyvault.errors import (
    DescriptorChecksumError,
    UnknownScriptError,
    WalletConfigError,
    WrongNetworkError,
)

__all__ = [
    "MAX_DESCRIPTOR",
    "NETWORKS",
    "Cosigner",
    "Network",
    "WalletConfig",
    "addresses",
    "descriptor_checksum",
    "find_private_key",
    "parse_descriptor",
    "split_checksum",
]

Network = Literal["mainnet", "testnet", "signet", "regtest"]
NETWORKS: tuple[Network, ...] = ("mainnet", "testnet", "signet", "regtest")
_EMBIT_NETWORK = {"mainnet": "main", "testnet": "test", "signet": "signet", "regtest": "regtest"}

#: The longest descriptor accepted (a 15-of-15 with origins is about 2 KB).
MAX_DESCRIPTOR = 16 * 1024
#: How many receive and change addresses the identity lists.
FIRST_ADDRESSES = 3

_CHECKSUM_CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
_INPUT_CHARSET = (
    "0123456789()[],'/*abcdefgh@:$%{}IJKLMNOPQRSTUVW"
    'XYZ&+-.;<=>?!^_|~ijklmnopqrstuvwxyzABCDEFGH`#"\\ '
)
#: Top-level script expressions that describe a wallet (BIP-381/382/386).
_TOP_LEVEL = ("pkh", "wpkh", "sh", "wsh", "tr")
#: Valid at the top level (BIP-381/383) but bare scripts embit does not derive.
_BARE = ("pk", "multi", "sortedmulti")
#: Expressions of BIP-384/385 that are valid descriptors but no wallet to keep.
_NOT_A_WALLET = ("combo", "raw", "addr", "rawtr")
_BASE58 = "1-9A-HJ-NP-Za-km-z"
_ORIGIN = re.compile(r"\[([^\]]*)\]")
_ORIGIN_BODY = re.compile(r"^[0-9a-fA-F]{8}(/[0-9]{1,10}[h']?)*$")
_UNCOMPRESSED = re.compile(r"(?<![0-9a-fA-F])04[0-9a-fA-F]{128}(?![0-9a-fA-F])")
_PRIVATE = re.compile(
    rf"(?<![{_BASE58}])(?:[xtyzuvYZUV]prv[{_BASE58}]{{100,112}}|[5KLc9][{_BASE58}]{{50,51}})"
    rf"(?![{_BASE58}])"
)


@dataclass(frozen=True)
class Cosigner:
    """One key of a configuration, as its descriptor names it."""

    fingerprint: str | None  # master key fingerprint from the key origin, 8 hex digits
    derivation: str | None  # origin path, "m/48h/0h/0h/2h"; None without an origin
    key: str  # xpub/tpub (standard version) or a hex public key
    path: str  # the steps after the key, "/<0;1>/*" ("" for none)


@dataclass(frozen=True)
class WalletConfig:
    """A normalised descriptor and the identity of the wallet it describes."""

    descriptor: str  # normal form with "#checksum"
    network: Network
    script: str  # wsh, sh-wsh, sh, wpkh, sh-wpkh, pkh, tr
    policy: str  # sortedmulti, multi, single, miniscript, taproot-scripts
    threshold: int | None  # M of an M-of-N (1 for single key); None for other policies
    cosigners: tuple[Cosigner, ...]
    receive: tuple[str, ...]  # the first receive addresses, index 0 first
    change: tuple[str, ...]  # the first change addresses ((), if it has no change chain)

    @property
    def checksum(self) -> str:
        return self.descriptor.rsplit("#", 1)[1]

    @property
    def body(self) -> str:
        """The descriptor without its checksum."""
        return self.descriptor.rsplit("#", 1)[0]

    @property
    def summary(self) -> str:
        """``2-of-3 wsh sortedmulti`` or ``single-key wpkh``."""
        if self.policy == "single":
            return f"single-key {self.script}"
        if self.threshold is not None:
            return f"{self.threshold}-of-{len(self.cosigners)} {self.script} {self.policy}"
        return f"{self.script} {self.policy} with {len(self.cosigners)} keys"


def descriptor_checksum(body: str) -> str:
    """The BIP-380 checksum of ``body`` (a descriptor without ``#``).

    Raises :class:`WalletConfigError` with the position of a character that no
    descriptor may contain.
    """
    for position, ch in enumerate(body):
        if ch not in _INPUT_CHARSET or ch == "#":
            raise WalletConfigError(
                f"character {position + 1} of the descriptor cannot be in a descriptor",
                position=position,
            )
    from embit.descriptor.checksum import checksum

    value: str = checksum(body)
    return value


def split_checksum(text: str) -> tuple[str, str | None]:
    """Split ``body#checksum``; check the checksum when there is one.

    Returns the body and the checksum (None when the text has none). Raises
    :class:`DescriptorChecksumError` (naming the expected checksum) when it is wrong,
    :class:`WalletConfigError` for a malformed checksum or a character no descriptor has.
    """
    body, sep, found = text.partition("#")
    expected = descriptor_checksum(body)
    if not sep:
        return body, None
    if len(found) != 8 or any(c not in _CHECKSUM_CHARSET for c in found):
        raise WalletConfigError(
            f"the checksum after '#' (position {len(body) + 1}) is not 8 checksum characters",
            hint=f"the checksum of this text is #{expected}",
            position=len(body),
        )
    if found != expected:
        raise DescriptorChecksumError(
            f"the descriptor's checksum is #{found} but its text has #{expected}: "
            "a character was changed, added or lost",
            expected=expected,
            found=found,
        )
    return body, found


def find_private_key(text: str) -> int | None:
    """The position of the first extended or WIF private key in ``text``, if any."""
    found = _PRIVATE.search(text)
    return None if found is None else found.start()


def _check_text(text: str) -> str:
    if len(text) > MAX_DESCRIPTOR:
        raise WalletConfigError(f"a descriptor has at most {MAX_DESCRIPTOR} characters")
    stripped = text.strip()
    if not stripped:
        raise WalletConfigError("the descriptor is empty")
    for position, ch in enumerate(stripped):
        if ch.isspace():
            raise WalletConfigError(
                f"the descriptor has a space at position {position + 1}", position=position
            )
    private = _PRIVATE.search(stripped)
    if private is not None:
        raise WalletConfigError(
            f"the descriptor has a private key at position {private.start() + 1}: "
            "a wallet configuration keeps public keys only",
            hint="export the watch-only (public) descriptor from the wallet",
            position=private.start(),
        )
    return stripped


def _check_origins(body: str) -> None:
    """Key origins as BIP-380 writes them (embit lets a trailing ``/`` or ``H`` through)."""
    for origin in _ORIGIN.finditer(body):
        if not _ORIGIN_BODY.match(origin.group(1)):
            raise WalletConfigError(
                f"the key origin at position {origin.start() + 1} is not "
                "[fingerprint/path] (8 hex digits, then /N or /Nh steps)",
                position=origin.start(),
            )


def _check_multipath(body: str) -> None:
    """Every ``<a;b;...>`` of a descriptor has the same length (BIP-389)."""
    lengths = {m.group(1).count(";") + 1 for m in re.finditer(r"<([^<>]*)>", body)}
    if len(lengths) > 1:
        raise WalletConfigError("the descriptor's multipath <...;...> lists differ in length")


def _check_top_level(body: str) -> None:
    name = body.split("(", 1)[0]
    if name in _NOT_A_WALLET:
        raise UnknownScriptError(
            f"{name}() describes a single script, not a wallet keyvault can keep",
            position=0,
        )
    if name in _BARE:
        raise UnknownScriptError(
            f"a bare {name}() script is not supported: keep it in sh(), wsh() or tr()",
            position=0,
        )
    if name not in _TOP_LEVEL:
        shown = name if len(name) <= 20 and name.isalnum() else name[:20] + "..."
        raise UnknownScriptError(
            f"unknown script {shown!r} at position 1; known: {', '.join(_TOP_LEVEL)}",
            position=0,
        )


def _check_keys_allowed(body: str, script: str, policy: str, keys: int) -> None:
    """What BIP-382/383/386 forbid and embit lets through."""
    if script in ("wpkh", "sh-wpkh", "wsh", "sh-wsh", "tr"):
        uncompressed = _UNCOMPRESSED.search(body)
        if uncompressed is not None:
            raise WalletConfigError(
                f"an uncompressed public key at position {uncompressed.start() + 1}: "
                "segwit and taproot scripts take compressed keys only",
                position=uncompressed.start(),
            )
    if script == "sh" and policy in ("multi", "sortedmulti") and keys > 15:
        raise WalletConfigError(f"a P2SH multisig has at most 15 keys, not {keys}")


def _key_network(version: bytes) -> Literal["main", "test"] | None:
    from embit.networks import NETWORKS as EMBIT

    for net in ("main", "test"):
        names = ("xpub", "ypub", "zpub", "Ypub", "Zpub")
        if version in {EMBIT[net][n] for n in names if n in EMBIT[net]}:
            return net
    return None


def _resolve_network(keys: list[Any], wanted: Network | None) -> Network:
    """The network every extended key agrees on, checked against ``wanted``."""
    seen: Literal["main", "test"] | None = None
    for index, key in enumerate(keys, start=1):
        if not key.is_extended:
            continue
        if key.is_private:
            raise WalletConfigError(
                f"key {index} is a private key: a wallet configuration keeps public keys only"
            )
        net = _key_network(key.key.version)
        if net is None:
            raise WalletConfigError(
                f"key {index} has an extended key version keyvault does not know"
            )
        if seen is not None and net != seen:
            raise WrongNetworkError(
                f"key {index} is a {'mainnet' if net == 'main' else 'testnet'} key, "
                f"the keys before it are {'mainnet' if seen == 'main' else 'testnet'} keys"
            )
        seen = net
    if wanted is not None:
        if seen is not None and (seen == "main") != (wanted == "mainnet"):
            raise WrongNetworkError(
                f"the keys are {'mainnet' if seen == 'main' else 'testnet'} keys, "
                f"not {wanted} keys",
                hint="an xpub is for mainnet, a tpub for testnet, signet and regtest",
            )
        return wanted
    return "testnet" if seen == "test" else "mainnet"


def _normalise(descriptor: Any, network: Network) -> None:
    """Standard key versions and ``/<0;1>/*`` for receive-only ``/0/*`` descriptors."""
    from embit.networks import NETWORKS as EMBIT

    version = EMBIT[_EMBIT_NETWORK[network]]["xpub"]
    keys = list(descriptor.keys)
    for key in keys:
        if key.is_extended:
            key.key.version = version
    derivations = [k.allowed_derivation for k in keys]
    if keys and all(d is not None and d.indexes == [0, None] for d in derivations):
        for d in derivations:
            d.indexes = [[0, 1], None]


def _script_and_policy(descriptor: Any) -> tuple[str, str, int | None]:
    if descriptor.taproot:
        if descriptor.taptree:
            return "tr", "taproot-scripts", None
        return "tr", "single", 1
    if descriptor.miniscript is not None:  # sh(), wsh() or sh(wsh()): bare ones are refused
        if descriptor.sh and descriptor.wsh:
            script = "sh-wsh"
        else:
            script = "wsh" if descriptor.wsh else "sh"
        name = descriptor.miniscript.NAME
        if name in ("multi", "sortedmulti"):
            return script, name, int(descriptor.miniscript.args[0].num)
        if name in ("pk", "pkh"):
            return script, "single", 1
        return script, "miniscript", None
    if descriptor.wpkh:
        return ("sh-wpkh" if descriptor.sh else "wpkh"), "single", 1
    return "pkh", "single", 1


def _cosigner(key: Any) -> Cosigner:
    origin = key.origin
    fingerprint = origin.fingerprint.hex() if origin is not None else None
    if origin is None and key.is_extended and key.key.depth == 0:
        fingerprint = key.key.my_fingerprint.hex()  # a master key is its own origin
    derivation = None
    if origin is not None:
        derivation = "m" + str(origin)[len(fingerprint or "") :].replace("'", "h")
    text = key.to_string()
    prefix, suffix = key.prefix, (key.suffix if key.is_extended else "")
    core = text[len(prefix) : len(text) - len(suffix)] if suffix else text[len(prefix) :]
    return Cosigner(fingerprint=fingerprint, derivation=derivation, key=core, path=suffix)


def addresses(
    config: WalletConfig, *, change: bool = False, start: int = 0, count: int = 1
) -> list[str]:
    """Addresses ``start`` .. ``start + count - 1`` of the receive (or change) chain."""
    from embit.descriptor import Descriptor
    from embit.networks import NETWORKS as EMBIT

    if not 0 <= start < 2**31 or not 0 <= count <= 1000:
        raise ValueError("start is 0 to 2^31 - 1 and count 0 to 1000")
    descriptor = Descriptor.from_string(config.body)
    branches = descriptor.num_branches
    if change and branches < 2:
        return []
    net = EMBIT[_EMBIT_NETWORK[config.network]]
    if not descriptor.is_wildcard:
        if start > 0 or count == 0:
            return []
        return [descriptor.derive(0, branch_index=1 if change else 0).address(net)]
    return [
        descriptor.derive(i, branch_index=1 if change else 0).address(net)
        for i in range(start, start + count)
    ]


def parse_descriptor(text: str, *, network: Network | None = None) -> WalletConfig:
    """Check, normalise and identify the descriptor ``text`` (with or without ``#checksum``).

    ``network`` is what the caller expects (None: what the keys say; a tpub means
    testnet). Raises :class:`DescriptorChecksumError` for a wrong checksum,
    :class:`UnknownScriptError` for a script that is not a wallet,
    :class:`WrongNetworkError` for keys of another network and
    :class:`WalletConfigError` for anything else embit cannot read.
    """
    from embit.descriptor import Descriptor

    if network is not None and network not in NETWORKS:
        raise ValueError(f"unknown network {network!r}")
    stripped = _check_text(text)
    body, _ = split_checksum(stripped)
    _check_origins(body)
    _check_multipath(body)
    body = body.replace("'", "h")
    _check_top_level(body)
    try:
        descriptor = Descriptor.from_string(body)
    except Exception as exc:  # embit raises several unrelated types for malformed input
        detail = str(exc)[:160] or type(exc).__name__
        raise WalletConfigError(f"embit cannot read the descriptor: {detail}") from None
    keys = list(descriptor.keys)
    used = _resolve_network(keys, network)
    _normalise(descriptor, used)
    normal = str(descriptor).replace("'", "h")
    config = WalletConfig(
        descriptor=f"{normal}#{descriptor_checksum(normal)}",
        network=used,
        script="",
        policy="",
        threshold=None,
        cosigners=tuple(_cosigner(k) for k in keys),
        receive=(),
        change=(),
    )
    script, policy, threshold = _script_and_policy(descriptor)
    _check_keys_allowed(body, script, policy, len(keys))
    try:
        receive = addresses(config, count=FIRST_ADDRESSES)
        change = addresses(config, change=True, count=FIRST_ADDRESSES)
    except Exception as exc:  # embit: a key that cannot be derived, a script too long
        raise WalletConfigError(f"embit cannot derive addresses: {str(exc)[:160]}") from None
    return WalletConfig(
        descriptor=config.descriptor,
        network=used,
        script=script,
        policy=policy,
        threshold=threshold,
        cosigners=config.cosigners,
        receive=tuple(receive),
        change=tuple(change),
    )

"""The config file: ``config.toml`` in the config dir (0600, written atomically).

It holds public facts only: the vault id and public recipient, the policy numbers, the
destinations, the protected items and the recorded physical copies. Never a secret:
no passphrase, no private key, no B2 application key.

The file is checked against a schema on load (:func:`load_config`), and anything wrong
is a :class:`~keyvault.errors.ConfigError` naming the key (``policy.min_copies``,
``items[2].kind``) and what it must be; never a traceback:

- at most :data:`MAX_CONFIG_BYTES`, a regular file, UTF-8 TOML, nested at most
  :data:`MAX_DEPTH` levels (a deeper array makes the TOML parser recurse: refused too);
- each key of a known section has the type of its dataclass field below (``min_copies =
  "x"`` is refused), the policy numbers are within :data:`POLICY_LIMITS`, the vault id
  is a safe folder name (:data:`VAULT_ID_RULE`; ``"../x"`` is refused), an item's kind
  is one of :data:`ITEM_KINDS`, names are unique among items, destinations and copies;
- a key a section does not know is refused (a typo such as ``min_copise`` would
  otherwise leave the default in force unseen, and be dropped on the next save);
- an unknown top-level key or table is kept as it was read (``extra``), so an older
  keyvault does not drop settings a newer one wrote, and logged as a warning.
"""

from __future__ import annotations

import logging
import os
import re
import stat
import sys
import types
import typing
from dataclasses import MISSING, asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

import tomli_w

from keyvault.atomic import atomic_write
from keyvault.errors import ConfigError, VaultNotInitializedError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

__all__ = [
    "CONFIG_FILE",
    "ITEM_KINDS",
    "MAX_CONFIG_BYTES",
    "MAX_DEPTH",
    "POLICY_LIMITS",
    "VAULT_ID_RULE",
    "Config",
    "DestinationConfig",
    "ItemConfig",
    "PhysicalCopyConfig",
    "PolicyConfig",
    "VaultSection",
    "config_path",
    "load_config",
    "save_config",
]

CONFIG_FILE = "config.toml"
CONFIG_VERSION = 1
#: The kinds of protected item, the one list of them (the manifest and the schema read it).
ITEM_KINDS: tuple[str, ...] = ("file", "folder", "phrase")
#: The largest config file read (a config with thousands of items is a few hundred KiB).
MAX_CONFIG_BYTES = 4 * 1024 * 1024
#: The deepest nesting of tables and arrays accepted anywhere in the file.
MAX_DEPTH = 16
#: A vault id, in words; it names a folder at every destination.
VAULT_ID_RULE = "1-64 letters, digits, '_' or '-'"
_VAULT_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}\Z")
_MAX_NAME = 200
#: The smallest and largest value of each policy number.
POLICY_LIMITS: dict[str, tuple[int, int]] = {
    "min_copies": (1, 1000),
    "min_media_kinds": (1, 100),
    "min_offsite": (0, 1000),
    "verify_max_age_days": (1, 36500),
    "physical_max_age_days": (1, 36500),
    "stale_original_hours": (1, 876000),
}
_log = logging.getLogger("keyvault")


@dataclass
class VaultSection:
    """The vault's public identity."""

    id: str
    recipient: str
    created: str
    #: Recipients of earlier vault keys (after ``key rotate``), newest last.
    previous_recipients: list[str] = field(default_factory=list)
    #: The public half of the owner's seal key (``kvseal1...``,
    #: :mod:`keyvault.crypto.seal`): written at ``init`` and whenever the vault key is
    #: used to seal; lets ``verify`` check seals without the vault key. Absent in configs
    #: of earlier releases until then.
    seal_public: str | None = None


@dataclass
class PolicyConfig:
    """The 3-2-1 policy numbers (ARCHITECTURE.md, "The 3-2-1 policy")."""

    min_copies: int = 3
    min_media_kinds: int = 2
    min_offsite: int = 1
    verify_max_age_days: int = 30
    physical_max_age_days: int = 365
    stale_original_hours: int = 24


@dataclass
class DestinationConfig:
    """One destination: ``type`` is ``local`` or ``b2``; ``options`` are type-specific.

    local: ``path``, ``fs_uuid`` (when the OS told). b2: ``bucket``, ``prefix``,
    ``immutable_days``, ``credentials`` (``env``, ``keyring`` or ``file``).
    """

    name: str
    type: str
    media: str
    offsite: bool = False
    offline: bool = False
    options: dict[str, Any] = field(default_factory=dict)


@dataclass
class ItemConfig:
    """One protected item: ``kind`` is ``file``, ``folder`` or ``phrase``."""

    name: str
    kind: str
    added: str
    path: str | None = None
    #: For phrases: ``bip39`` or ``other``.
    phrase_kind: str | None = None
    #: For wallets added by ``keyvault add --discovered``: the wallet software's id
    #: (``bitcoin-core``, ``electrum``, ...; see :mod:`keyvault.wallets.discover`).
    wallet: str | None = None
    #: For discovered wallets: whether reading the file while its program runs gives a
    #: consistent copy. When false, backups snapshot it through a safe wallet copy.
    live_copy_safe: bool | None = None


@dataclass
class PhysicalCopyConfig:
    """A recorded paper or metal copy of a phrase or of the vault key (item ``vault-key``)."""

    id: str
    item: str
    kind: str
    location: str
    recorded: str
    confirmed: str
    offsite: bool = False
    offline: bool = True


@dataclass
class Config:
    """The whole config file."""

    vault: VaultSection | None = None
    policy: PolicyConfig = field(default_factory=PolicyConfig)
    destinations: list[DestinationConfig] = field(default_factory=list)
    items: list[ItemConfig] = field(default_factory=list)
    copies: list[PhysicalCopyConfig] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    def require_vault(self) -> VaultSection:
        """The vault section, or :class:`VaultNotInitializedError`."""
        if self.vault is None:
            raise VaultNotInitializedError()
        return self.vault

    def destination(self, name: str) -> DestinationConfig | None:
        """The destination called ``name``, if any."""
        return next((d for d in self.destinations if d.name == name), None)

    def item(self, name: str) -> ItemConfig | None:
        """The item called ``name``, if any."""
        return next((i for i in self.items if i.name == name), None)


def config_path(home: Path) -> Path:
    """Where the config file lives in ``home``."""
    return home / CONFIG_FILE


# --- the schema ---------------------------------------------------------------------------


def _type_name(value: Any) -> str:
    names = {bool: "a boolean", int: "an integer", float: "a number", str: "a string"}
    names.update({list: "an array", dict: "a table"})
    return names.get(type(value), type(value).__name__)


def _expected(hint: Any) -> str:
    """The words for a field's type hint ("an integer", "an array of strings", ...)."""
    origin = typing.get_origin(hint)
    if origin in (types.UnionType, typing.Union):
        return " or ".join(_expected(a) for a in typing.get_args(hint) if a is not type(None))
    if origin is list:
        return f"an array of {_expected(typing.get_args(hint)[0]).split(' ', 1)[1]}s"
    if origin is dict or hint is dict:
        return "a table"
    return {bool: "a boolean", int: "an integer", str: "a string"}.get(hint, str(hint))


def _matches(value: Any, hint: Any) -> bool:
    origin = typing.get_origin(hint)
    if origin in (types.UnionType, typing.Union):
        return any(_matches(value, a) for a in typing.get_args(hint))
    if hint is type(None):
        return value is None
    if origin is list:
        (inner,) = typing.get_args(hint)
        return isinstance(value, list) and all(_matches(v, inner) for v in value)
    if origin is dict or hint is dict:
        return isinstance(value, dict)
    if hint is Any:
        return True
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, hint)


def _build(cls: type[Any], data: Any, where: str) -> Any:
    """``cls`` from the table ``data``: every key known and of its field's type."""
    if not isinstance(data, dict):
        raise ConfigError(f"config: {where} must be a table, not {_type_name(data)}")
    hints = typing.get_type_hints(cls)
    known = {f.name: f for f in fields(cls)}
    for key, value in data.items():
        if key not in known:
            raise ConfigError(
                f"config: {where}.{key} is not a key keyvault knows",
                hint=f"the keys of {where} are: {', '.join(known)}",
            )
        if not _matches(value, hints[key]):
            raise ConfigError(
                f"config: {where}.{key} must be {_expected(hints[key])}, not {_type_name(value)}"
            )
    missing = [
        name
        for name, f in known.items()
        if name not in data and f.default is MISSING and f.default_factory is MISSING
    ]
    if missing:
        raise ConfigError(f"config: {where} has no {missing[0]}")
    return cls(**data)


def _table_list(raw: dict[str, Any], key: str) -> list[Any]:
    value = raw.get(key, [])
    if not isinstance(value, list):
        raise ConfigError(f"config: {key} must be an array of tables, not {_type_name(value)}")
    return value


def _check_depth(value: Any) -> None:
    """Refuse nesting deeper than :data:`MAX_DEPTH` (walked without recursion)."""
    pending: list[tuple[Any, int]] = [(value, 0)]
    while pending:
        current, depth = pending.pop()
        if depth > MAX_DEPTH:
            raise ConfigError(f"config: nested deeper than {MAX_DEPTH} levels")
        if isinstance(current, dict):
            pending.extend((v, depth + 1) for v in current.values())
        elif isinstance(current, list):
            pending.extend((v, depth + 1) for v in current)


def _check_name(name: str, where: str) -> None:
    if not name.strip() or len(name) > _MAX_NAME or any(ord(c) < 32 for c in name):
        raise ConfigError(f"config: {where}.name must be 1-{_MAX_NAME} printable characters")


def _unique(names: list[str], section: str) -> None:
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise ConfigError(f"config: two {section} are called {name!r}")
        seen.add(name)


def _check_values(config: Config) -> None:
    """What types alone do not say: ranges, kinds, safe ids, unique names."""
    if config.vault is not None and not _VAULT_ID.match(config.vault.id):
        raise ConfigError(f"config: vault.id must be {VAULT_ID_RULE}")
    if config.vault is not None and config.vault.seal_public is not None:
        from keyvault.crypto.seal import parse_seal_public  # only when there is one
        from keyvault.errors import InvalidSealError

        try:
            parse_seal_public(config.vault.seal_public)
        except InvalidSealError:
            raise ConfigError("config: vault.seal_public must be a seal key (kvseal1...)") from None
    for key, (low, high) in POLICY_LIMITS.items():
        value = getattr(config.policy, key)
        if not low <= value <= high:
            raise ConfigError(f"config: policy.{key} must be from {low} to {high}, not {value}")
    for index, item in enumerate(config.items):
        _check_name(item.name, f"items[{index}]")
        if item.kind not in ITEM_KINDS:
            raise ConfigError(
                f"config: items[{index}].kind must be one of {', '.join(ITEM_KINDS)}, "
                f"not {item.kind!r}"
            )
    for index, destination in enumerate(config.destinations):
        _check_name(destination.name, f"destinations[{index}]")
    _unique([i.name for i in config.items], "items")
    _unique([d.name for d in config.destinations], "destinations")
    _unique([c.id for c in config.copies], "copies")


def _read_bounded(path: Path) -> bytes:
    """The file's bytes: a regular file of at most :data:`MAX_CONFIG_BYTES`, never blocking."""
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise ConfigError(f"{path} is not a regular file")
        if info.st_size > MAX_CONFIG_BYTES:
            raise ConfigError(f"{path} is larger than {MAX_CONFIG_BYTES // 1024 // 1024} MiB")
        with os.fdopen(fd, "rb", closefd=False) as stream:
            data = stream.read(MAX_CONFIG_BYTES + 1)
    finally:
        os.close(fd)
    if len(data) > MAX_CONFIG_BYTES:
        raise ConfigError(f"{path} is larger than {MAX_CONFIG_BYTES // 1024 // 1024} MiB")
    return data


def load_config(home: Path) -> Config:
    """Read and check ``home/config.toml``; a missing file gives an empty :class:`Config`.

    Raises :class:`~keyvault.errors.ConfigError` for anything the schema refuses (see
    the module's docstring).
    """
    path = config_path(home)
    try:
        raw = tomllib.loads(_read_bounded(path).decode("utf-8"))
    except FileNotFoundError:
        return Config()
    except RecursionError:
        raise ConfigError(f"{path}: nested deeper than {MAX_DEPTH} levels") from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read {path}: {exc}") from None
    _check_depth(raw)
    version = raw.get("version", CONFIG_VERSION)
    if not isinstance(version, int) or isinstance(version, bool):
        raise ConfigError(f"config: version must be an integer, not {_type_name(version)}")
    if version > CONFIG_VERSION:
        raise ConfigError(
            f"{path} was written by a newer keyvault (config version {version})",
            hint="upgrade keyvault",
        )
    section_names = {"version", "vault", "policy", "destinations", "items", "copies"}
    extra = {k: v for k, v in raw.items() if k not in section_names}
    if extra:
        _log.warning("config: keeping keys this keyvault does not know: %s", ", ".join(extra))
    config = Config(
        vault=_build(VaultSection, raw["vault"], "vault") if "vault" in raw else None,
        policy=_build(PolicyConfig, raw.get("policy", {}), "policy"),
        destinations=[
            _build(DestinationConfig, d, f"destinations[{n}]")
            for n, d in enumerate(_table_list(raw, "destinations"))
        ],
        items=[
            _build(ItemConfig, i, f"items[{n}]") for n, i in enumerate(_table_list(raw, "items"))
        ],
        copies=[
            _build(PhysicalCopyConfig, c, f"copies[{n}]")
            for n, c in enumerate(_table_list(raw, "copies"))
        ],
        extra=extra,
    )
    _check_values(config)
    return config


def _drop_none(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _drop_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_drop_none(v) for v in value]
    return value


def save_config(home: Path, config: Config) -> None:
    """Write the config atomically with mode 0600."""
    home.mkdir(mode=0o700, parents=True, exist_ok=True)
    document: dict[str, Any] = {"version": CONFIG_VERSION, **config.extra}
    if config.vault is not None:
        document["vault"] = asdict(config.vault)
    document["policy"] = asdict(config.policy)
    document["destinations"] = [asdict(d) for d in config.destinations]
    document["items"] = [asdict(i) for i in config.items]
    document["copies"] = [asdict(c) for c in config.copies]
    atomic_write(config_path(home), tomli_w.dumps(_drop_none(document)).encode("utf-8"))

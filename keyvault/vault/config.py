"""The config file: ``config.toml`` in the config dir (0600, written atomically).

It holds public facts only: the vault id and public recipient, the policy numbers, the
destinations, the protected items and the recorded physical copies. Never a secret:
no passphrase, no private key, no B2 application key.

Unknown keys are kept as they were read (``extra``) so an older keyvault does not drop
settings a newer one wrote.
"""

from __future__ import annotations

import sys
from dataclasses import asdict, dataclass, field, fields
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


@dataclass
class VaultSection:
    """The vault's public identity."""

    id: str
    recipient: str
    created: str
    #: Recipients of earlier vault keys (after ``key rotate``), newest last.
    previous_recipients: list[str] = field(default_factory=list)


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


def _build(cls: type[Any], data: Any, where: str) -> Any:
    if not isinstance(data, dict):
        raise ConfigError(f"config section {where} is not a table")
    known = {f.name for f in fields(cls)}
    try:
        return cls(**{k: v for k, v in data.items() if k in known})
    except TypeError as exc:
        raise ConfigError(f"config section {where} is incomplete: {exc}") from None


def load_config(home: Path) -> Config:
    """Read ``home/config.toml``; a missing file gives an empty :class:`Config`."""
    path = config_path(home)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return Config()
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read {path}: {exc}") from None
    version = raw.get("version", CONFIG_VERSION)
    if not isinstance(version, int) or version > CONFIG_VERSION:
        raise ConfigError(
            f"{path} was written by a newer keyvault (config version {version})",
            hint="upgrade keyvault",
        )
    section_names = {"version", "vault", "policy", "destinations", "items", "copies"}
    return Config(
        vault=_build(VaultSection, raw["vault"], "vault") if "vault" in raw else None,
        policy=_build(PolicyConfig, raw.get("policy", {}), "policy"),
        destinations=[
            _build(DestinationConfig, d, "destinations") for d in raw.get("destinations", [])
        ],
        items=[_build(ItemConfig, i, "items") for i in raw.get("items", [])],
        copies=[_build(PhysicalCopyConfig, c, "copies") for c in raw.get("copies", [])],
        extra={k: v for k, v in raw.items() if k not in section_names},
    )


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
